package io.github.redisproxy.resp;

import io.github.redisproxy.access.AccessControl;
import io.github.redisproxy.access.Client;
import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.backend.NodeStatus;
import io.github.redisproxy.lookup.Key;
import io.github.redisproxy.lookup.Lookup;
import io.github.redisproxy.lookup.LookupException;
import io.github.redisproxy.lookup.LookupService;
import io.github.redisproxy.lookup.LookupStats;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The command table of the RESP front end. Reads go through the {@link LookupService}, like HTTP;
 * the proxy is read-only, so write commands are refused; everything else a client library or {@code
 * redis-cli} sends while connecting gets a minimal but valid answer.
 */
final class RespCommands {
  /** The reply to QUIT; the connection closes after writing it. */
  static final RedisMessage QUIT_OK = new SimpleStringRedisMessage("OK");

  /**
   * Reported as {@code redis_version}: the newest Redis whose read commands this proxy answers like
   * Redis.
   */
  static final String REDIS_VERSION = "6.2.0";

  /** How many keys of one MGET are looked up at once. */
  private static final int MGET_PARALLELISM = 64;

  private static final Set<String> WRITE_COMMANDS =
      Set.of(
          "set",
          "setnx",
          "setex",
          "psetex",
          "getset",
          "getdel",
          "getex",
          "append",
          "setrange",
          "incr",
          "incrby",
          "incrbyfloat",
          "decr",
          "decrby",
          "mset",
          "msetnx",
          "del",
          "unlink",
          "expire",
          "pexpire",
          "expireat",
          "pexpireat",
          "persist",
          "rename",
          "renamenx",
          "move",
          "copy",
          "restore",
          "flushall",
          "flushdb",
          "swapdb",
          "lpush",
          "rpush",
          "lpushx",
          "rpushx",
          "lpop",
          "rpop",
          "lset",
          "lrem",
          "ltrim",
          "linsert",
          "lmove",
          "rpoplpush",
          "sadd",
          "srem",
          "spop",
          "smove",
          "hset",
          "hsetnx",
          "hmset",
          "hdel",
          "hincrby",
          "hincrbyfloat",
          "zadd",
          "zrem",
          "zincrby",
          "zpopmin",
          "zpopmax",
          "pfadd",
          "pfmerge",
          "xadd",
          "xdel",
          "xtrim",
          "geoadd",
          "setbit",
          "bitop",
          "bitfield",
          "eval",
          "evalsha",
          "script",
          "multi",
          "exec");

  /**
   * What a client may send before AUTH when access control is on (as the issue and Redis allow).
   */
  private static final Set<String> BEFORE_AUTH = Set.of("auth", "hello", "ping", "quit");

  private static final String NOAUTH = "NOAUTH Authentication required.";
  private static final String WRONGPASS =
      "WRONGPASS invalid username-password pair or user is disabled.";
  private static final String NOPERM = "NOPERM No permissions to access a key";

  private record Command(
      int arity, String flags, BiFunction<RespCommand, RespSession, Mono<RedisMessage>> handler) {}

  private final LookupService lookups;
  private final AccessControl access;
  private final Backend backend;
  private final int capacity;
  private final long maxBytes;
  private final String policy;
  private final int port;
  private final LongSupplier connectedClients;
  private final long startedAt = System.nanoTime();
  private final Map<String, Command> table = new LinkedHashMap<>();

