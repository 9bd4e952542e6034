package io.github.redisproxy.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The bench traces are reproducible, which the hit-ratio study relies on to give both policies the
 * same requests. That they follow the distributions is {@link ZipfSamplerTest}'s part.
 */
class KeyTracesTest {

  /** The same seed gives the same trace and another seed another. */
  @Test
  void sameSeedGivesSameTrace() {
    assertThat(KeyTraces.zipf(1000, 0.99, 7, 10_000))
        .isEqualTo(KeyTraces.zipf(1000, 0.99, 7, 10_000));
    assertThat(KeyTraces.zipf(1000, 0.99, 7, 10_000))
        .isNotEqualTo(KeyTraces.zipf(1000, 0.99, 8, 10_000));
    assertThat(KeyTraces.uniform(1000, 7, 10_000)).isEqualTo(KeyTraces.uniform(1000, 7, 10_000));
    assertThat(KeyTraces.uniform(1000, 7, 10_000)).isNotEqualTo(KeyTraces.uniform(1000, 8, 10_000));
  }

  @Test
  void keyNumbersStayInRangeAndReachBothEnds() {
    for (int[] trace :
        new int[][] {KeyTraces.zipf(50, 1.2, 1, 100_000), KeyTraces.uniform(50, 1, 100_000)}) {
      assertThat(trace).hasSize(100_000);
      assertThat(Arrays.stream(trace).min().orElseThrow()).isZero();
      assertThat(Arrays.stream(trace).max().orElseThrow()).isEqualTo(49);
    }
  }

  @Test
  void zipfTraceReadsKeyZeroAsOftenAsExpected() {
    int keys = 1000;
    double s = 0.99;
    double harmonic = 0;
    for (int k = 1; k <= keys; k++) {
      harmonic += Math.pow(k, -s);
    }
    int[] trace = KeyTraces.zipf(keys, s, 42, 200_000);

    long zeros = Arrays.stream(trace).filter(k -> k == 0).count();
    assertThat((double) zeros / trace.length).isCloseTo(1 / harmonic, Offset.offset(0.005));
  }
}
