package dev.isoplast.report;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The minimum detectable difference (MDD) of a comparison of two methods' per-run scores: the
 * smallest true difference of means that a two-sided two-sample test at level α finds with the
 * given power, for the seed counts used. Cohen 1988, ch. 2; with the t quantiles for small samples
 * (e.g. Lenth 2001, "Some practical guidelines for effective sample size determination"):
 * <pre>
 *   MDD = (t_{1−α/2, ν} + t_{power, ν}) · s_p · √(1/n₁ + 1/n₂),   ν = n₁ + n₂ − 2,
 *   s_p² = ((n₁ − 1) s₁² + (n₂ − 1) s₂²) / ν          (the pooled sample variance)
 * </pre>
 * This is the usual closed-form approximation of the exact power of the t test (the noncentral t
 * distribution): at 80% power the exact power at the MDD is within about two points of 0.8 for
 * three or more runs per method, which the Python tests check against scipy's noncentral t. It
 * is stated for the t test because the Mann–Whitney test, reported beside it, has no closed form;
 * for normal scores its asymptotic efficiency is 3/π ≈ 0.95 of the t test's, so its MDD is a
 * little larger. A difference below the MDD is not evidence of no difference: the study was too
 * small to see it.
 */
public final class Power {

  /** The default two-sided level. */
  public static final double ALPHA = 0.05;

  /** The default power. */
  public static final double POWER = 0.8;

  private Power() {}

  /** The MDD of per-run scores {@code x} and {@code y} at {@link #ALPHA} and {@link #POWER}; NaN with fewer than 3 runs in all. */
  public static double minimumDetectableDifference(double[] x, double[] y) {
    return minimumDetectableDifference(pooledSd(x, y), x.length, y.length, ALPHA, POWER);
  }

  /** The MDD for a pooled standard deviation {@code sd} and {@code n1}, {@code n2} runs; NaN when ν = n₁ + n₂ − 2 &lt; 1. */
  public static double minimumDetectableDifference(double sd, int n1, int n2, double alpha, double power) {
    if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) {
      throw new IllegalArgumentException("alpha and power must be in (0, 1), got " + alpha + " and " + power);
    }
    int df = n1 + n2 - 2;
    if (n1 < 1 || n2 < 1 || df < 1 || !Double.isFinite(sd)) {
      return Double.NaN;
    }
    TDistribution t = new TDistribution(null, df, 1e-12);
    double factor = t.inverseCumulativeProbability(1 - alpha / 2) + t.inverseCumulativeProbability(power);
    return factor * sd * Math.sqrt(1.0 / n1 + 1.0 / n2);
  }

  /** The pooled sample standard deviation s_p of two samples; NaN when n₁ + n₂ − 2 &lt; 1. */
  public static double pooledSd(double[] x, double[] y) {
    int df = x.length + y.length - 2;
    if (x.length == 0 || y.length == 0 || df < 1) {
      return Double.NaN;
    }
    return Math.sqrt((sumOfSquares(x) + sumOfSquares(y)) / df);
  }

  /** Σ (v − mean)². */
  private static double sumOfSquares(double[] v) {
    double mean = 0;
    for (double d : v) {
      mean += d;
    }
    mean /= v.length;
    double s = 0;
    for (double d : v) {
      s += (d - mean) * (d - mean);
    }
    return s;
  }
}
