package dev.isoplast.report;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Curves over training for the report: each run's series sampled on a common grid of steps, then
 * the mean over runs (seeds) with a 95% band at each grid point.
 *
 * <p>The band is the 95% percentile bootstrap interval of that mean: the n runs with a value at the
 * point are resampled with replacement {@link #BAND_REPS} times (seeded, so a report is
 * reproducible) and the 2.5th and 97.5th percentiles of the resampled means taken, as the
 * report's other intervals ({@link StratifiedBootstrap}, one stratum). It lies within the runs'
 * range (for two or three runs it is their minimum to their maximum), where a Student-t interval
 * of two or three seeds (t = 12.7, 4.3) would reach far outside any value a run can have. None when
 * n &lt; 2. A missing or non-finite value leaves that run out at that point.
 */
public final class Curves {

  private Curves() {}

  /** The mean over runs at each x with its 95% band; {@code n[i]} runs had a finite value at x[i]. */
  public record Band(double[] x, double[] mean, double[] lower, double[] upper, int[] n) {
    public int size() {
      return x.length;
    }
  }

  /** Bootstrap replicates per point of a band (rliable draws 2,000 for its curves as well). */
  public static final int BAND_REPS = 2000;

  /** Episodes in the trailing window of the return curve: the summary's final_mean_return window. */
  public static final int WINDOW = 20;

  /**
   * {@code points} evenly spaced steps ending at {@code end}: {@code round(k · end / points)} for
   * k = 1 … points, without repeats (fewer points when end &lt; points).
   */
  public static double[] grid(long end, int points) {
    TreeSet<Long> s = new TreeSet<>();
    for (int k = 1; k <= points; k++) {
      long g = Math.round((double) k * end / points);
      if (g > 0) {
        s.add(g);
      }
    }
    return s.stream().mapToDouble(Long::doubleValue).toArray();
  }

  /** The sorted union of the steps of several runs' series: the grid of a metric logged at a cadence. */
  public static double[] unionGrid(List<long[]> steps) {
    TreeSet<Long> s = new TreeSet<>();
    for (long[] a : steps) {
      for (long v : a) {
        s.add(v);
      }
    }
    return s.stream().mapToDouble(Long::doubleValue).toArray();
  }

  /**
   * A run's return curve: at each grid step g, the mean return of the last {@link #WINDOW}
   * episodes that ended at or before g in the phase that g falls in (phase k from
   * {@code phaseStarts[k]} on; one phase when {@code phaseStarts} is empty), so that the curve
   * drops at a phase switch instead of averaging across it, and its value at a phase's end is the
   * phase's final_mean_return. NaN where no episode of the phase has ended yet or after the run's
   * last step {@code end}.
   *
   * @param episodeSteps episode end steps, ascending
   * @param episodePhases the phase tag of each episode's metrics row
   */
  public static double[] trailingPhaseMean(long[] episodeSteps, int[] episodePhases, double[] returns,
      long[] phaseStarts, double[] grid, long end, int window) {
    double[] out = new double[grid.length];
    for (int i = 0; i < grid.length; i++) {
      double g = grid[i];
      if (g > end) {
        out[i] = Double.NaN;
        continue;
      }
      int phase = 0;
      for (int k = 0; k < phaseStarts.length; k++) {
        if (phaseStarts[k] <= g) {
          phase = k;
        }
      }
      double sum = 0;
      int n = 0;
      for (int j = upperIndex(episodeSteps, g); j >= 0 && n < window; j--) {
        if (phaseStarts.length == 0 || episodePhases[j] == phase) {
          if (Double.isFinite(returns[j])) {
            sum += returns[j];
            n++;
          }
        } else if (episodePhases[j] < phase) {
          break; // earlier phases: nothing more of this one
        }
      }
      out[i] = n == 0 ? Double.NaN : sum / n;
    }
    return out;
  }

  /**
   * A metric logged at a cadence, sampled on {@code grid}: at g the last value logged at or before
   * g (as logged, NaN included), NaN before the first value and after the run's last step
   * {@code end}.
   */
  public static double[] carryForward(long[] steps, double[] values, double[] grid, long end) {
    double[] out = new double[grid.length];
    for (int i = 0; i < grid.length; i++) {
      int j = upperIndex(steps, grid[i]);
      out[i] = j < 0 || grid[i] > end ? Double.NaN : values[j];
    }
    return out;
  }

  /** The mean over runs ({@code perRun[run][i]}) at each x, with its 95% bootstrap band. */
  public static Band meanBand(double[] x, double[][] perRun) {
    StratifiedBootstrap bootstrap = new StratifiedBootstrap(BAND_REPS, 0.95, 0);
    int m = x.length;
    double[] mean = new double[m];
    double[] lo = new double[m];
    double[] hi = new double[m];
    int[] n = new int[m];
    for (int i = 0; i < m; i++) {
      int k = 0;
      for (double[] run : perRun) {
        if (Double.isFinite(run[i])) {
          k++;
        }
      }
      n[i] = k;
      if (k == 0) {
        mean[i] = lo[i] = hi[i] = Double.NaN;
        continue;
      }
      double[][] column = new double[k][1];
      int j = 0;
      for (double[] run : perRun) {
        if (Double.isFinite(run[i])) {
          column[j++][0] = run[i];
        }
      }
      if (k < 2) {
        mean[i] = column[0][0];
        lo[i] = hi[i] = Double.NaN;
        continue;
      }
      StratifiedBootstrap.Interval iv = bootstrap.mean(column);
      mean[i] = iv.point();
      lo[i] = iv.lower();
      hi[i] = iv.upper();
    }
    return new Band(x.clone(), mean, lo, hi, n);
  }

  /** log10 of each value (non-positive values become NaN): condition numbers are averaged in log space. */
  public static double[] log10(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] > 0 ? Math.log10(v[i]) : Double.NaN;
    }
    return out;
  }

  /** The index of the last step ≤ g in ascending {@code steps}, or −1. */
  private static int upperIndex(long[] steps, double g) {
    int lo = 0;
    int hi = steps.length - 1;
    int ans = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (steps[mid] <= g) {
        ans = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return ans;
  }

  static double[] copy(double[] a) {
    return Arrays.copyOf(a, a.length);
  }
}