  RespCommands(
      LookupService lookups,
      AccessControl access,
      Backend backend,
      int capacity,
      long maxBytes,
      String policy,
      int port,
      LongSupplier connectedClients) {
    this.lookups = lookups;
    this.access = access;
    this.backend = backend;
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.policy = policy;
    this.port = port;
    this.connectedClients = connectedClients;
    // Arity as Redis counts it: the name included; negative means "at least".
    table.put("get", new Command(2, "readonly fast", this::get));
    table.put("mget", new Command(-2, "readonly fast", this::mget));
    table.put("auth", new Command(-2, "fast", this::auth));
    table.put("ping", new Command(-1, "fast", (c, s) -> ping(c)));
    table.put("echo", new Command(2, "fast", (c, s) -> Mono.just(RespReplies.bulk(c.arg(0)))));
    table.put("quit", new Command(-1, "fast", (c, s) -> Mono.just(QUIT_OK)));
    table.put("hello", new Command(-1, "fast", this::hello));
    table.put("select", new Command(2, "fast", (c, s) -> select(c)));
    table.put("client", new Command(-2, "slow", this::client));
    table.put("command", new Command(-1, "slow", (c, s) -> command(c)));
    table.put("config", new Command(-2, "slow", (c, s) -> config(c)));
    table.put("info", new Command(-1, "slow", (c, s) -> Mono.just(info(c))));
  }

  /**
   * Runs one command; the reply is an error reply rather than an error signal whenever the client
   * is to blame.
   */
  Mono<RedisMessage> execute(RespCommand command, RespSession session) {
    if (access.enabled() && !BEFORE_AUTH.contains(command.name()) && !loggedIn(session)) {
      return error(NOAUTH); // before the table: an unknown command's arguments are not echoed
    }
    Command known = table.get(command.name());
    if (known == null) {
      if (WRITE_COMMANDS.contains(command.name())) {
        return error(
            "ERR '" + command.name() + "' is a write command; this caching proxy is read-only");
      }
      return error(unknownCommand(command));
    }
    int given = command.args().size() + 1;
    if (known.arity() > 0 ? given != known.arity() : given < -known.arity()) {
      return error("ERR wrong number of arguments for '" + command.name() + "' command");
    }
    return known.handler().apply(command, session);
  }

  private static String unknownCommand(RespCommand command) {
    StringBuilder text =
        new StringBuilder("ERR unknown command '")
            .append(command.name())
            .append("', with args beginning with: ");
    for (int i = 0; i < command.args().size() && i < 8; i++) {
      text.append('\'').append(command.argText(i)).append("' ");
    }
    return text.toString();
  }

  private Mono<RedisMessage> get(RespCommand command, RespSession session) {
    Key key = Key.of(command.arg(0));
    if (!mayRead(session, key)) {
      return error(NOPERM);
    }
    return lookups.lookup(
        key, RespCommands::valueReply, failure -> Mono.just(failureReply(failure)));
  }

  /** Each key goes through the cache; misses load in parallel; the replies keep the keys' order. */
  private Mono<RedisMessage> mget(RespCommand command, RespSession session) {
    // All or nothing, as Redis' ACLs: one key outside the client's prefixes refuses the command.
    for (byte[] key : command.args()) {
      if (!mayRead(session, Key.of(key))) {
        return error(NOPERM);
      }
    }
    return Flux.fromIterable(command.args())
        .flatMapSequential(
            key ->
                lookups.lookup(
                    Key.of(key),
                    RespCommands::valueReply,
                    // Like Redis: MGET answers nil for a key that holds another type.
                    failure ->
                        failure.reason() == LookupException.Reason.WRONG_TYPE
                            ? Mono.just(RespReplies.NIL)
                            : Mono.error(failure)),
            MGET_PARALLELISM)
        .collectList()
        .map(RespReplies::array)
        // Keys that fail at the same moment on different threads arrive as one CompositeException:
        // unwrapped here,
        // else it would end the connection's reply stream and close it without an answer.
        .onErrorResume(
            error -> lookupFailure(error) != null,
            error -> Mono.just(failureReply(lookupFailure(error))));
  }

  /**
   * The lookup failure behind {@code error}: itself, or the first of several that ended an MGET
   * together.
   */
  private static LookupException lookupFailure(Throwable error) {
    for (Throwable one : Exceptions.unwrapMultiple(error)) {
      if (one instanceof LookupException failure) {
        return failure;
      }
    }
    return null;
  }

