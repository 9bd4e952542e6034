package io.github.redisproxy.loadtest;

import java.util.random.RandomGenerator;

/**
 * Draws key numbers from {@code [0, keys)}. Stateless: the caller owns the random source, one per
 * thread.
 */
interface KeySampler {
  /** The next key number, in {@code [0, keys)}. */
  int next(RandomGenerator random);

  /** Every key equally likely. */
  static KeySampler uniform(int keys) {
    return random -> random.nextInt(keys);
  }

  /** Key {@code k} (0-based) with probability proportional to {@code 1 / (k + 1)^s}. */
  static KeySampler zipf(int keys, double s) {
    return new ZipfSampler(keys, s);
  }
}
