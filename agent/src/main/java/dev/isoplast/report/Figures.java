package dev.isoplast.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The final figures of a report, per method, with 95% stratified-bootstrap intervals
 * ({@link StratifiedBootstrap}: runs resampled within each segment, percentile intervals).
 *
 * <p>A method's scores are the runs × segments matrix of its completed runs (segments: a
 * scenario's phases, a supervised run's tasks, or the whole run), as rliable's runs × tasks: the
 * IQM over all phases is the mean of the middle 50% of all runs' phase scores. Per segment, the IQM
 * is over that segment's column. The plasticity ratio of a set of phases is
 * IQM(R_continual − R_min) / IQM(R_fresh − R_min) over the runs × phases matrices (the ratio of
 * aggregates, {@link StratifiedBootstrap#ratio}), over the phases after the first (phase 0's
 * fresh learner repeats the continual one, so its ratio is 1 by construction) when there are
 * several. The probability of improvement P(X &gt; adam) is over the runs × segments matrices, with
 * scores negated when lower is better (a loss).
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
   * @param perSegment IQM of each segment's scores
   * @param perSegmentRatio plasticity ratio of each phase (NaN interval where no fresh reference)
   */
  public record MethodFigures(String method, int runs, StratifiedBootstrap.Interval overall,
      StratifiedBootstrap.Interval meanScore, StratifiedBootstrap.Interval last, StratifiedBootstrap.Interval ratio,
      StratifiedBootstrap.Interval improvement, List<StratifiedBootstrap.Interval> perSegment,
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
      StratifiedBootstrap.Interval overall = bootstrap.iqm(s);
      List<StratifiedBootstrap.Interval> perSegment = new ArrayList<>();
      for (int k = 0; k < segments; k++) {
        perSegment.add(bootstrap.iqm(column(s, k)));
      }
      double[][] mean = runs.stream().map(r -> r.segments().stream().mapToDouble(RunRecord.Segment::meanScore).toArray())
          .toArray(double[][]::new);
      StratifiedBootstrap.Interval meanScore = allFinite(mean) ? bootstrap.iqm(mean) : NONE;
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
      if (baseline != null && !method.equals(BASELINE)) {
        improvement = higherIsBetter ? bootstrap.probabilityOfImprovement(s, baseline)
            : bootstrap.probabilityOfImprovement(negate(s), negate(baseline));
      }
      out.put(method, new MethodFigures(method, runs.size(), overall, meanScore, perSegment.get(segments - 1), ratio,
          improvement, perSegment, perSegmentRatio));
    }
    return out;
  }

  /** IQM(continual − floor) / IQM(fresh − floor) over the given phases, with its interval. */
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
    return bootstrap.ratio(x, y, Statistics::iqm);
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
