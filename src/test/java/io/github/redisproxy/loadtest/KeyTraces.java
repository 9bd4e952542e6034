package io.github.redisproxy.loadtest;

import java.util.SplittableRandom;

/**
 * Reproducible traces of key numbers for the bench sources (the hit-ratio study, the JMH
 * benchmarks), drawn with the load generator's own samplers, which are package-private: this class
 * lives in their package, on the test side. The same arguments give the same trace on any JVM
 * ({@link SplittableRandom} with a fixed seed).
 */
public final class KeyTraces {
  private KeyTraces() {}

  /**
   * A trace of {@code length} key numbers in {@code [0, keys)}, Zipf-distributed with exponent
   * {@code s}: key {@code k} has probability {@code (k + 1)^-s / H(keys, s)}, so key 0 is the
   * hottest.
   */
  public static int[] zipf(int keys, double s, long seed, int length) {
    return draw(KeySampler.zipf(keys, s), seed, length);
  }

  /** A trace of {@code length} key numbers in {@code [0, keys)}, every key equally likely. */
  public static int[] uniform(int keys, long seed, int length) {
    return draw(KeySampler.uniform(keys), seed, length);
  }

  private static int[] draw(KeySampler sampler, long seed, int length) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] trace = new int[length];
    for (int i = 0; i < length; i++) {
      trace[i] = sampler.next(random);
    }
    return trace;
  }
}
