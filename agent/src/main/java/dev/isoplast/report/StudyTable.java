package dev.isoplast.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The study's table of one benchmark (docs/results.md). A run is the unit of replication
 * (DESIGN.md §14): a run's late score is its mean over the last {@link #LATE} of its phases or
 * tasks, its all score its mean over all of them ({@link Statistics#runMeans}). Per method: the IQM
 * of the per-run late and all scores with 95% intervals from resampling whole runs (Agarwal et al.
 * 2021's percentile bootstrap on a runs × 1 matrix); the probability that a run of the reference
 * method (AdamO) has a higher late score than a run of the method, with its interval (the runs of
 * both resampled), the two-sided Mann–Whitney p-value of the same scores ({@link MannWhitney}) and
 * the minimum detectable difference of late scores at 80% power for the seed counts
 * ({@link Power}); and the monitors over the same late
 * stretch of each run (mean over its measurements there, then mean over runs): dormant fraction,
 * revived fraction, NTK effective rank and condition number (the policy network's), and the body's
 * isometry gap. Written as Markdown by {@code isoplast report DIR --markdown}.
 */
public final class StudyTable {

  /** The fraction of the last phases or tasks that counts as late. */
  public static final double LATE = 0.2;

  /** The method the probability of improvement is taken for. */
  public static final String REFERENCE = "adamo";

  private StudyTable() {}

  /**
   * One method's row.
   *
   * @param late IQM of the per-run late scores, 95% CI over runs
   * @param all IQM of the per-run scores over all segments, 95% CI over runs
   * @param referenceBetter P(reference run's late score &gt; this method's run's), 95% CI; NONE for the reference
   * @param mannWhitneyP two-sided Mann–Whitney p-value of the same late scores (NaN for the reference)
   * @param mdd minimum detectable difference of late scores between the reference and this method
   *     at 80% power, α = 0.05 (NaN for the reference)
   * @param loss the mean over runs of (first late-count segments' mean score − last ones'), signed
   *     so that positive is a loss also for a loss score; its 95% bootstrap interval over runs
   * @param freshGap scenario runs with --fresh-reference: the mean over runs of (fresh learners'
   *     final return − the continual run's) on the late phases, with its interval; else NONE
   */
  public record Row(String method, int runs, StratifiedBootstrap.Interval late, StratifiedBootstrap.Interval all,
      StratifiedBootstrap.Interval referenceBetter, double mannWhitneyP, double mdd, StratifiedBootstrap.Interval loss,
      StratifiedBootstrap.Interval freshGap, Map<String, Double> monitors) {}

  /** The late segments of a run with {@code segments} of them: the last ⌈LATE · segments⌉. */
  public static int lateCount(int segments) {
    return Math.max(1, (int) Math.ceil(LATE * segments - 1e-9));
  }

  /** The rows of the methods with statistics in {@code data}, in its order. */
  public static List<Row> compute(Report.Data data, StratifiedBootstrap bootstrap) {
    Map<String, double[][]> segmentScores = new LinkedHashMap<>(); // runs × segments, signed: higher is better
    Map<String, double[][]> late = new LinkedHashMap<>(); // runs × 1: each run's mean over its late segments
    Map<String, List<RunRecord>> used = new LinkedHashMap<>();
    int k = lateCount(data.segments());
    for (String method : data.figures().keySet()) {
      List<RunRecord> runs = new ArrayList<>();
      for (RunRecord r : data.runs()) {
        if (r.method().equals(method) && r.completed() && r.segments().size() == data.segments()
            && allFinite(r.scores())) {
          runs.add(r);
        }
      }
      if (runs.isEmpty()) {
        continue;
      }
      double[][] a = new double[runs.size()][];
      for (int n = 0; n < runs.size(); n++) {
        double[] s = runs.get(n).scores();
        a[n] = data.higherIsBetter() ? s.clone() : negate(s);
      }
      segmentScores.put(method, a);
      late.put(method, Statistics.runMeans(a, data.segments() - k, data.segments()));
      used.put(method, runs);
    }
    double[][] ref = late.get(REFERENCE);
    List<Row> rows = new ArrayList<>();
    for (var e : used.entrySet()) {
      String m = e.getKey();
      StratifiedBootstrap.Interval lateI = sign(bootstrap.iqm(late.get(m)), data.higherIsBetter());
      StratifiedBootstrap.Interval allI = sign(bootstrap.iqm(Statistics.runMeans(segmentScores.get(m))),
          data.higherIsBetter());
      boolean compared = ref != null && !m.equals(REFERENCE);
      StratifiedBootstrap.Interval better = compared ? bootstrap.probabilityOfImprovement(ref, late.get(m))
          : Figures.NONE;
      double[] x = compared ? Statistics.column(ref) : null;
      double[] y = Statistics.column(late.get(m));
      double p = compared ? MannWhitney.test(x, y).p() : Double.NaN;
      double mdd = compared ? Power.minimumDetectableDifference(x, y) : Double.NaN;
      rows.add(new Row(m, e.getValue().size(), lateI, allI, better, p, mdd, loss(segmentScores.get(m), k, bootstrap),
          freshGap(e.getValue(), k, bootstrap), monitors(e.getValue())));
    }
    return rows;
  }

  /** Per run (scores signed so that higher is better): mean of the first k − mean of the last k; mean over runs. */
  static StratifiedBootstrap.Interval loss(double[][] scores, int k, StratifiedBootstrap bootstrap) {
    int m = scores[0].length;
    double[][] early = Statistics.runMeans(scores, 0, k);
    double[][] late = Statistics.runMeans(scores, m - k, m);
    for (int n = 0; n < scores.length; n++) {
      early[n][0] -= late[n][0];
    }
    return bootstrap.mean(early);
  }

  /** Per run: mean over the last k phases of (fresh − continual final return); NONE without fresh references. */
  static StratifiedBootstrap.Interval freshGap(List<RunRecord> runs, int k, StratifiedBootstrap bootstrap) {
    double[][] perRun = new double[runs.size()][1];
    for (int n = 0; n < runs.size(); n++) {
      List<RunRecord.Segment> seg = runs.get(n).segments();
      double sum = 0;
      for (RunRecord.Segment s : seg.subList(seg.size() - k, seg.size())) {
        sum += s.fresh() - s.score();
      }
      if (!Double.isFinite(sum)) {
        return Figures.NONE;
      }
      perRun[n][0] = sum / k;
    }
    return bootstrap.mean(perRun);
  }

  /** Mean over runs of each monitor's mean over the run's last {@link #LATE} of steps. */
  static Map<String, Double> monitors(List<RunRecord> runs) {
    Map<String, Double> out = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>(RunRecord.MONITOR_KEYS);
    keys.add("gap");
    for (String key : keys) {
      double sum = 0;
      int n = 0;
      for (RunRecord r : runs) {
        RunRecord.Series s = key.equals("gap") ? bodyGap(r) : r.series().get(key);
        double v = s == null ? Double.NaN : lateMean(s, r.totalSteps());
        if (Double.isFinite(v)) {
          sum += v;
          n++;
        }
      }
      out.put(key, n == 0 ? Double.NaN : sum / n);
    }
    return out;
  }

  /** The first network's body gap series ({@code isometry/actor.body/gap}, {@code isometry/net.body/gap}, ...). */
  private static RunRecord.Series bodyGap(RunRecord r) {
    return r.series().entrySet().stream().filter(e -> RunRecord.BODY_GAP.matcher(e.getKey()).matches())
        .map(Map.Entry::getValue).findFirst().orElse(null);
  }

  private static double lateMean(RunRecord.Series s, long totalSteps) {
    double from = (1 - LATE) * totalSteps;
    double sum = 0;
    int n = 0;
    for (int i = 0; i < s.steps().length; i++) {
      if (s.steps()[i] >= from && Double.isFinite(s.values()[i])) {
        sum += s.values()[i];
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** The table as Markdown, with the command lines that made the runs. */
  public static String markdown(Report.Data data, List<Row> rows) {
    StringBuilder b = new StringBuilder();
    int k = lateCount(data.segments());
    String seg = data.segmentName();
    boolean fresh = rows.stream().anyMatch(r -> !Double.isNaN(r.freshGap().point()));
    // runs that logged the relative-floor condition number show it (the plain one sits at float64's ceiling on
    // RL bodies); older exports have only the plain one
    boolean rel = rows.stream().anyMatch(r -> Double.isFinite(r.monitors().getOrDefault("plasticity/ntk_cond_rel",
        Double.NaN)));
    b.append(String.format(Locale.ROOT, "%s: %s per %s; a run is the unit: its late score is its mean over the last "
        + "%d of %d %ss, its all score its mean over all, early = the first %d; IQM of the per-run scores with 95%% "
        + "CIs from resampling whole runs; P = P(an %s run's late score > the method's run's), CI resampling the "
        + "runs of both; MW p = two-sided Mann–Whitney p of the same scores; MDD = the smallest difference of late "
        + "means detectable at 80%% power (α = 0.05) with these run counts; loss = early − late (mean over runs, 95%% "
        + "CI; > 0 is a loss)%s.%n%n", data.benchmark(), data.scoreName(), seg, k,
        data.segments(), seg, k, REFERENCE, fresh ? "; fresh gap = fresh learner's final return − the run's on "
            + "the late phases (> 0: the continual learner ends below a fresh one)" : ""));
    b.append("| method | runs | IQM late [95% CI] | IQM all [95% CI] | P(adamo better) [95% CI] | MW p | MDD | "
        + "loss [95% CI] | " + (fresh ? "fresh gap [95% CI] | " : "")
        + "dormant | revived | NTK erank | " + (rel ? "NTK cond (λ ≥ 10⁻⁶ λ_max)" : "NTK cond") + " | body gap |\n");
    b.append("|---|---|---|---|---|---|---|---|" + (fresh ? "---|" : "") + "---|---|---|---|---|\n");
    for (Row r : rows) {
      Map<String, Double> mon = r.monitors();
      b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s | %s%s | %s | %s | %s | %s |%n",
          r.method(), r.runs(), interval(r.late()), interval(r.all()), Double.isNaN(r.referenceBetter().point()) ? "–"
              : interval(r.referenceBetter()), sci(r.mannWhitneyP()), num(r.mdd()), interval(r.loss()),
          fresh ? interval(r.freshGap()) + " | " : "",
          num(mon.get("plasticity/dormant_frac")),
          num(mon.get("plasticity/revived_frac")), num(mon.get("plasticity/ntk_erank")),
          sci(mon.get(rel ? "plasticity/ntk_cond_rel" : "plasticity/ntk_cond")), sci(mon.get("gap"))));
    }
    b.append("\nMade by:\n\n```\n");
    for (String c : data.results().commands()) {
      b.append(c).append('\n');
    }
    b.append("```\n");
    return b.toString();
  }

  private static String interval(StratifiedBootstrap.Interval i) {
    return String.format(Locale.ROOT, "%s [%s, %s]", num(i.point()), num(i.lower()), num(i.upper()));
  }

  private static String num(Double v) {
    if (v == null || Double.isNaN(v)) {
      return "–";
    }
    double a = Math.abs(v);
    return a != 0 && (a >= 1e4 || a < 1e-3) ? sci(v) : String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.3f", v);
  }

  private static String sci(Double v) {
    return v == null || Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2g", v);
  }

  private static StratifiedBootstrap.Interval sign(StratifiedBootstrap.Interval i, boolean higherIsBetter) {
    return higherIsBetter ? i : new StratifiedBootstrap.Interval(-i.point(), -i.upper(), -i.lower());
  }

  private static double[] negate(double[] s) {
    double[] c = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      c[i] = -s[i];
    }
    return c;
  }

  private static boolean allFinite(double[] s) {
    for (double v : s) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