  /**
   * Whether the connection's client is still in the tokens file; the session takes its line as the
   * file says it now, so a reload's new prefixes apply from the next command, and a removed line or
   * a changed token logs the connection out. An in-memory lookup on the file's current snapshot.
   */
  private boolean loggedIn(RespSession session) {
    Client earlier = session.client();
    if (earlier == null) {
      return false;
    }
    Client now = access.current(earlier).orElse(null);
    if (now != earlier) {
      session.client(now);
    }
    return now != null;
  }

  private boolean mayRead(RespSession session, Key key) {
    return !access.enabled() || session.client().mayRead(key);
  }

  /**
   * {@code AUTH token} (any client's) or {@code AUTH name token}. A failed AUTH leaves the
   * connection as it was, as in Redis.
   *
   * <p>Without access control: {@code AUTH password} gets Redis' answer when no password is set;
   * {@code AUTH user pass} is accepted and ignored, as {@code HELLO ... AUTH} always was here, so
   * that clients can be given credentials before the tokens file is turned on.
   */
  private Mono<RedisMessage> auth(RespCommand command, RespSession session) {
    if (command.args().size() > 2) {
      return error("ERR syntax error");
    }
    if (!access.enabled()) {
      return command.args().size() == 2
          ? Mono.just(RespReplies.OK)
          : error(
              "ERR AUTH <password> called without any password configured for the default user."
                  + " Are you sure your configuration is correct?");
    }
    Optional<Client> client =
        command.args().size() == 1
            ? access.authenticate(command.arg(0))
            : access.authenticate(command.argText(0), command.arg(1));
    if (client.isEmpty()) {
      return error(WRONGPASS);
    }
    session.client(client.get());
    return Mono.just(RespReplies.OK);
  }

  private static Mono<RedisMessage> valueReply(Lookup lookup) {
    return Mono.just(lookup.found() ? RespReplies.bulk(lookup.value()) : RespReplies.NIL);
  }

  /** The one place a lookup failure becomes a RESP error. */
  private static RedisMessage failureReply(LookupException failure) {
    String message = failure.getMessage();
    return RespReplies.error(
        switch (failure.reason()) {
          case WRONG_TYPE, BACKEND_ERROR ->
              startsWithErrorCode(message) ? message : "ERR " + message;
          case OVERLOADED -> "ERR proxy overloaded: " + message;
          case BACKEND_UNAVAILABLE -> "ERR backend unavailable: " + message;
          case BACKEND_TIMEOUT -> "ERR backend timeout: " + message;
        });
  }

  private static boolean startsWithErrorCode(String message) {
    int space = message.indexOf(' ');
    return space > 0
        && message.substring(0, space).equals(message.substring(0, space).toUpperCase(Locale.ROOT));
  }

  private static Mono<RedisMessage> ping(RespCommand command) {
    return switch (command.args().size()) {
      case 0 -> Mono.just(RespReplies.PONG);
      case 1 -> Mono.just(RespReplies.bulk(command.arg(0)));
      default -> error("ERR wrong number of arguments for 'ping' command");
    };
  }

  /**
   * RESP2 only: {@code HELLO 3} gets {@code -NOPROTO}, which clients such as Lettuce take as "use
   * RESP2".
   */
  private Mono<RedisMessage> hello(RespCommand command, RespSession session) {
    int i = 0;
    if (command.args().size() > 0) {
      String version = command.argText(0);
      if (!version.matches("\\d{1,9}")) {
        return error("ERR Protocol version is not an integer or out of range");
      }
      if (!version.equals("2")) {
        return error("NOPROTO sorry, this protocol version is not supported");
      }
      i = 1;
    }
    while (i < command.args().size()) {
      String option = command.argText(i).toLowerCase(Locale.ROOT);
      if (option.equals("auth") && i + 2 < command.args().size()) {
        if (access.enabled()) {
          Optional<Client> client = access.authenticate(command.argText(i + 1), command.arg(i + 2));
          if (client.isEmpty()) {
            return error(WRONGPASS);
          }
          session.client(client.get());
        } // else there are no users: the credentials are accepted and ignored
        i += 3;
      } else if (option.equals("setname") && i + 1 < command.args().size()) {
        session.name(command.arg(i + 1));
        i += 2;
      } else {
        return error("ERR Syntax error in HELLO option '" + command.argText(i) + "'");
      }
    }
    return Mono.just(
        RespReplies.arrayOf(
            "server",
            "redis",
            "version",
            REDIS_VERSION,
            "proto",
            2L,
            "id",
            session.id(),
            "mode",
            "standalone",
            "role",
            "master",
            "modules",
            List.of()));
  }

