package io.github.redisproxy.access;

import io.github.redisproxy.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may read: off (everyone may read every key), or the clients of AUTH_TOKENS_FILE.
 *
 * <p>The clients are an immutable snapshot behind a volatile field: a request on an event loop
 * reads it once, without a lock, and never touches the file. The file is compared with what was
 * read once per {@link #POLL_PERIOD}, by content, on a daemon thread of its own (reading a file
 * blocks, so it must not happen on an event loop); a change that does not parse keeps the clients
 * there were, and says so in one WARN line. A token is checked against every client, in time that
 * does not depend on which one (if any) it matches or where it differs ({@link Clients#find}).
 */
public final class AccessControl implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessControl.class);

  /** How often the file is compared with what was read. */
  static final Duration POLL_PERIOD = Duration.ofSeconds(1);

  private static final AccessControl OFF = new AccessControl(null, null, Clients.NONE);

  private final Path file;
  private final ScheduledExecutorService poller;
  private volatile Clients clients;
  private byte[] lastRead; // only the poller thread touches it after start

  private AccessControl(Path file, byte[] contents, Clients clients) {
    this.file = file;
    this.lastRead = contents;
    this.clients = clients;
    this.poller =
        file == null
            ? null
            : Executors.newSingleThreadScheduledExecutor(
                task -> {
                  Thread thread = new Thread(task, "redis-proxy-tokens-reload");
                  thread.setDaemon(true);
                  return thread;
                });
  }

  /** Everyone may read every key. */
  public static AccessControl off() {
    return OFF;
  }

  /**
   * Reads the tokens file, or says which line is wrong.
   *
   * @throws ConfigException naming AUTH_TOKENS_FILE and the line
   */
  public static AccessControl load(Path file) {
    try {
      byte[] contents = Files.readAllBytes(file);
      return new AccessControl(file, contents, parse(contents));
    } catch (IOException e) {
      throw new ConfigException("AUTH_TOKENS_FILE: cannot be read (" + e.getMessage() + ")");
    } catch (TokensFileException e) {
      throw new ConfigException("AUTH_TOKENS_FILE " + file + " " + e.getMessage());
    }
  }

  /** Whether tokens are asked for. */
  public boolean enabled() {
    return file != null;
  }

  /** How many clients the file names now. */
  public int clients() {
    return clients.size();
  }

  /** The client whose token this is ({@code AUTH token}, a Bearer token). */
  public Optional<Client> authenticate(byte[] token) {
    return clients.find(null, SecretHash.sha256(token));
  }

  /** The client of this name, if this is its token ({@code AUTH name token}). */
  public Optional<Client> authenticate(String name, byte[] token) {
    return clients.find(name, SecretHash.sha256(token));
  }

  /**
   * What a client that logged in earlier (a RESP connection) is now: its line as the file now says
   * it, or empty when the line was removed or its token changed since, so that taking a token out
   * of the file also shuts the connections that logged in with it.
   */
  public Optional<Client> current(Client earlier) {
    return clients.current(earlier);
  }

  /** From now on, re-reads the file when it changes. */
  public void watch() {
    if (poller == null) {
      return;
    }
    long period = POLL_PERIOD.toMillis();
    poller.scheduleWithFixedDelay(this::reloadIfChanged, period, period, TimeUnit.MILLISECONDS);
    log.info("Access control is on: {} clients in {}", clients.size(), file);
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }

  private void reloadIfChanged() {
    try {
      byte[] contents = Files.readAllBytes(file);
      if (Arrays.equals(contents, lastRead)) {
        return;
      }
      lastRead = contents;
      clients = parse(contents);
      log.info("AUTH_TOKENS_FILE changed: {} clients now", clients.size());
    } catch (IOException e) {
      // A file being replaced may be missing for a moment: the next poll sees the new one.
      log.debug("AUTH_TOKENS_FILE not readable now: {}", e.toString());
    } catch (TokensFileException | RuntimeException e) {
      // A RuntimeException too: one escaping would end the scheduled polling for good.
      log.warn(
          "AUTH_TOKENS_FILE changed but cannot be used ({}); still using the {} clients read before",
          e.getMessage(),
          clients.size());
    }
  }

  private static Clients parse(byte[] contents) throws TokensFileException {
    return new Clients(
        TokensFile.parse(new String(contents, StandardCharsets.UTF_8).lines().toList()));
  }
}
