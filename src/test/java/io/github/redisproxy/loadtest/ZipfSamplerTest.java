package io.github.redisproxy.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The key samplers draw from the exact distributions: a chi-square test over every key against the
 * exact probabilities, with a fixed seed (so the outcome is reproducible), and a tight check on the
 * hottest keys, where a wrong Zipf sampler shows first.
 */
class ZipfSamplerTest {
  private static final int KEYS = 1000;
  private static final int SAMPLES = 1_000_000;

  @ParameterizedTest(name = "s = {0}")
  @ValueSource(doubles = {0.8, 0.99, 1.0, 1.2, 2.5})
  void zipfSamplesMatchExactProbabilities(double s) {
    double[] expected = zipfProbabilities(KEYS, s);
    long[] observed = sample(KeySampler.zipf(KEYS, s), KEYS, new SplittableRandom(42));

    assertThat(chiSquare(observed, expected)).as("chi-square").isLessThan(criticalValue(expected));
    for (int k = 0; k < 10; k++) {
      double p = expected[k];
      double sigma = Math.sqrt(p * (1 - p) / SAMPLES);
      assertThat((double) observed[k] / SAMPLES)
          .as("frequency of key " + k)
          .isCloseTo(p, Offset.offset(5 * sigma));
    }
  }

  @Test
  void uniformSamplesMatchEqualProbabilities() {
    double[] expected = new double[KEYS];
    Arrays.fill(expected, 1.0 / KEYS);
    long[] observed = sample(KeySampler.uniform(KEYS), KEYS, new SplittableRandom(42));

    assertThat(chiSquare(observed, expected)).as("chi-square").isLessThan(criticalValue(expected));
  }

  /** A sampler that is not Zipf fails the test. */
  @Test
  void nonZipfSamplerFailsTheTest() {
    // The test's own power: Zipf with s = 1.0 does not pass for s = 0.99 at this sample size.
    double[] expected = zipfProbabilities(KEYS, 0.99);
    long[] observed = sample(KeySampler.zipf(KEYS, 1.0), KEYS, new SplittableRandom(42));

    assertThat(chiSquare(observed, expected)).isGreaterThan(criticalValue(expected));
  }

  @ParameterizedTest(name = "{0} keys")
  @ValueSource(ints = {1, 2, 3})
  void fewKeysAreSampledExactly(int keys) {
    double[] expected = zipfProbabilities(keys, 1.2);
    long[] observed = sample(KeySampler.zipf(keys, 1.2), keys, new SplittableRandom(7));

    for (int k = 0; k < keys; k++) {
      double sigma = Math.sqrt(expected[k] * (1 - expected[k]) / SAMPLES);
      assertThat((double) observed[k] / SAMPLES)
          .isCloseTo(expected[k], Offset.offset(5 * sigma + 1e-12));
    }
  }

  @Test
  void hugeKeySpaceSamplesStayInRange() {
    int keys = Integer.MAX_VALUE;
    KeySampler sampler = KeySampler.zipf(keys, 0.99);
    SplittableRandom random = new SplittableRandom(3);
    long zeros = 0;
    for (int i = 0; i < 100_000; i++) {
      int key = sampler.next(random);
      assertThat(key).isBetween(0, keys - 1);
      zeros += key == 0 ? 1 : 0;
    }
    double p = 1 / harmonic(keys, 0.99);
    double sigma = Math.sqrt(p * (1 - p) / 100_000);
    assertThat(zeros / 100_000.0).as("frequency of key 0").isCloseTo(p, Offset.offset(5 * sigma));
  }

  /**
   * H(n, s), the sum of k^-s for k = 1..n: exact up to m, then Euler–Maclaurin (error far below
   * 1e-9 here).
   */
  private static double harmonic(long n, double s) {
    int m = 1000;
    double sum = 0;
    for (int k = m - 1; k >= 1; k--) {
      sum += Math.pow(k, -s);
    }
    sum += (Math.pow(n, 1 - s) - Math.pow(m, 1 - s)) / (1 - s);
    sum += (Math.pow(m, -s) + Math.pow(n, -s)) / 2;
    sum += s / 12 * (Math.pow(m, -s - 1) - Math.pow(n, -s - 1));
    return sum;
  }

  @Test
  void oneSeedGivesOneSequence() {
    KeySampler sampler = KeySampler.zipf(KEYS, 0.99);
    SplittableRandom first = new SplittableRandom(1);
    SplittableRandom second = new SplittableRandom(1);
    int[] a = IntStream.range(0, 1000).map(i -> sampler.next(first)).toArray();
    int[] b = IntStream.range(0, 1000).map(i -> sampler.next(second)).toArray();

    assertThat(a).isEqualTo(b);
  }

  private static long[] sample(KeySampler sampler, int keys, SplittableRandom random) {
    long[] counts = new long[keys];
    for (int i = 0; i < SAMPLES; i++) {
      counts[sampler.next(random)]++;
    }
    return counts;
  }

  private static double[] zipfProbabilities(int keys, double s) {
    double[] p = new double[keys];
    double sum = 0;
    for (int k = keys - 1; k >= 0; k--) { // smallest first, for an exact sum
      p[k] = Math.pow(k + 1, -s);
      sum += p[k];
    }
    for (int k = 0; k < keys; k++) {
      p[k] /= sum;
    }
    return p;
  }

  /**
   * Pearson's chi-square; keys expected fewer than 5 times are pooled into one cell, as the test
   * requires.
   */
  private static double chiSquare(long[] observed, double[] expected) {
    double chi = 0;
    double pooledExpected = 0;
    long pooledObserved = 0;
    for (int k = 0; k < observed.length; k++) {
      double e = expected[k] * SAMPLES;
      if (e < 5) {
        pooledExpected += e;
        pooledObserved += observed[k];
      } else {
        chi += (observed[k] - e) * (observed[k] - e) / e;
      }
    }
    if (pooledExpected > 0) {
      chi += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected;
    }
    return chi;
  }

  /**
   * About the 99.99th percentile of chi-square with the test's degrees of freedom
   * (Wilson–Hilferty): a correct sampler fails it once in 10,000 seeds, and the seed is fixed.
   */
  private static double criticalValue(double[] expected) {
    long cells =
        IntStream.range(0, expected.length).filter(k -> expected[k] * SAMPLES >= 5).count();
    boolean pooled = cells < expected.length;
    double dof = cells + (pooled ? 1 : 0) - 1;
    double z = 3.719;
    double a = 2 / (9 * dof);
    return dof * Math.pow(1 - a + z * Math.sqrt(a), 3);
  }
}
