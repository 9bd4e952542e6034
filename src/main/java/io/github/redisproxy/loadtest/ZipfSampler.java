package io.github.redisproxy.loadtest;

import java.util.random.RandomGenerator;

/**
 * Zipf's distribution over {@code [0, keys)}: key {@code k} has probability {@code (k + 1)^-s /
 * H(keys, s)}, any {@code s > 0}. Rejection-inversion sampling (W. Hörmann and G. Derflinger,
 * "Rejection-inversion to generate variates from monotone discrete distributions", ACM TOMACS 6(3),
 * 1996), as Apache Commons RNG implements it: O(1) time and memory per draw for any number of keys,
 * about 1.1 uniform draws per sample, no table.
 *
 * <p>Written here rather than taken from Commons RNG/Math to avoid a dependency for forty lines;
 * {@code ZipfSamplerTest} checks it against the exact probabilities.
 */
final class ZipfSampler implements KeySampler {
  private final int keys;
  private final double exponent;
  private final double hIntegralX1;
  private final double hIntegralKeys;
  private final double squeeze;

  ZipfSampler(int keys, double exponent) {
    if (keys < 1 || !(exponent > 0) || Double.isInfinite(exponent)) {
      throw new IllegalArgumentException("keys must be >= 1 and s > 0");
    }
    this.keys = keys;
    this.exponent = exponent;
    this.hIntegralX1 = hIntegral(1.5) - 1;
    this.hIntegralKeys = hIntegral(keys + 0.5);
    this.squeeze = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
  }

  @Override
  public int next(RandomGenerator random) {
    while (true) {
      // u is uniform in (hIntegralX1, hIntegralKeys]: inversion of the integral of h, the
      // continuous hat function.
      double u = hIntegralKeys + random.nextDouble() * (hIntegralX1 - hIntegralKeys);
      double x = hIntegralInverse(u);
      int k = (int) (x + 0.5);
      if (k < 1) {
        k = 1;
      } else if (k > keys) {
        k = keys;
      }
      // Accept at once when x is close enough to k (the squeeze), else when u falls under the bar
      // of k itself.
      if (k - x <= squeeze || u >= hIntegral(k + 0.5) - h(k)) {
        return k - 1;
      }
    }
  }

  /**
   * H(x), an integral of h(x) = x^-s, chosen so that it is continuous in s (also at s = 1, where it
   * is log x).
   */
  private double hIntegral(double x) {
    double logX = Math.log(x);
    return helper2((1 - exponent) * logX) * logX;
  }

  private double h(double x) {
    return Math.exp(-exponent * Math.log(x));
  }

  private double hIntegralInverse(double x) {
    double t = x * (1 - exponent);
    if (t < -1) {
      t = -1; // rounding can push t just below -1, where log1p is undefined
    }
    return Math.exp(helper1(t) * x);
  }

  /** log(1 + x) / x, exact also near 0. */
  private static double helper1(double x) {
    return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
  }

  /** (e^x - 1) / x, exact also near 0. */
  private static double helper2(double x) {
    return Math.abs(x) > 1e-8
        ? Math.expm1(x) / x
        : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x));
  }
}