  private static Mono<RedisMessage> select(RespCommand command) {
    String index = command.argText(0);
    if (!index.matches("-?\\d{1,9}")) {
      return error("ERR value is not an integer or out of range");
    }
    return Integer.parseInt(index) == 0
        ? Mono.just(RespReplies.OK)
        : error(
            "ERR DB index is out of range (this proxy serves the database it was configured with as db 0)");
  }

  private Mono<RedisMessage> client(RespCommand command, RespSession session) {
    String sub = command.argText(0).toLowerCase(Locale.ROOT);
    int args = command.args().size();
    return switch (sub) {
      case "setname" -> {
        if (args != 2) {
          yield error("ERR wrong number of arguments for 'client|setname' command");
        }
        session.name(command.arg(1));
        yield Mono.just(RespReplies.OK);
      }
      case "getname" ->
          Mono.just(session.name() == null ? RespReplies.NIL : RespReplies.bulk(session.name()));
      case "setinfo" ->
          args == 3
              ? Mono.just(RespReplies.OK)
              : error("ERR wrong number of arguments for 'client|setinfo' command");
      case "id" -> Mono.just(RespReplies.integer(session.id()));
      default -> error("ERR unknown subcommand '" + command.argText(0) + "'. Try CLIENT HELP.");
    };
  }

  /**
   * Minimal but valid, so that redis-cli 7 starts cleanly and clients that introspect commands
   * work.
   */
  private Mono<RedisMessage> command(RespCommand command) {
    if (command.args().isEmpty()) {
      List<RedisMessage> infos = new ArrayList<>();
      table.forEach((name, known) -> infos.add(commandInfo(name, known)));
      return Mono.just(RespReplies.array(infos));
    }
    String sub = command.argText(0).toLowerCase(Locale.ROOT);
    return switch (sub) {
      case "count" -> Mono.just(RespReplies.integer(table.size()));
      case "docs" -> Mono.just(RespReplies.EMPTY_ARRAY);
      case "info" -> {
        List<RedisMessage> infos = new ArrayList<>();
        for (int i = 1; i < command.args().size(); i++) {
          String name = command.argText(i).toLowerCase(Locale.ROOT);
          Command known = table.get(name);
          infos.add(known == null ? RespReplies.NIL : commandInfo(name, known));
        }
        yield Mono.just(RespReplies.array(infos));
      }
      default -> error("ERR unknown subcommand '" + command.argText(0) + "'. Try COMMAND HELP.");
    };
  }

  private static RedisMessage commandInfo(String name, Command known) {
    boolean keyed = name.equals("get") || name.equals("mget");
    List<Object> flags = List.of((Object[]) known.flags().split(" "));
    return RespReplies.arrayOf(
        name,
        (long) known.arity(),
        flags,
        keyed ? 1L : 0L,
        keyed ? (name.equals("mget") ? -1L : 1L) : 0L,
        keyed ? 1L : 0L);
  }

  /**
   * {@code CONFIG GET} answers an empty list: the proxy has no Redis configuration to show
   * (redis-benchmark asks).
   */
  private static Mono<RedisMessage> config(RespCommand command) {
    String sub = command.argText(0).toLowerCase(Locale.ROOT);
    if (sub.equals("get")) {
      return command.args().size() >= 2
          ? Mono.just(RespReplies.EMPTY_ARRAY)
          : error("ERR wrong number of arguments for 'config|get' command");
    }
    return error("ERR CONFIG " + command.argText(0) + " is not supported by this proxy");
  }

