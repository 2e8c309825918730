package dev.isoplast.report;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;
import java.util.function.ToDoubleFunction;

/**
 * Percentile confidence intervals by stratified bootstrap, as in Agarwal et al. 2021 ("Deep RL at
 * the Edge of the Statistical Precipice", §3 and App. A.1) and their library {@code rliable} 1.2.0
 * ({@code library.get_interval_estimates(..., method='percentile')} over its
 * {@code StratifiedBootstrap} / {@code StratifiedIndependentBootstrap}, with the percentiles of
 * {@code arch.bootstrap.IIDBootstrap.conf_int}).
 *
 * <p>One replicate of a runs × tasks matrix S (N runs, M tasks) is S* with
 * {@code S*[n][m] = S[I_nm][m]}, every {@code I_nm} drawn uniformly from {0 … N−1} with replacement
 * and independently: runs are resampled <em>within</em> each task (the strata), never across tasks,
 * and the tasks stay fixed. A statistic of two matrices (probability of improvement, a ratio of
 * aggregates) resamples each independently in the same way (the run counts may differ). For
 * confidence c and {@code α = (1−c)/2}, the interval is
 * {@code [P_{100α}, P_{100(1−α)}]} of the {@code reps} replicate statistics, percentiles as
 * {@link Statistics#percentile} (numpy's linear rule, as arch uses). The point estimate is the
 * statistic of the data itself.
 *
 * <p><b>The unit of replication.</b> The strata are separate benchmarks, each with its own runs
 * (rliable's tasks). The tasks or phases of one continual run are <em>not</em> strata: they come
 * from the same run and are correlated, and resampling runs within each of them treats them as
 * independent, which makes intervals too narrow (the study's first tables did this). The report
 * therefore gives this class runs × 1 matrices of per-run scores ({@link Statistics#runMeans}) for
 * one benchmark — with one column, a replicate is N whole runs drawn with replacement — and runs ×
 * benchmarks matrices only when benchmarks are aggregated. {@link #paired} keeps two matrices of
 * the same runs together.
 *
 * <p>Replications: {@link #DEFAULT_REPS} = 50,000, rliable's default for
 * {@code get_interval_estimates}; the Java statistics take a few microseconds per replicate, so
 * 50,000 cost well under a second for tens of runs and tasks (rliable's own performance profiles
 * use 2,000). The Monte Carlo error of an endpoint, as a probability, is about
 * {@code sqrt(α(1−α)/reps)} = 0.0007 at α = 0.025 and 50,000 reps: the lower endpoint is the
 * (2.5 ± 0.07)% quantile (one standard error) of the exact bootstrap distribution.
 *
 * <p>Deterministic: each call draws from a fresh {@link SplittableRandom} seeded with
 * {@link #seed}, so the same inputs and seed give the same interval, whatever was computed
 * before. (The random streams differ from numpy's, so intervals agree with rliable's up to that
 * Monte Carlo error, not bit for bit.)
 *
 * @param reps bootstrap replications, at least 1
 * @param confidence the interval's coverage, in (0, 1), e.g. 0.95
 * @param seed seeds the resampling
 */
public record StratifiedBootstrap(int reps, double confidence, long seed) {

  /** rliable's default number of replications ({@code get_interval_estimates(reps=50000)}). */
  public static final int DEFAULT_REPS = 50_000;

  /** 95% intervals, rliable's default. */
  public static final double DEFAULT_CONFIDENCE = 0.95;

  /** An estimate with its confidence interval: {@code lower ≤ upper}; point is the data's statistic. */
  public record Interval(double point, double lower, double upper) {
    /** {@code upper − lower}. */
    public double width() {
      return upper - lower;
    }
  }

