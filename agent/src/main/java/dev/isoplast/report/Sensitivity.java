package dev.isoplast.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.config.Knob;
import dev.isoplast.sweeps.SweepIndex;
import dev.isoplast.sweeps.SweepSpec;
import dev.isoplast.sweeps.TuningPlan;
import java.awt.BasicStroke;
import java.awt.Font;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.annotations.XYPointerAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;
import org.jfree.data.general.DatasetUtils;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The tuning section of a tuned sweep's report ({@code sweep --tune}, DESIGN.md §14): per method,
 * the criterion's score (each tuning run's mean over tasks/phases, {@link Selection#runScore})
 * against its knob's values, as the IQM over the tuning runs with a 95% interval from resampling
 * whole runs (a {@link StratifiedBootstrap} on the n×1 matrix of per-run scores), the selected
 * setting marked; one plot per knob (methods sharing a knob share its plot), on a log axis where
 * the grid is log-spaced ({@link Knob#logSpaced}); and a table naming each selection.
 */
public final class Sensitivity {

  private Sensitivity() {}

  /** One setting: its knob value, the IQM of its tuning runs' scores with its interval, and whether it was selected. */
  public record Point(String value, double x, StratifiedBootstrap.Interval iqm, int runs, boolean selected) {}

  /** A method's points along its knob, in grid order. */
  public record Curve(String method, String knob, List<Point> points) {}

  /**
   * What the section shows.
   *
   * @param notes why part of it is missing (an unfinished tuning stage)
   */
  public record Data(List<Curve> curves, List<Long> tuneSeeds, List<Long> heldoutSeeds, String criterion,
      List<String> notes) {}

  /**
   * What a sweep's report says under its figures when it is no tuned sweep's (DESIGN.md §14: a
   * result at the preset is labelled so): "at the preset" for an ordinary sweep, "a stage" for one
   * stage of a tuned sweep reported alone; null for runs that are no sweep.
   */
  static String label(SweepResults r) {
    if (!r.isSweep()) {
      return null;
    }
    Map<String, Object> index = SweepIndex.readMerged(r.dir());
    boolean stage = index != null && index.get("spec") instanceof Map<?, ?> spec && spec.get("grid") != null;
    return stage ? "<p class=\"small\" id=\"stage\">A stage of a tuned sweep: each run at one setting of its "
        + "method's grid (the cell names say which). <code>isoplast report</code> on the tuned sweep's directory "
        + "compares the held-out runs and plots the sensitivity.</p>\n"
        : "<p class=\"small\" id=\"at-preset\">Results at the preset: every method ran with its preset's "
        + "hyper-parameters (and the sweep's <code>set</code>), untuned. <code>sweep --tune</code> gives every "
        + "method the same tuning budget and compares held-out seeds (docs/sweeps.md).</p>\n";
  }

  /** Whether {@code dir} is a tuned sweep directory (it holds tune.json). */
  public static boolean isTuned(Path dir) {
    return Files.isRegularFile(dir.resolve(TuningPlan.PLAN_FILE));
  }

  /**
   * The section's numbers for the tuned sweep in {@code dir}: the tuning stage's cells (its
   * sweep.json) and runs, and selection.json; nothing of the held-out stage.
   */
  public static Data compute(Path dir, StratifiedBootstrap bootstrap) {
    JsonNode plan = TuningPlan.readJson(dir.resolve(TuningPlan.PLAN_FILE)).path("plan");
    List<Long> tune = longs(plan.path("tune_seeds"));
    List<Long> heldout = longs(plan.path("heldout_seeds"));
    String criterion = plan.path("criterion").asText(TuningPlan.CRITERION);
    List<String> notes = new ArrayList<>();
    Path tuneDir = dir.resolve(TuningPlan.TUNE_DIR);
    Map<String, Object> index = SweepIndex.readMerged(tuneDir);
    Map<String, Map<String, String>> selected = Selection.read(dir);
    if (index == null || !(index.get("spec") instanceof Map<?, ?> spec) || selected == null) {
      notes.add("the tuning stage has not finished (no " + TuningPlan.SELECTION_FILE + "): no sensitivity plot yet");
      return new Data(List.of(), tune, heldout, criterion, notes);
    }
    @SuppressWarnings("unchecked")
    SweepSpec tuneSpec = SweepSpec.fromEntries((Map<String, Object>) spec, tuneDir + "/" + SweepIndex.FILE);
    List<Selection.TuningRun> runs = Selection.tuningRuns(tuneDir, tuneSpec);
    List<Curve> curves = new ArrayList<>();
    for (var e : Selection.select(tuneSpec.grid(), runs).entrySet()) {
      Selection.Choice c = e.getValue();
      List<Point> points = new ArrayList<>();
      String knob = String.join(", ", c.setting().keySet());
      for (int i = 0; i < c.grid().size(); i++) {
        Selection.Scored s = c.grid().get(i);
        String value = String.join(", ", s.setting().values());
        double[][] perRun = new double[s.scores().length][1];
        for (int r = 0; r < perRun.length; r++) {
          perRun[r][0] = s.scores()[r];
        }
        boolean finite = java.util.Arrays.stream(s.scores()).allMatch(Double::isFinite);
        StratifiedBootstrap.Interval iv = finite ? bootstrap.iqm(perRun)
            : new StratifiedBootstrap.Interval(s.iqm(), Double.NaN, Double.NaN);
        points.add(new Point(value, number(value, i), iv, perRun.length,
            s.setting().equals(selected.get(e.getKey()))));
      }
      curves.add(new Curve(e.getKey(), knob, points));
    }
    return new Data(curves, tune, heldout, criterion, notes);
  }

  /** Draws one plot per knob into the report's plots; returns them for the page (files relative to the report). */
  static List<Report.Plot> plots(Data d, Path reportDir, Map<String, Integer> colours, boolean higherIsBetter,
      String scoreName, String segmentName) {
    Map<String, List<Curve>> byKnob = new LinkedHashMap<>();
    d.curves().forEach(c -> byKnob.computeIfAbsent(c.knob(), k -> new ArrayList<>()).add(c));
    List<Report.Plot> out = new ArrayList<>();
    String y = (higherIsBetter ? "" : "−") + scoreName + ", mean over " + segmentName + "s";
    for (var e : byKnob.entrySet()) {
      String file = Report.PLOTS + "/sensitivity_" + e.getKey().replaceAll("[^A-Za-z0-9]+", "_") + ".png";
      draw(reportDir.resolve(file), e.getKey(), e.getValue(), colours, y);
      List<String> who = e.getValue().stream().map(Curve::method).toList();
      out.add(new Report.Plot(file, "Sensitivity to " + e.getKey() + " (" + String.join(", ", who) + ")",
          "Each point: a setting of the grid, scored by the selection criterion on the tuning seeds " + d.tuneSeeds()
              + " (each run's " + scoreName + " averaged over its " + segmentName + "s" + (higherIsBetter ? ""
              : ", negated so that higher is better")
              + "), the IQM over the runs with its 95% percentile interval from resampling whole runs. The arrow "
              + "marks the selected setting, the one the held-out seeds ran."));
    }
    return out;
  }

  private static void draw(Path png, String knob, List<Curve> curves, Map<String, Integer> colours, String yLabel) {
    boolean log = curves.stream().allMatch(c -> Knob.logSpaced(c.points().stream().map(Point::x).toList()));
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    List<XYPointerAnnotation> marks = new ArrayList<>();
    int m = curves.size();
    for (int k = 0; k < m; k++) {
      Curve c = curves.get(k);
      YIntervalSeries s = new YIntervalSeries(c.method(), false, true);
      double shift = m == 1 ? 0 : (k - (m - 1) / 2.0) * 0.04; // sideways, so that bars of one value do not overlap
      double span = c.points().stream().mapToDouble(Point::x).max().orElse(1)
          - c.points().stream().mapToDouble(Point::x).min().orElse(0);
      for (int j = 0; j < c.points().size(); j++) {
        Point p = c.points().get(j);
        if (!Double.isFinite(p.iqm().point())) {
          continue;
        }
        double x = log ? p.x() * Math.pow(10, shift) : p.x() + shift * Math.max(span, 1);
        boolean bar = Double.isFinite(p.iqm().lower()) && Double.isFinite(p.iqm().upper());
        s.add(x, p.iqm().point(), bar ? p.iqm().lower() : p.iqm().point(), bar ? p.iqm().upper() : p.iqm().point());
        if (p.selected()) {
          boolean right = 2 * j < c.points().size(); // the label below the point, towards the middle of the plot
          XYPointerAnnotation a = new XYPointerAnnotation("selected: " + c.method(), x, p.iqm().point(),
              right ? Math.PI / 4 : 3 * Math.PI / 4);
          a.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
          a.setPaint(Charts.colour(colours.getOrDefault(c.method(), k)));
          a.setArrowPaint(Charts.colour(colours.getOrDefault(c.method(), k)));
          a.setTextAnchor(right ? TextAnchor.TOP_LEFT : TextAnchor.TOP_RIGHT);
          a.setBaseRadius(24 + 20 * k); // methods sharing a plot (and maybe a selected value) get labels apart
          a.setTipRadius(6);
          marks.add(a);
        }
      }
      data.addSeries(s);
    }
    XYErrorRenderer r = Charts.errorBars();
    for (int i = 0; i < m; i++) {
      int style = colours.getOrDefault(curves.get(i).method(), i);
      r.setSeriesPaint(i, Charts.colour(style));
      r.setSeriesStroke(i, new BasicStroke(1.4f));
      r.setSeriesShape(i, Charts.marker(style));
    }
    ValueAxis x;
    if (log) {
      LogAxis la = new LogAxis(knob + " (log scale)");
      la.setBase(10);
      la.setSmallestValue(1e-12);
      la.setTickUnit(new NumberTickUnit(1.0)); // a tick per decade, labelled 1E-4 rather than 10^-4.0
      la.setNumberFormatOverride(new java.text.DecimalFormat("0.#E0",
          java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT)));
      la.setMinorTickMarksVisible(true);
      x = la;
    } else {
      x = Charts.axis(knob, false);
    }
    x.setLowerMargin(0.04);
    x.setUpperMargin(0.04);
    NumberAxis yAxis = Charts.axis(yLabel, true);
    yAxis.setLowerMargin(0.2); // room for the "selected" labels under their points
    Range range = DatasetUtils.findRangeBounds(data, true);
    if (range != null) { // settings that all score alike: a readable span around them instead of ±5e-9
      double top = Math.max(Math.abs(range.getLowerBound()), Math.abs(range.getUpperBound()));
      yAxis.setAutoRangeMinimumSize(Math.max(0.1 * top, 0.01));
    }
    XYPlot plot = new XYPlot(data, x, yAxis, r);
    Charts.style(plot);
    marks.forEach(plot::addAnnotation);
    Charts.write(png, Charts.chart("Sensitivity to " + knob + " (tuning seeds; IQM, 95% CI)", plot));
  }

  /**
   * The selection as Markdown, for {@code report --markdown} of a tuned sweep (after the study
   * table of the held-out runs): the seeds, the criterion and each method's selected setting.
   */
  public static String markdown(Data d, Map<String, Map<String, String>> selection) {
    StringBuilder b = new StringBuilder("\nTuned (sweep --tune): every method's grid on tuning seeds ")
        .append(d.tuneSeeds()).append(", the selection below run on held-out seeds ").append(d.heldoutSeeds())
        .append(" (the table above). Criterion: ").append(d.criterion()).append(".\n\n| method | selected |\n|---|---|\n");
    if (selection != null) {
      selection.forEach((method, setting) -> {
        StringBuilder s = new StringBuilder();
        setting.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        b.append("| ").append(method).append(" | ").append(s).append(" |\n");
      });
    }
    return b.toString();
  }

  /** The section's HTML: the protocol, and per method its grid with scores and the selection named. */
  static String html(Data d) {
    StringBuilder h = new StringBuilder();
    h.append("<h2 id=\"tuning\">Tuning: one budget for every method</h2>\n<p class=\"small\">The figures above are "
        + "the held-out runs (seeds ").append(d.heldoutSeeds()).append(") of each method at the setting selected "
        + "on the tuning seeds ").append(d.tuneSeeds()).append(", disjoint from them. Criterion, fixed before the "
        + "run: ").append(ReportHtml.esc(d.criterion())).append(".</p>\n");
    d.notes().forEach(n -> h.append("<p class=\"small\">").append(ReportHtml.esc(n)).append("</p>\n"));
    if (!d.curves().isEmpty()) {
      h.append("<table id=\"selection\">\n<thead><tr><th>method</th><th>knob</th><th>selected</th>"
          + "<th>tuning score of each setting: IQM [95% CI] (runs)</th></tr></thead>\n<tbody>\n");
      for (Curve c : d.curves()) {
        Point sel = c.points().stream().filter(Point::selected).findFirst().orElse(null);
        h.append("<tr><td>").append(ReportHtml.esc(c.method())).append("</td><td>").append(ReportHtml.esc(c.knob()))
            .append("</td><td><b>").append(sel == null ? "?" : ReportHtml.esc(sel.value())).append("</b></td><td>");
        for (Point p : c.points()) {
          h.append(p.selected() ? "<b>" : "").append(ReportHtml.esc(p.value())).append(": ")
              .append(ReportHtml.fmt(p.iqm().point()));
          if (Double.isFinite(p.iqm().lower())) {
            h.append(" <span class=\"ci\">[").append(ReportHtml.fmt(p.iqm().lower())).append(", ")
                .append(ReportHtml.fmt(p.iqm().upper())).append("]</span>");
          }
          h.append(" (").append(p.runs()).append(")").append(p.selected() ? "</b>" : "").append("<br>");
        }
        h.append("</td></tr>\n");
      }
      h.append("</tbody>\n</table>\n");
    }
    return h.toString();
  }

  private static double number(String value, int index) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return index; // a knob that is not a number: its position in the grid
    }
  }

  private static List<Long> longs(JsonNode a) {
    List<Long> out = new ArrayList<>();
    a.forEach(n -> out.add(n.asLong()));
    return out;
  }
}
