package io.github.redisproxy.loadtest;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options of {@code loadtest}, parsed once from {@code --kebab-case=value} flags.
 *
 * @param url the target: an {@code http://} base URL, where key {@code n} is requested as {@code
 *     GET {url}/{keyPrefix}{n}}, or a {@code redis://host:port} address (the proxy's RESP port),
 *     where it is the command {@code GET {keyPrefix}{n}}
 * @param connections closed loop: the number of connections, each sending its next request when the
 *     previous one answered; open loop: the most connections, and so the most requests in flight
 * @param rate open loop: requests per second, sent on a fixed schedule whatever the answers; 0
 *     means closed loop
 * @param keys the number of distinct keys, numbered from 0
 * @param distribution how key numbers are drawn
 * @param zipfS the exponent of the Zipf distribution
 * @param keyPrefix what each key starts with
 * @param seed the seed of every random key sequence, so that two runs request the same keys
 * @param warmup how long to run before measuring; its results are discarded
 * @param duration how long to measure
 * @param timeout the longest one request may take; longer counts as an error of kind {@code
 *     timeout}
 * @param output where to write the final numbers, {@code .json} or {@code .csv}; empty for none
 * @param seedRedis {@code host:port} (or a {@code redis://} URI) of a Redis to fill with every key
 *     before the run
 * @param valueSize the size in bytes of each value {@code seedRedis} gets
 */
record LoadTestOptions(
    URI url,
    int connections,
    double rate,
    int keys,
    Distribution distribution,
    double zipfS,
    String keyPrefix,
    long seed,
    Duration warmup,
    Duration duration,
    Duration timeout,
    Optional<Path> output,
    Optional<String> seedRedis,
    int valueSize) {

  /** How requests reach the target; the scheme of {@code --url} decides. */
  enum Protocol {
    /** {@code http://}: {@code GET {url}/{prefix}{n}} with Reactor Netty's HttpClient. */
    HTTP,
    /** {@code redis://}: the command {@code GET {prefix}{n}} with Lettuce. */
    RESP
  }

  /** How key numbers are drawn. */
  enum Distribution {
    UNIFORM,
    ZIPF
  }

  /**
   * One option: its flag, default ({@code null}: none), meaning and accepted form, described once
   * for help and errors.
   */
  record Option(String flag, String defaultValue, String meaning, String expected) {}

  private static final String WHOLE = "a whole number from 1 to 2147483647";
  private static final String DURATION =
      "a duration such as 30s, 500ms or 2m (a bare number is seconds)";
  private static final Pattern DURATION_FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?");

  static final Option URL =
      new Option(
          "--url",
          "http://127.0.0.1:8080",
          "the proxy: http:// sends GET {url}/{prefix}{n}; redis:// (its RESP_PORT) sends the command GET {prefix}{n}",
          "http://host[:port][/path] or redis://host[:port]");
  static final Option CONNECTIONS =
      new Option(
          "--connections",
          "32",
          "closed loop: connections, each sending its next request when the previous answered; with --rate: the most"
              + " connections (and requests in flight)",
          WHOLE);
  static final Option RATE =
      new Option(
          "--rate",
          null,
          "open loop: requests per second on a fixed schedule, latency measured from the intended send time; a request"
              + " with no free connection at its time is an error of kind backlog",
          "a number of requests per second greater than 0");
  static final Option KEYS =
      new Option("--keys", "10000", "number of distinct keys, 0 to keys-1", WHOLE);
  static final Option DISTRIBUTION =
      new Option("--distribution", "uniform", "how keys are drawn", "uniform or zipf");
  static final Option ZIPF_S =
      new Option(
          "--zipf-s",
          "0.99",
          "exponent s of the Zipf distribution: key k has weight 1/(k+1)^s",
          "a number from 0.01 to 10");
  static final Option KEY_PREFIX =
      new Option("--key-prefix", "lt:", "what every key starts with", "any text");
  static final Option SEED =
      new Option("--seed", "1", "seed of the random key sequences", "a whole number");
  static final Option WARMUP =
      new Option("--warmup", "5s", "load before measuring; its results are discarded", DURATION);
  static final Option DURATION_OPTION =
      new Option("--duration", "30s", "how long to measure", DURATION + ", above 0");
  static final Option TIMEOUT =
      new Option(
          "--timeout",
          "2s",
          "the longest one request may take, then an error of kind timeout",
          DURATION + ", above 0");
  static final Option OUTPUT =
      new Option(
          "--output",
          null,
          "also write the final numbers to this file: JSON object or CSV (header and one row)",
          "a file name ending in .json or .csv");
  static final Option SEED_REDIS =
      new Option(
          "--seed-redis",
          null,
          "before the run, SET every key in this Redis (pipelined)",
          "host:port or redis://host:port");
  static final Option VALUE_SIZE =
      new Option(
          "--value-size",
          "100",
          "bytes of each value --seed-redis writes",
          "a whole number from 0 to 536870912");

  /** Every option, in the order {@code loadtest --help} lists them. */
  static final List<Option> ALL =
      List.of(
          URL,
          CONNECTIONS,
          RATE,
          KEYS,
          DISTRIBUTION,
          ZIPF_S,
          KEY_PREFIX,
          SEED,
          WARMUP,
          DURATION_OPTION,
          TIMEOUT,
          OUTPUT,
          SEED_REDIS,
          VALUE_SIZE);

  /** HTTP or RESP, from the scheme of {@link #url()}. */
  Protocol protocol() {
    return url.getScheme().equals("redis") ? Protocol.RESP : Protocol.HTTP;
  }

  /**
   * Closed loop: a fixed number of connections, each waiting for its answer before it sends again.
   */
  boolean closedLoop() {
    return rate == 0;
  }

  /**
   * Parses {@code --flag=value} arguments over the defaults.
   *
   * @throws OptionException naming the first option whose value cannot be used, or an unknown
   *     argument
   */
  static LoadTestOptions parse(List<String> args) {
    Map<Option, String> raw = new HashMap<>();
    for (String arg : args) {
      int equals = arg.indexOf('=');
      String flag = equals < 0 ? arg : arg.substring(0, equals);
      Option option =
          ALL.stream()
              .filter(candidate -> candidate.flag().equals(flag))
              .findFirst()
              .orElseThrow(
                  () ->
                      new OptionException("unknown argument \"" + arg + "\"; see loadtest --help"));
      if (equals < 0) {
        throw new OptionException(flag + ": expected " + flag + "=<" + option.expected() + ">");
      }
      raw.put(option, arg.substring(equals + 1));
    }
    return new LoadTestOptions(
        value(raw, URL, LoadTestOptions::url),
        value(raw, CONNECTIONS, text -> intBetween(text, 1, Integer.MAX_VALUE)),
        raw.containsKey(RATE) ? value(raw, RATE, text -> positive(text, 1e9)) : 0,
        value(raw, KEYS, text -> intBetween(text, 1, Integer.MAX_VALUE)),
        value(raw, DISTRIBUTION, text -> Distribution.valueOf(text.toUpperCase(Locale.ROOT))),
        value(raw, ZIPF_S, LoadTestOptions::zipfExponent),
        value(raw, KEY_PREFIX, text -> text),
        value(raw, SEED, Long::parseLong),
        value(raw, WARMUP, text -> duration(text, true)),
        value(raw, DURATION_OPTION, text -> duration(text, false)),
        value(raw, TIMEOUT, text -> duration(text, false)),
        Optional.ofNullable(
            raw.containsKey(OUTPUT) ? value(raw, OUTPUT, LoadTestOptions::output) : null),
        Optional.ofNullable(
            raw.containsKey(SEED_REDIS) ? value(raw, SEED_REDIS, LoadTestOptions::redis) : null),
        value(raw, VALUE_SIZE, text -> intBetween(text, 0, 512 * 1024 * 1024)));
  }

  /** The text {@code loadtest --help} prints. */
  static String help() {
    StringBuilder text =
        new StringBuilder(
            "Usage: java -jar redis-proxy.jar loadtest [--option=value ...]\n\n"
                + "Sends GET {url}/{prefix}{n} over HTTP, or GET {prefix}{n} over RESP when --url is redis://host:port,\n"
                + "and reports throughput, latency percentiles, errors by kind and the hit ratio (from X-Cache, so\n"
                + "HTTP only). Progress on stderr each second; the report on stdout. Exit 0 when the run completed,\n"
                + "1 when it could not run, 2 for a bad option.\n\n");
    for (Option option : ALL) {
      text.append(
          String.format(
              "  %-18s %s%n      %s%n      accepts %s%n",
              option.flag(),
              option.defaultValue() == null ? "(none)" : "default " + option.defaultValue(),
              option.meaning(),
              option.expected()));
    }
    return text.toString();
  }

  private static <T> T value(Map<Option, String> raw, Option option, Function<String, T> parser) {
    String text = raw.getOrDefault(option, option.defaultValue());
    try {
      return parser.apply(text.trim());
    } catch (IllegalArgumentException e) {
      throw new OptionException(
          option.flag() + ": expected " + option.expected() + ", got \"" + text + "\"");
    }
  }

  private static URI url(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(e);
    }
    if (uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("no host, or a query");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      return URI.create("http://" + uri.getRawAuthority() + path);
    }
    // A RESP target is a host and port only: the proxy serves one database and asks for no
    // password.
    if ("redis".equalsIgnoreCase(uri.getScheme())
        && path.isEmpty()
        && uri.getRawUserInfo() == null) {
      return URI.create("redis://" + uri.getRawAuthority() + (uri.getPort() == -1 ? ":6379" : ""));
    }
    throw new IllegalArgumentException("neither http nor redis");
  }

  private static int intBetween(String text, int min, int max) {
    int value = Integer.parseInt(text);
    if (value < min || value > max) {
      throw new IllegalArgumentException("out of range");
    }
    return value;
  }

  private static double positive(String text, double max) {
    double value = new BigDecimal(text).doubleValue();
    if (!(value > 0) || value > max) {
      throw new IllegalArgumentException("out of range");
    }
    return value;
  }

  private static double zipfExponent(String text) {
    double value = new BigDecimal(text).doubleValue();
    if (value < 0.01 || value > 10) {
      throw new IllegalArgumentException("out of range");
    }
    return value;
  }

  private static Duration duration(String text, boolean zeroAllowed) {
    Matcher form = DURATION_FORM.matcher(text);
    if (!form.matches()) {
      throw new IllegalArgumentException("not a duration");
    }
    BigDecimal amount = new BigDecimal(form.group(1));
    String unit = form.group(2) == null ? "s" : form.group(2);
    BigDecimal millis =
        switch (unit) {
          case "ms" -> amount;
          case "s" -> amount.movePointRight(3);
          default -> amount.multiply(BigDecimal.valueOf(60_000));
        };
    if (millis.compareTo(BigDecimal.valueOf(24L * 3600 * 1000)) > 0) {
      throw new IllegalArgumentException("longer than a day");
    }
    Duration duration = Duration.ofNanos(millis.movePointRight(6).longValue());
    if (duration.isZero() && !zeroAllowed) {
      throw new IllegalArgumentException("zero");
    }
    return duration;
  }

  private static Path output(String text) {
    Path path = Path.of(text);
    Path fileName = path.getFileName();
    String name = fileName == null ? "" : fileName.toString().toLowerCase(Locale.ROOT);
    if (!name.matches(".+\\.(json|csv)")) {
      throw new IllegalArgumentException("unknown format");
    }
    return path;
  }

  private static String redis(String text) {
    if (text.startsWith("redis://") || text.startsWith("rediss://")) {
      URI.create(text); // throws IllegalArgumentException when malformed
      return text;
    }
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("no port");
    }
    intBetween(text.substring(colon + 1), 1, 65535);
    return text;
  }
}
