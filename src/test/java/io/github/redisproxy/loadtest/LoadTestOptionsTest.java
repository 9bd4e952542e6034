package io.github.redisproxy.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisproxy.loadtest.LoadTestOptions.Distribution;
import io.github.redisproxy.loadtest.LoadTestOptions.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LoadTestOptionsTest {

  /** No arguments give the documented defaults. */
  @Test
  void noArgumentsGiveDefaults() {
    LoadTestOptions options = LoadTestOptions.parse(List.of());

    assertThat(options.url()).isEqualTo(URI.create("http://127.0.0.1:8080"));
    assertThat(options.protocol()).isEqualTo(Protocol.HTTP);
    assertThat(options.connections()).isEqualTo(32);
    assertThat(options.closedLoop()).isTrue();
    assertThat(options.keys()).isEqualTo(10_000);
    assertThat(options.distribution()).isEqualTo(Distribution.UNIFORM);
    assertThat(options.zipfS()).isEqualTo(0.99);
    assertThat(options.keyPrefix()).isEqualTo("lt:");
    assertThat(options.seed()).isEqualTo(1);
    assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(options.output()).isEmpty();
    assertThat(options.seedRedis()).isEmpty();
    assertThat(options.valueSize()).isEqualTo(100);
  }

  @Test
  void everyOptionIsReadFromItsFlag() {
    LoadTestOptions options =
        LoadTestOptions.parse(
            List.of(
                "--url=http://localhost:9000/base/",
                "--connections=4",
                "--rate=250.5",
                "--keys=7",
                "--distribution=ZIPF",
                "--zipf-s=1.2",
                "--key-prefix=k/",
                "--seed=-3",
                "--warmup=0",
                "--duration=1500ms",
                "--timeout=1m",
                "--output=out/run.csv",
                "--seed-redis=127.0.0.1:6390",
                "--value-size=0"));

    assertThat(options.url()).isEqualTo(URI.create("http://localhost:9000/base"));
    assertThat(options.connections()).isEqualTo(4);
    assertThat(options.closedLoop()).isFalse();
    assertThat(options.rate()).isEqualTo(250.5);
    assertThat(options.keys()).isEqualTo(7);
    assertThat(options.distribution()).isEqualTo(Distribution.ZIPF);
    assertThat(options.zipfS()).isEqualTo(1.2);
    assertThat(options.keyPrefix()).isEqualTo("k/");
    assertThat(options.seed()).isEqualTo(-3);
    assertThat(options.warmup()).isZero();
    assertThat(options.duration()).isEqualTo(Duration.ofMillis(1500));
    assertThat(options.timeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(options.output()).isEqualTo(Optional.of(Path.of("out/run.csv")));
    assertThat(options.seedRedis()).isEqualTo(Optional.of("127.0.0.1:6390"));
    assertThat(options.valueSize()).isZero();
  }

  /** A bare number is seconds and decimals are allowed. */
  @Test
  void bareNumberIsSeconds() {
    LoadTestOptions options = LoadTestOptions.parse(List.of("--warmup=0.5", "--duration=2.5s"));

    assertThat(options.warmup()).isEqualTo(Duration.ofMillis(500));
    assertThat(options.duration()).isEqualTo(Duration.ofMillis(2500));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        /** A redis:// URL selects RESP and keeps only host and port. */
        "redis://127.0.0.1:6380    | redis://127.0.0.1:6380",
        "redis://127.0.0.1:6380/   | redis://127.0.0.1:6380",
        "REDIS://proxy:6380        | redis://proxy:6380",
        "redis://proxy             | redis://proxy:6379",
        "redis://[::1]:6380        | redis://[::1]:6380",
      })
  void redisUrlSelectsResp(String url, String parsed) {
    LoadTestOptions options = LoadTestOptions.parse(List.of("--url=" + url));

    assertThat(options.protocol()).isEqualTo(Protocol.RESP);
    assertThat(options.url()).isEqualTo(URI.create(parsed));
  }

  /** A URL of another scheme exits 2 with one line naming both forms. */
  @Test
  void urlOfAnotherSchemeExits2() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int exit = LoadTest.run(List.of("--url=rediss://127.0.0.1:6380"), print(out), print(err));

    assertThat(exit).isEqualTo(2);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "redis-proxy loadtest: --url: expected http://host[:port][/path] or redis://host[:port], got"
                + " \"rediss://127.0.0.1:6380\"\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--url=https://example.com        | --url",
        "--url=rediss://example.com:6380  | --url",
        "--url=redis://h:6380/0           | --url",
        "--url=redis://user:pw@h:6380     | --url",
        "--url=redis://h:6380?timeout=1   | --url",
        "--url=redis:h:6380               | --url",
        "--url=ftp://h:21                 | --url",
        "--url=localhost:8080             | --url",
        "--url=http://h:1/?q=1            | --url",
        "--connections=0                  | --connections",
        "--connections=many               | --connections",
        "--rate=0                         | --rate",
        "--rate=-5                        | --rate",
        "--rate=fast                      | --rate",
        "--keys=0                         | --keys",
        "--keys=3000000000                | --keys",
        "--distribution=pareto            | --distribution",
        "--zipf-s=0                       | --zipf-s",
        "--zipf-s=11                      | --zipf-s",
        "--seed=x                         | --seed",
        "--warmup=-1s                     | --warmup",
        "--warmup=5h                      | --warmup",
        "--duration=0                     | --duration",
        "--duration=2d                    | --duration",
        "--timeout=0ms                    | --timeout",
        "--output=report.txt              | --output",
        "--output=.json                   | --output",
        "--seed-redis=localhost           | --seed-redis",
        "--seed-redis=localhost:99999     | --seed-redis",
        "--value-size=-1                  | --value-size",
        "--connections                    | --connections",
        "--nope=1                         | --nope",
        "loadtest                         | loadtest",
      })
  void badArgumentIsNamedOnOneLine(String argument, String named) {
    assertThatThrownBy(() -> LoadTestOptions.parse(List.of(argument)))
        .isInstanceOf(OptionException.class)
        .hasMessageContaining(named)
        .message()
        .doesNotContain("\n");
  }

  /** A bad option exits 2 with one line on stderr and nothing on stdout. */
  @Test
  void badOptionExits2() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int exit = LoadTest.run(List.of("--keys=none"), print(out), print(err));

    assertThat(exit).isEqualTo(2);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "redis-proxy loadtest: --keys: expected a whole number from 1 to 2147483647, got \"none\"\n");
  }

  /** Help lists every option with its default and exits 0. */
  @Test
  void helpListsEveryOption() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int exit = LoadTest.run(List.of("--help"), print(out), print(new ByteArrayOutputStream()));

    assertThat(exit).isZero();
    String help = out.toString(StandardCharsets.UTF_8);
    for (LoadTestOptions.Option option : LoadTestOptions.ALL) {
      assertThat(help).contains(option.flag());
      if (option.defaultValue() != null) {
        assertThat(help).contains("default " + option.defaultValue());
      }
    }
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