  public StratifiedBootstrap {
    if (reps < 1) {
      throw new IllegalArgumentException("bootstrap reps must be at least 1, got " + reps);
    }
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
    }
  }

  /** {@link #DEFAULT_REPS} replications, 95% intervals, seeded with {@code seed}. */
  public static StratifiedBootstrap withSeed(long seed) {
    return new StratifiedBootstrap(DEFAULT_REPS, DEFAULT_CONFIDENCE, seed);
  }

  /** IQM ({@link Statistics#iqm}) with its interval. */
  public Interval iqm(double[][] scores) {
    return interval(scores, StratifiedBootstrap::iqmInPlace);
  }

  /** Mean of task means ({@link Statistics#mean}) with its interval. */
  public Interval mean(double[][] scores) {
    return interval(scores, Statistics::mean);
  }

  /**
   * Average probability of improvement P(X &gt; Y) ({@link Statistics#probabilityOfImprovement})
   * with its interval, X and Y resampled independently (rliable's StratifiedIndependentBootstrap).
   */
  public Interval probabilityOfImprovement(double[][] x, double[][] y) {
    return interval(x, y, Statistics::probabilityOfImprovement);
  }

  /**
   * {@code aggregate(x) / aggregate(y)} with its interval, x and y resampled independently: e.g.
   * the IQM of continual-learner scores over the IQM of fresh-learner scores, the aggregate
   * plasticity ratio. A replicate whose denominator is 0 is ±∞ or NaN; a NaN replicate makes the
   * interval NaN (as numpy's percentile does).
   */
  public Interval ratio(double[][] x, double[][] y, ToDoubleFunction<double[][]> aggregate) {
    return interval(x, y, (a, b) -> aggregate.applyAsDouble(a) / aggregate.applyAsDouble(b));
  }

  /**
   * A statistic of two matrices from the <em>same</em> runs (row n of each belongs to run n: a
   * continual run and the fresh learners on its phases, say) with its interval: each replicate
   * draws N run indices once and takes those rows of both, so the pairing is kept.
   */
  public Interval paired(double[][] x, double[][] y, ToDoubleBiFunction<double[][], double[][]> statistic) {
    Statistics.check(x, "x");
    Statistics.check(y, "y");
    if (x.length != y.length) {
      throw new IllegalArgumentException("paired statistics need the same runs: x has " + x.length + ", y has "
          + y.length);
    }
    double point = statistic.applyAsDouble(copy(x), copy(y));
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] bx = new double[x.length][];
    double[][] by = new double[y.length][];
    double[] out = new double[reps];
    for (int r = 0; r < reps; r++) {
      for (int n = 0; n < x.length; n++) {
        int i = rng.nextInt(x.length);
        bx[n] = x[i];
        by[n] = y[i];
      }
      out[r] = statistic.applyAsDouble(copy(bx), copy(by));
    }
    return percentileInterval(point, out);
  }

  /** The statistic of {@code scores} with its percentile interval over {@link #replicates}. */
  public Interval interval(double[][] scores, ToDoubleFunction<double[][]> statistic) {
    double point = statistic.applyAsDouble(copy(Statistics.check(scores, "scores")));
    return percentileInterval(point, replicates(scores, statistic));
  }

  /** The statistic of {@code (x, y)} with its percentile interval over {@link #replicates(double[][], double[][], ToDoubleBiFunction)}. */
  public Interval interval(double[][] x, double[][] y, ToDoubleBiFunction<double[][], double[][]> statistic) {
    double point = statistic.applyAsDouble(copy(Statistics.check(x, "x")), copy(Statistics.check(y, "y")));
    return percentileInterval(point, replicates(x, y, statistic));
  }

  /**
   * The {@link #reps} bootstrap replicates of {@code statistic(scores*)}, in drawing order. The
   * statistic gets a scratch matrix that is overwritten for the next replicate: it may reorder
   * it but must not keep it.
   */
  public double[] replicates(double[][] scores, ToDoubleFunction<double[][]> statistic) {
    Statistics.check(scores, "scores");
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] buf = new double[scores.length][scores[0].length];
    double[] out = new double[reps];
    for (int r = 0; r < reps; r++) {
      resample(scores, buf, rng);
      out[r] = statistic.applyAsDouble(buf);
    }
    return out;
  }

  /** The replicates of a two-sample statistic: per replicate, x is resampled, then y. */
  public double[] replicates(double[][] x, double[][] y, ToDoubleBiFunction<double[][], double[][]> statistic) {
    Statistics.check(x, "x");
    Statistics.check(y, "y");
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] bx = new double[x.length][x[0].length];
    double[][] by = new double[y.length][y[0].length];
    double[] out = new double[reps];
    for (int r = 0; r < reps; r++) {
      resample(x, bx, rng);
      resample(y, by, rng);
      out[r] = statistic.applyAsDouble(bx, by);
    }
    return out;
  }

  /**
   * The percentile interval of {@code replicates} around {@code point}: {@code α = (1−c)/2},
   * lower = {@link Statistics#percentile}(replicates, 100α), upper = the same at 100(1−α) (the
   * arithmetic of arch's {@code conf_int}).
   */
  public Interval percentileInterval(double point, double[] replicates) {
    double[] sorted = replicates.clone();
    Arrays.sort(sorted);
    double alpha = (1.0 - confidence) / 2;
    return new Interval(point, Statistics.percentile(sorted, 100 * alpha), Statistics.percentile(sorted, 100 * (1.0 - alpha)));
  }

  /** Draws one stratified replicate of {@code s} into {@code into}: for each task, runs with replacement. */
  private static void resample(double[][] s, double[][] into, SplittableRandom rng) {
    int runs = s.length;
    int tasks = s[0].length;
    for (int n = 0; n < runs; n++) {
      double[] row = into[n];
      for (int m = 0; m < tasks; m++) {
        row[m] = s[rng.nextInt(runs)][m];
      }
    }
  }

  /** IQM of a scratch replicate without the validation and copy of {@link Statistics#iqm}. */
  private static double iqmInPlace(double[][] scores) {
    double[] flat = Statistics.flatten(scores);
    Arrays.sort(flat);
    return Statistics.trimmedMeanOfSorted(flat, 0.25);
  }

  private static double[][] copy(double[][] s) {
    double[][] c = new double[s.length][];
    for (int i = 0; i < s.length; i++) {
      c[i] = s[i].clone();
    }
    return c;
  }
}