  private RedisMessage info(RespCommand command) {
    String section =
        command.args().isEmpty() ? "default" : command.argText(0).toLowerCase(Locale.ROOT);
    boolean all = Set.of("default", "all", "everything").contains(section);
    StringBuilder text = new StringBuilder();
    if (all || section.equals("server")) {
      text.append("# Server\r\n")
          .append("redis_version:")
          .append(REDIS_VERSION)
          .append("\r\n")
          .append("redis_mode:standalone\r\n")
          .append("proxy:redis-proxy\r\n")
          .append("process_id:")
          .append(ProcessHandle.current().pid())
          .append("\r\n")
          .append("tcp_port:")
          .append(port)
          .append("\r\n")
          .append("uptime_in_seconds:")
          .append((System.nanoTime() - startedAt) / 1_000_000_000L)
          .append("\r\n")
          .append("\r\n");
    }
    if (all || section.equals("clients")) {
      text.append("# Clients\r\n")
          .append("connected_clients:")
          .append(connectedClients.getAsLong())
          .append("\r\n\r\n");
    }
    if (all || section.equals("backend")) {
      List<NodeStatus> nodes = backend.nodes();
      text.append("# Backend\r\n")
          .append("backend_mode:")
          .append(backend.mode())
          .append("\r\n")
          .append("backend_up:")
          .append(backend.isConnected() ? 1 : 0)
          .append("\r\n")
          .append("backend_nodes:")
          .append(nodes.size())
          .append("\r\n");
      for (int i = 0; i < nodes.size(); i++) {
        NodeStatus node = nodes.get(i);
        // The shape of Redis' own "slave0:ip=…,port=…" lines.
        text.append("backend_node")
            .append(i)
            .append(":address=")
            .append(node.address())
            .append(",role=")
            .append(node.role())
            .append(",read_from=")
            .append(node.readFrom() ? 1 : 0)
            .append(",up=")
            .append(node.up() ? 1 : 0)
            .append(",tracking=")
            .append(node.tracking() ? 1 : 0)
            .append("\r\n");
      }
      text.append("\r\n");
    }
    if (all || section.equals("cache") || section.equals("stats")) {
      LookupStats stats = lookups.stats();
      text.append("# Cache\r\n")
          .append("cache_hits:")
          .append(stats.hits())
          .append("\r\n")
          .append("cache_misses:")
          .append(stats.misses())
          .append("\r\n")
          .append("cache_coalesced:")
          .append(stats.coalesced())
          .append("\r\n")
          .append("cache_size:")
          .append(stats.size())
          .append("\r\n")
          .append("cache_capacity:")
          .append(capacity)
          .append("\r\n")
          .append("cache_bytes:")
          .append(stats.bytes())
          .append("\r\n")
          .append("cache_max_bytes:")
          .append(maxBytes)
          .append("\r\n")
          .append("cache_stale:")
          .append(stats.stale())
          .append("\r\n")
          .append("cache_bypassed:")
          .append(stats.bypassed())
          .append("\r\n")
          .append("cache_refreshes:")
          .append(stats.refreshes())
          .append("\r\n");
      for (Map.Entry<String, Long> cause : stats.evictions().entrySet()) {
        text.append("cache_evictions_")
            .append(cause.getKey())
            .append(':')
            .append(cause.getValue())
            .append("\r\n");
      }
      text.append("cache_invalidation_mode:")
          .append(stats.invalidationMode())
          .append("\r\n")
          .append("cache_policy:")
          .append(policy)
          .append("\r\n")
          .append("\r\n");
    }
    return RespReplies.bulk(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The command's name for metrics: one of the table's, or {@code other}, so that clients cannot
   * add tag values.
   */
  String meterName(RespCommand command) {
    return table.containsKey(command.name()) ? command.name() : "other";
  }

  private static Mono<RedisMessage> error(String text) {
    return Mono.just(RespReplies.error(text));
  }
}
