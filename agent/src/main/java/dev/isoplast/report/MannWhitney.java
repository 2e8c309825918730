package dev.isoplast.report;

import java.util.Arrays;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The two-sided Mann–Whitney U test (Wilcoxon rank-sum) of two independent samples — here the
 * per-run scores of two methods — computed as {@code scipy.stats.mannwhitneyu(x, y,
 * alternative='two-sided')} with its defaults ({@code use_continuity=True, method='auto'}), so
 * that p-values can be compared one to one (Mann &amp; Whitney 1947; scipy's
 * {@code _mannwhitneyu.py}).
 *
 * <pre>
 *   U₁ = R₁ − n₁(n₁+1)/2   (R₁: the sum of x's mid-ranks in the pooled sample),  U₂ = n₁n₂ − U₁
 *   U  = max(U₁, U₂),   p = min(1, 2 · P(U′ ≥ U))   under H₀ (x and y from one distribution)
 * </pre>
 * P(U′ ≥ U) is <b>exact</b> (the null distribution of U by counting, every arrangement of the
 * pooled ranks equally likely) when there are no ties and not both samples have more than 8
 * values; otherwise it is the <b>normal approximation</b> with scipy's tie and continuity
 * corrections:
 * <pre>
 *   z = (U − n₁n₂/2 − ½) / √( n₁n₂/12 · ((n+1) − Σ_k (t_k³ − t_k) / (n(n−1))) ),   P = 1 − Φ(z)
 * </pre>
 * with n = n₁ + n₂ and t_k the size of each group of tied values. U₁ / (n₁n₂) is the probability
 * of improvement P(X &gt; Y) ({@link Statistics#probabilityOfImprovement} on one column).
 */
public final class MannWhitney {

  private static final NormalDistribution NORMAL = new NormalDistribution(0, 1);

  /** The largest sample size for which the exact null distribution is used when there are no ties (scipy: 8). */
  static final int EXACT_MAX = 8;

  /**
   * The test's result.
   *
   * @param u x's U statistic U₁ (scipy's {@code statistic})
   * @param p the two-sided p-value
   * @param exact whether p came from the exact null distribution (else the normal approximation)
   */
  public record Result(double u, double p, boolean exact) {}

  private MannWhitney() {}

  /** The two-sided test of {@code x} against {@code y}; both need at least one finite value each. */
  public static Result test(double[] x, double[] y) {
    check(x, "x");
    check(y, "y");
    int n1 = x.length;
    int n2 = y.length;
    int n = n1 + n2;
    double[] pooled = new double[n];
    System.arraycopy(x, 0, pooled, 0, n1);
    System.arraycopy(y, 0, pooled, n1, n2);
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(pooled[a], pooled[b]));
    double rankSumX = 0;
    double tieTerm = 0; // Σ (t³ − t)
    boolean ties = false;
    for (int i = 0; i < n; ) {
      int j = i;
      while (j + 1 < n && pooled[order[j + 1]] == pooled[order[i]]) {
        j++;
      }
      double midRank = (i + j) / 2.0 + 1; // ranks are 1-based
      double t = j - i + 1;
      if (t > 1) {
        ties = true;
        tieTerm += t * t * t - t;
      }
      for (int k = i; k <= j; k++) {
        if (order[k] < n1) {
          rankSumX += midRank;
        }
      }
      i = j + 1;
    }
    double u1 = rankSumX - n1 * (n1 + 1) / 2.0;
    double u = Math.max(u1, (double) n1 * n2 - u1);
    boolean exact = !(n1 > EXACT_MAX && n2 > EXACT_MAX) && !ties;
    double sf;
    if (exact) {
      sf = exactSurvival((long) Math.rint(u), n1, n2);
    } else {
      double s = Math.sqrt(n1 * (double) n2 / 12 * ((n + 1) - tieTerm / ((double) n * (n - 1))));
      double z = (u - n1 * (double) n2 / 2 - 0.5) / s;
      sf = Double.isNaN(z) ? Double.NaN : NORMAL.cumulativeProbability(-z);
    }
    return new Result(u1, Math.min(1.0, Math.max(0.0, 2 * sf)), exact);
  }

  /**
   * P(U ≥ u) for samples of sizes n₁, n₂ without ties: the number of ways to place x's n₁ values
   * among the n pooled ranks with U ≥ u, over C(n, n₁). Counts by the recurrence
   * c(m, k, v) = c(m−1, k, v − k) + c(m, k−1, v) (the largest pooled value is an x, above all k
   * values of y, or a y), in doubles (exact while the counts stay below 2⁵³, e.g. C(40, 20)).
   * U's null distribution is the same with the samples' roles swapped, so the smaller sample
   * indexes the rows kept in memory.
   */
  static double exactSurvival(long u, int n1, int n2) {
    int big = Math.max(n1, n2);
    int small = Math.min(n1, n2);
    // row[k][v]: arrangements of m values of the larger sample and k of the smaller with U = v
    double[][] prev = new double[small + 1][];
    for (int m = 0; m <= big; m++) {
      double[][] row = new double[small + 1][];
      for (int k = 0; k <= small; k++) {
        double[] cur = new double[m * k + 1];
        if (m == 0 || k == 0) {
          cur[0] = 1;
        } else {
          double[] top = prev[k]; // the largest value is of the larger sample: it beats all k others
          for (int v = 0; v < top.length; v++) {
            cur[v + k] += top[v];
          }
          double[] other = row[k - 1];
          for (int v = 0; v < other.length; v++) {
            cur[v] += other[v];
          }
        }
        row[k] = cur;
      }
      prev = row;
    }
    double[] counts = prev[small];
    double total = 0;
    double above = 0;
    for (int v = 0; v < counts.length; v++) {
      total += counts[v];
      if (v >= u) {
        above += counts[v];
      }
    }
    return above / total;
  }

  private static void check(double[] v, String name) {
    if (v == null || v.length == 0) {
      throw new IllegalArgumentException("Mann-Whitney test: " + name + " has no values");
    }
    for (double d : v) {
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("Mann-Whitney test: " + name + " holds " + d + "; values must be finite");
      }
    }
  }
}
