package dev.isoplast.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The final figures of a report, per method, with 95% bootstrap intervals over whole runs
 * ({@link StratifiedBootstrap} on per-run scores, percentile intervals; DESIGN.md §14).
 *
 * <p>A run is the unit of replication: its score on a set of segments (a scenario's phases, a
 * supervised run's tasks, or the whole run) is its mean over them ({@link Statistics#runMeans}),
 * and a method's IQM is the trimmed mean of those per-run scores, its interval from resampling
 * runs. Per segment, the IQM is over that segment's column (one score per run). The plasticity
 * ratio of a set of phases is IQM_runs(mean(R_continual − R_min)) / IQM_runs(mean(R_fresh −
 * R_min)), each run's continual and fresh scores resampled together ({@link StratifiedBootstrap#paired}),
 * over the phases after the first (phase 0's fresh learner repeats the continual one, so its
 * ratio is 1 by construction) when there are several. The probability of improvement
 * P(X &gt; adam) is over the per-run scores on all segments, with scores negated when lower is
 * better (a loss), beside the two-sided Mann–Whitney p-value of the same scores.
 */
public final class Figures {

  private Figures() {}

  /** No value: a figure that does not apply or could not be computed. */
  public static final StratifiedBootstrap.Interval NONE = new StratifiedBootstrap.Interval(Double.NaN, Double.NaN,
      Double.NaN);

  /**
   * One method's figures.
   *
   * @param runs completed runs used (their scores all finite)
   * @param overall IQM of the segment scores over all runs × segments
   * @param meanScore IQM of the phases' mean returns (area under the curve), scenarios only
   * @param last IQM of the last segment's scores
   * @param ratio plasticity ratio of the phases after the first (scenarios with fresh references)
   * @param improvement P(method &gt; baseline) when the baseline is in the report and differs
   * @param improvementP the two-sided Mann–Whitney p-value of the same per-run scores (NaN without one)
   * @param perSegment IQM of each segment's scores
   * @param perSegmentRatio plasticity ratio of each phase (NaN interval where no fresh reference)
   */
  public record MethodFigures(String method, int runs, StratifiedBootstrap.Interval overall,
      StratifiedBootstrap.Interval meanScore, StratifiedBootstrap.Interval last, StratifiedBootstrap.Interval ratio,
      StratifiedBootstrap.Interval improvement, double improvementP, List<StratifiedBootstrap.Interval> perSegment,
      List<StratifiedBootstrap.Interval> perSegmentRatio) {}

  /** The baseline of the probability of improvement. */
  public static final String BASELINE = "adam";

  /**
   * The figures of every method with completed runs, in {@code methods} order; {@code segments}
   * is the number of segments every counted run must have (runs with another count or a
   * non-finite score are left out and named in {@code notes}).
   */
  public static Map<String, MethodFigures> compute(Map<String, List<RunRecord>> completedByMethod, int segments,
      boolean higherIsBetter, StratifiedBootstrap bootstrap, List<String> notes) {
    Map<String, double[][]> scores = new LinkedHashMap<>();
    Map<String, List<RunRecord>> used = new LinkedHashMap<>();
    completedByMethod.forEach((method, runs) -> {
      List<RunRecord> ok = new ArrayList<>();
      for (RunRecord r : runs) {
        if (r.segments().size() != segments) {
          notes.add(r.label() + " has " + r.segments().size() + " segments where the others have " + segments
              + ": left out of the statistics");
        } else if (!allFinite(r.scores())) {
          notes.add(r.label() + " has a segment without a score (no episode ended in it): left out of the statistics");
        } else {
          ok.add(r);
        }
      }
      if (!ok.isEmpty()) {
        used.put(method, ok);
        scores.put(method, ok.stream().map(RunRecord::scores).toArray(double[][]::new));
      }
    });
    double[][] baseline = scores.get(BASELINE);
    Map<String, MethodFigures> out = new LinkedHashMap<>();
    for (var e : used.entrySet()) {
      String method = e.getKey();
      List<RunRecord> runs = e.getValue();
      double[][] s = scores.get(method);
      double[][] perRun = Statistics.runMeans(s);
      StratifiedBootstrap.Interval overall = bootstrap.iqm(perRun);
      List<StratifiedBootstrap.Interval> perSegment = new ArrayList<>();
      for (int k = 0; k < segments; k++) {
        perSegment.add(bootstrap.iqm(column(s, k)));
      }
      double[][] mean = runs.stream().map(r -> r.segments().stream().mapToDouble(RunRecord.Segment::meanScore).toArray())
          .toArray(double[][]::new);
      StratifiedBootstrap.Interval meanScore = allFinite(mean) ? bootstrap.iqm(Statistics.runMeans(mean)) : NONE;
      List<StratifiedBootstrap.Interval> perSegmentRatio = new ArrayList<>();
      List<Integer> withFresh = new ArrayList<>();
      for (int k = 0; k < segments; k++) {
        final int kk = k;
        boolean fresh = runs.stream().allMatch(r -> Double.isFinite(r.segments().get(kk).fresh()));
        if (fresh) {
          withFresh.add(k);
          perSegmentRatio.add(ratio(runs, List.of(k), bootstrap));
        } else {
          perSegmentRatio.add(NONE);
        }
      }
      List<Integer> ratioPhases = withFresh.size() > 1 ? withFresh.subList(withFresh.get(0) == 0 ? 1 : 0,
          withFresh.size()) : withFresh;
      StratifiedBootstrap.Interval ratio = ratioPhases.isEmpty() ? NONE : ratio(runs, ratioPhases, bootstrap);
      StratifiedBootstrap.Interval improvement = NONE;
      double improvementP = Double.NaN;
      if (baseline != null && !method.equals(BASELINE)) {
        double[][] x = higherIsBetter ? perRun : negate(perRun);
        double[][] y = Statistics.runMeans(higherIsBetter ? baseline : negate(baseline));
        improvement = bootstrap.probabilityOfImprovement(x, y);
        improvementP = MannWhitney.test(Statistics.column(x), Statistics.column(y)).p();
      }
      out.put(method, new MethodFigures(method, runs.size(), overall, meanScore, perSegment.get(segments - 1), ratio,
          improvement, improvementP, perSegment, perSegmentRatio));
    }
    return out;
  }

  /**
   * IQM over runs of each run's mean (continual − floor) over the given phases, over the IQM of
   * its mean (fresh − floor), with its interval (a run's two scores resampled together).
   */
  static StratifiedBootstrap.Interval ratio(List<RunRecord> runs, List<Integer> phases, StratifiedBootstrap bootstrap) {
    double[][] x = new double[runs.size()][phases.size()];
    double[][] y = new double[runs.size()][phases.size()];
    for (int n = 0; n < runs.size(); n++) {
      for (int j = 0; j < phases.size(); j++) {
        RunRecord.Segment seg = runs.get(n).segments().get(phases.get(j));
        x[n][j] = seg.score() - seg.floor();
        y[n][j] = seg.fresh() - seg.floor();
      }
    }
    return bootstrap.paired(Statistics.runMeans(x), Statistics.runMeans(y),
        (a, b) -> Statistics.iqm(a) / Statistics.iqm(b));
  }

  static double[][] column(double[][] s, int k) {
    double[][] c = new double[s.length][1];
    for (int n = 0; n < s.length; n++) {
      c[n][0] = s[n][k];
    }
    return c;
  }

  private static double[][] negate(double[][] s) {
    double[][] c = new double[s.length][];
    for (int n = 0; n < s.length; n++) {
      c[n] = s[n].clone();
      for (int k = 0; k < c[n].length; k++) {
        c[n][k] = -c[n][k];
      }
    }
    return c;
  }

  private static boolean allFinite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return v.length > 0;
  }

  private static boolean allFinite(double[][] m) {
    for (double[] row : m) {
      if (!allFinite(row)) {
        return false;
      }
    }
    return m.length > 0;
  }
}
