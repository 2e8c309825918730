package dev.isoplast.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The study's table of one benchmark (docs/results.md): per method, the IQM of late performance
 * (the last {@link #LATE} of the phases or tasks) and of all of them, with 95% stratified-bootstrap
 * intervals (phases/tasks as the strata, Agarwal et al. 2021), the probability that the reference
 * method (AdamO) does better than it on the late phases, and the monitors over the same late
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

  /** One method's row. */
  public record Row(String method, int runs, StratifiedBootstrap.Interval late, StratifiedBootstrap.Interval all,
      StratifiedBootstrap.Interval referenceBetter, Map<String, Double> monitors) {}

  /** The late segments of a run with {@code segments} of them: the last ⌈LATE · segments⌉. */
  public static int lateCount(int segments) {
    return Math.max(1, (int) Math.ceil(LATE * segments - 1e-9));
  }

  /** The rows of the methods with statistics in {@code data}, in its order. */
  public static List<Row> compute(Report.Data data, StratifiedBootstrap bootstrap) {
    Map<String, double[][]> late = new LinkedHashMap<>();
    Map<String, double[][]> all = new LinkedHashMap<>();
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
      double[][] l = new double[runs.size()][];
      for (int n = 0; n < runs.size(); n++) {
        double[] s = runs.get(n).scores();
        a[n] = data.higherIsBetter() ? s.clone() : negate(s);
        l[n] = java.util.Arrays.copyOfRange(a[n], s.length - k, s.length);
      }
      late.put(method, l);
      all.put(method, a);
      used.put(method, runs);
    }
    double[][] ref = late.get(REFERENCE);
    List<Row> rows = new ArrayList<>();
    for (var e : used.entrySet()) {
      String m = e.getKey();
      StratifiedBootstrap.Interval lateI = sign(bootstrap.iqm(late.get(m)), data.higherIsBetter());
      StratifiedBootstrap.Interval allI = sign(bootstrap.iqm(all.get(m)), data.higherIsBetter());
      StratifiedBootstrap.Interval better = ref == null || m.equals(REFERENCE) ? Figures.NONE
          : bootstrap.probabilityOfImprovement(ref, late.get(m));
      rows.add(new Row(m, e.getValue().size(), lateI, allI, better, monitors(e.getValue())));
    }
    return rows;
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
    b.append(String.format(Locale.ROOT, "%s: %s per %s; late = the last %d of %d %ss; IQM with 95%% stratified-"
        + "bootstrap CIs; P = P(%s better than the method) on the late %ss.%n%n", data.benchmark(), data.scoreName(),
        seg, k, data.segments(), seg, REFERENCE, seg));
    b.append("| method | runs | IQM late [95% CI] | IQM all [95% CI] | P(adamo better) [95% CI] | dormant | revived "
        + "| NTK erank | NTK cond | body gap |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      Map<String, Double> mon = r.monitors();
      b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.method(), r.runs(),
          interval(r.late()), interval(r.all()), Double.isNaN(r.referenceBetter().point()) ? "–"
              : interval(r.referenceBetter()), num(mon.get("plasticity/dormant_frac")),
          num(mon.get("plasticity/revived_frac")), num(mon.get("plasticity/ntk_erank")),
          sci(mon.get("plasticity/ntk_cond")), sci(mon.get("gap"))));
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
