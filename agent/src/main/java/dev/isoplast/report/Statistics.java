package dev.isoplast.report;

import java.util.Arrays;

/**
 * Point estimates of aggregate performance as in Agarwal et al. 2021, "Deep Reinforcement Learning
 * at the Edge of the Statistical Precipice" (NeurIPS), computed exactly as their library
 * {@code rliable} 1.2.0 ({@code rliable/metrics.py}) does, so that the numbers can be compared one
 * to one. Intervals are {@link StratifiedBootstrap}'s.
 *
 * <p>In a continual study a run's tasks are not independent, so the study's statistics take one
 * score per run ({@link #runMeans}: its mean over a window of tasks or phases) and reach rliable's
 * layout with tasks = benchmarks: a runs × 1 matrix for one benchmark, runs × benchmarks when
 * several are aggregated.
 *
 * <p>Scores are a matrix {@code scores[run][task]} ({@code num_runs × num_tasks}, rliable's layout):
 * one row per independent run (seed), one column per task (env, scenario, benchmark); every row
 * has the same number of tasks and every score is finite. Tasks should be on a common scale
 * (normalised scores) before they are aggregated.
 */
public final class Statistics {

  private Statistics() {}

  /**
   * Interquartile mean over all runs and tasks: the mean of the middle 50% of the {@code N·M}
   * scores, {@code trimMean(flatten(scores), 0.25)}. rliable: {@code aggregate_iqm} =
   * {@code scipy.stats.trim_mean(scores, proportiontocut=0.25, axis=None)}.
   */
  public static double iqm(double[][] scores) {
    return trimMean(flatten(check(scores, "scores")), 0.25);
  }

  /**
   * Mean of the per-task means: {@code (1/M) Σ_m (1/N) Σ_n scores[n][m]}. rliable:
   * {@code aggregate_mean} = {@code np.mean(np.mean(scores, axis=0))}.
   */
  public static double mean(double[][] scores) {
    check(scores, "scores");
    int runs = scores.length;
    int tasks = scores[0].length;
    double sumOfMeans = 0;
    for (int m = 0; m < tasks; m++) {
      double s = 0;
      for (int n = 0; n < runs; n++) {
        s += scores[n][m];
      }
      sumOfMeans += s / runs;
    }
    return sumOfMeans / tasks;
  }

  /**
   * The runs' scores on a window of segments, the unit of replication (DESIGN.md §14): row n of
   * the result holds the single value {@code (1/(to−from)) Σ_{m=from}^{to−1} scores[n][m]}, run n's
   * mean over the window's tasks or phases. The tasks of one continual run are not independent
   * samples, so intervals resample these rows (whole runs), never runs within a task.
   *
   * @param from first segment of the window (inclusive)
   * @param to end of the window (exclusive), {@code from < to ≤ M}
   * @return a runs × 1 matrix
   */
  public static double[][] runMeans(double[][] scores, int from, int to) {
    check(scores, "scores");
    if (from < 0 || to > scores[0].length || from >= to) {
      throw new IllegalArgumentException("a window of segments [" + from + ", " + to + ") of " + scores[0].length);
    }
    double[][] out = new double[scores.length][1];
    for (int n = 0; n < scores.length; n++) {
      double sum = 0;
      for (int m = from; m < to; m++) {
        sum += scores[n][m];
      }
      out[n][0] = sum / (to - from);
    }
    return out;
  }

  /** {@link #runMeans} over all segments. */
  public static double[][] runMeans(double[][] scores) {
    return runMeans(scores, 0, check(scores, "scores")[0].length);
  }

  /** The first column of a runs × tasks matrix, e.g. the per-run scores of {@link #runMeans}. */
  public static double[] column(double[][] scores) {
    double[] out = new double[scores.length];
    for (int n = 0; n < scores.length; n++) {
      out[n] = scores[n][0];
    }
    return out;
  }

  /**
   * Trimmed mean as {@code scipy.stats.trim_mean(values, proportionToCut)}: with {@code n} values
   * and {@code g = ⌊proportionToCut · n⌋} (scipy: {@code int(proportiontocut * nobs)}, rounding
   * down), the mean of the sorted values {@code g … n−g−1}. Examples: n = 4 drops one at each end;
   * n = 5 and n = 7 drop one, n = 8 drops two, n = 3 drops none.
   *
   * @param proportionToCut in [0, 0.5)
   */
  public static double trimMean(double[] values, double proportionToCut) {
    if (values.length == 0) {
      throw new IllegalArgumentException("trimMean needs at least one value");
    }
    if (!(proportionToCut >= 0 && proportionToCut < 0.5)) {
      throw new IllegalArgumentException("proportionToCut must be in [0, 0.5), got " + proportionToCut);
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return trimmedMeanOfSorted(sorted, proportionToCut);
  }

  /** {@link #trimMean} of values already sorted ascending (the bootstrap sorts in place). */
  static double trimmedMeanOfSorted(double[] sorted, double proportionToCut) {
    int n = sorted.length;
    int cut = (int) (proportionToCut * n);
    double s = 0;
    for (int i = cut; i < n - cut; i++) {
      s += sorted[i];
    }
    return s / (n - 2 * cut);
  }

  /**
   * Average probability of improvement of X over Y (Agarwal et al. 2021, §4 and App. A.2):
   * <pre>
   *   P(X &gt; Y) = (1/M) Σ_m P(X_m &gt; Y_m),
   *   P(X_m &gt; Y_m) = U_m / (N_x N_y) = (1/(N_x N_y)) Σ_i Σ_j ( [x_im &gt; y_jm] + ½ [x_im = y_jm] )
   * </pre>
   * where U_m is the Mann–Whitney U statistic of X's runs against Y's on task m (ties count ½).
   * rliable: {@code probability_of_improvement} = {@code scipy.stats.mannwhitneyu(x, y,
   * alternative='greater').statistic / (n_x n_y)} per task, 0.5 for identical columns (which
   * this formula also gives), averaged over tasks. The run counts may differ; the tasks must match.
   * P(X &gt; Y) + P(Y &gt; X) = 1.
   */
  public static double probabilityOfImprovement(double[][] x, double[][] y) {
    check(x, "x");
    check(y, "y");
    if (x[0].length != y[0].length) {
      throw new IllegalArgumentException("probability of improvement needs the same tasks: x has " + x[0].length
          + ", y has " + y[0].length);
    }
    int tasks = x[0].length;
    double[] xs = new double[x.length];
    double[] ys = new double[y.length];
    double sum = 0;
    for (int m = 0; m < tasks; m++) {
      for (int i = 0; i < x.length; i++) {
        xs[i] = x[i][m];
      }
      for (int j = 0; j < y.length; j++) {
        ys[j] = y[j][m];
      }
      sum += improvementProbabilitySorting(xs, ys);
    }
    return sum / tasks;
  }

  /**
   * {@code U / (n_x n_y)} for one task, counting with both samples sorted (O(n log n), so that
   * the bootstrap stays fast for many runs). Sorts its arguments in place. U and the count of
   * pairs are integers or halves, so this is exact in double precision, as scipy's rank sum is.
   */
  static double improvementProbabilitySorting(double[] x, double[] y) {
    Arrays.sort(x);
    Arrays.sort(y);
    double u2 = 0; // 2U: wins count 2, ties 1, so that it stays an integer
    int below = 0; // y[0..below) < x[i]
    int notAbove = 0; // y[0..notAbove) <= x[i]
    for (double xi : x) {
      while (below < y.length && y[below] < xi) {
        below++;
      }
      while (notAbove < y.length && y[notAbove] <= xi) {
        notAbove++;
      }
      u2 += 2.0 * below + (notAbove - below);
    }
    return u2 / 2 / ((double) x.length * y.length);
  }

  /**
   * The {@code q}-th percentile of ascending {@code sorted} values as {@code numpy.percentile} with
   * its default "linear" method (Hyndman &amp; Fan type 7): with {@code h = (q/100)(n−1)},
   * {@code lo = ⌊h⌋}, {@code t = h − lo}, the value {@code a + (b−a)t} between {@code a = sorted[lo]}
   * and {@code b = sorted[min(lo+1, n−1)]}, written as numpy's {@code _lerp} writes it
   * ({@code b − (b−a)(1−t)} when {@code t ≥ ½}) so that results agree to the last bit.
   * NaN if any value is NaN (as numpy).
   *
   * @param q in [0, 100]
   */
  public static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("percentile of no values");
    }
    if (!(q >= 0 && q <= 100)) {
      throw new IllegalArgumentException("percentile q must be in [0, 100], got " + q);
    }
    if (Double.isNaN(sorted[sorted.length - 1])) { // Arrays.sort puts NaN last
      return Double.NaN;
    }
    int n = sorted.length;
    double h = (q / 100) * (n - 1);
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, n - 1);
    double t = h - lo;
    double a = sorted[lo];
    double b = sorted[hi];
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  }

  /** The scores row by row: rliable's (and numpy's) {@code ravel} order. */
  static double[] flatten(double[][] scores) {
    int tasks = scores[0].length;
    double[] out = new double[scores.length * tasks];
    for (int n = 0; n < scores.length; n++) {
      System.arraycopy(scores[n], 0, out, n * tasks, tasks);
    }
    return out;
  }

  /** Validates a runs × tasks matrix: at least one run and one task, rectangular, finite. */
  static double[][] check(double[][] scores, String name) {
    if (scores == null || scores.length == 0 || scores[0] == null || scores[0].length == 0) {
      throw new IllegalArgumentException(name + " must have at least one run and one task (a runs x tasks matrix)");
    }
    int tasks = scores[0].length;
    for (int n = 0; n < scores.length; n++) {
      if (scores[n] == null || scores[n].length != tasks) {
        throw new IllegalArgumentException(name + " is not rectangular: run 0 has " + tasks + " tasks, run " + n
            + " has " + (scores[n] == null ? 0 : scores[n].length));
      }
      for (int m = 0; m < tasks; m++) {
        if (!Double.isFinite(scores[n][m])) {
          throw new IllegalArgumentException(name + "[" + n + "][" + m + "] is " + scores[n][m]
              + ": scores must be finite");
        }
      }
    }
    return scores;
  }
}
