package dev.isoplast.report;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code isoplast report DIR}: {@code report.html} and its PNG plots (in {@code plots/}) for a
 * sweep directory, a run directory or a directory of run directories. What it shows and how the
 * numbers are computed: {@link Figures} (IQM, plasticity ratio and probability of improvement with
 * intervals from resampling whole runs), {@link Curves} (means over seeds with 95% bands), docs/sweeps.md.
 * The page is static: inline CSS, relative image paths, no script and no network fetch, so it
 * opens from {@code file://}.
 */
public final class Report {

  /** Grid points of the return curve. */
  static final int CURVE_POINTS = 100;

  /** The report's file name inside DIR. */
  public static final String FILE = "report.html";

  /** The folder of the plots inside DIR. */
  public static final String PLOTS = "plots";

  /** A plot of the report: its file (relative to DIR), what it shows, and how to read it. */
  public record Plot(String file, String heading, String caption) {}

  /**
   * What a report holds, computed from the runs; {@link #write} renders it.
   *
   * @param runs the runs on the report's benchmark
   * @param segmentName phase, task, or run
   * @param segments segments per counted run
   * @param figures per method (those with completed runs)
   * @param curves the main curve per legend label (method, or "method (unfinished)")
   * @param boundaries steps at which phases / tasks start (after the first)
   */
  public record Data(SweepResults results, String benchmark, RunRecord.Kind kind, String scoreName,
      boolean higherIsBetter, List<RunRecord> runs, List<String> methods, Map<String, Integer> colours,
      String segmentName, int segments, Map<String, Figures.MethodFigures> figures, Map<String, Curves.Band> curves,
      List<Charts.Boundary> boundaries, Map<String, Map<String, Curves.Band>> monitors, List<String> notes) {

    /** The last step of the longest run: the x range of every plot over steps. */
    public long steps() {
      return runs.stream().mapToLong(RunRecord::totalSteps).max().orElse(0);
    }
  }

  private Report() {}

  /** Computes the report's numbers and curves (no files written). */
  public static Data compute(SweepResults results, StratifiedBootstrap bootstrap) {
    List<String> notes = new ArrayList<>(results.notes());
    // the benchmark most runs share; others are named and left out
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (RunRecord r : results.runs()) {
      counts.merge(r.kind() + " " + r.benchmark(), 1, Integer::sum);
    }
    String key = counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    List<RunRecord> runs = new ArrayList<>();
    for (RunRecord r : results.runs()) {
      if ((r.kind() + " " + r.benchmark()).equals(key)) {
        runs.add(r);
      } else {
        notes.add(r.label() + " is on another benchmark (" + r.benchmark() + "): left out");
      }
    }
    if (runs.isEmpty()) {
      return new Data(results, "-", RunRecord.Kind.SINGLE, "final mean return", true, runs, List.of(), Map.of(), "run",
          0, Map.of(), Map.of(), List.of(), Map.of(), notes);
    }
    RunRecord first = runs.get(0);
    RunRecord.Kind kind = first.kind();
    String scoreName = first.scoreName();
    boolean higher = first.higherIsBetter();
    String segmentName = kind == RunRecord.Kind.SCENARIO ? "phase" : kind == RunRecord.Kind.TASKS ? "task" : "run";

    List<String> methods = new ArrayList<>();
    Map<String, Integer> colours = new LinkedHashMap<>();
    for (String m : results.methods()) {
      colours.put(m, colours.size());
      if (runs.stream().anyMatch(r -> r.method().equals(m))) {
        methods.add(m);
      }
    }
    Map<String, List<RunRecord>> completed = new LinkedHashMap<>();
    for (String m : methods) {
      List<RunRecord> c = runs.stream().filter(r -> r.method().equals(m) && r.completed()).toList();
      if (!c.isEmpty()) {
        completed.put(m, c);
      }
    }
    int segments = modeSegmentCount(completed);
    Map<String, Figures.MethodFigures> figures = segments == 0 ? Map.of()
        : Figures.compute(completed, segments, higher, bootstrap, notes);

    // runs drawn per method: the completed ones, else the unfinished ones (labelled so)
    Map<String, List<RunRecord>> drawn = new LinkedHashMap<>();
    for (String m : methods) {
      List<RunRecord> c = completed.get(m);
      if (c != null) {
        drawn.put(m, c);
      } else {
        drawn.put(m + " (unfinished)", runs.stream().filter(r -> r.method().equals(m)).toList());
        colours.put(m + " (unfinished)", colours.get(m));
      }
    }
    RunRecord reference = completed.values().stream().flatMap(List::stream).findFirst().orElse(first);
    List<Charts.Boundary> boundaries = new ArrayList<>();
    long[] starts = reference.segments().stream().mapToLong(RunRecord.Segment::startStep).toArray();
    for (int k = 1; k < reference.segments().size(); k++) {
      if (starts[k] > 0) {
        boundaries.add(new Charts.Boundary(starts[k], segmentName + " " + reference.segments().get(k).index()));
      }
    }

    Map<String, Curves.Band> curves = new LinkedHashMap<>();
    if (kind == RunRecord.Kind.TASKS) {
      for (var e : drawn.entrySet()) {
        int n = e.getValue().stream().mapToInt(r -> r.segments().size()).max().orElse(0);
        double[] x = new double[n];
        for (int k = 0; k < n; k++) {
          x[k] = k;
        }
        double[][] per = e.getValue().stream().map(r -> padded(r.scores(), n)).toArray(double[][]::new);
        if (n > 0) {
          curves.put(e.getKey(), Curves.meanBand(x, per));
        }
      }
    } else {
      long end = runs.stream().mapToLong(RunRecord::totalSteps).max().orElse(0);
      double[] grid = Curves.grid(end, CURVE_POINTS);
      for (var e : drawn.entrySet()) {
        double[][] per = e.getValue().stream().map(r -> returnCurve(r, grid)).toArray(double[][]::new);
        curves.put(e.getKey(), Curves.meanBand(grid, per));
      }
    }

    // monitors: every key any drawn run logged, the body gaps sorted by network
    Map<String, Map<String, Curves.Band>> monitors = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>(RunRecord.MONITOR_KEYS);
    TreeMap<String, Boolean> gaps = new TreeMap<>();
    drawn.values().forEach(l -> l.forEach(r -> r.series().keySet().stream()
        .filter(k -> RunRecord.BODY_GAP.matcher(k).matches()).forEach(k -> gaps.put(k, true))));
    keys.addAll(gaps.keySet());
    for (String k : keys) {
      Map<String, Curves.Band> perMethod = new LinkedHashMap<>();
      for (var e : drawn.entrySet()) {
        List<RunRecord> with = e.getValue().stream().filter(r -> r.series().containsKey(k)).toList();
        if (with.isEmpty()) {
          continue;
        }
        double[] grid = Curves.unionGrid(with.stream().map(r -> r.series().get(k).steps()).toList());
        double[][] per = with.stream().map(r -> {
          RunRecord.Series s = r.series().get(k);
          double[] v = Curves.carryForward(s.steps(), s.values(), grid, end(r));
          return k.startsWith("plasticity/ntk_cond") ? Curves.log10(v) : v;
        }).toArray(double[][]::new);
        perMethod.put(e.getKey(), Curves.meanBand(grid, per));
      }
      if (!perMethod.isEmpty()) {
        monitors.put(k, perMethod);
      }
    }
    return new Data(results, first.benchmark(), kind, scoreName, higher, runs, methods, colours, segmentName, segments,
        figures, curves, boundaries, monitors, notes);
  }

  /** Writes report.html and the plots into {@code dir}; returns the page's path. */
  public static Path write(Data data, Path dir) {
    return write(data, dir, null);
  }

  /**
   * Writes report.html and the plots into {@code dir}, with a tuned sweep's tuning section
   * ({@link Sensitivity}; null for none) after the final figures; returns the page's path.
   */
  public static Path write(Data data, Path dir, Sensitivity.Data tuning) {
    Path plots = dir.resolve(PLOTS);
    removeOldPlots(plots); // a rewritten report must not leave the plots of an earlier one beside it
    List<Plot> main = new ArrayList<>();
    List<Plot> monitorPlots = new ArrayList<>();
    String seeds = "mean over seeds, 95% band";
    if (!data.curves().isEmpty()) {
      if (data.kind() == RunRecord.Kind.TASKS) {
        Charts.bands(plots.resolve("curve.png"), cap(data.scoreName()) + " of each task on " + data.benchmark() + " ("
            + seeds + ")", "task", data.scoreName(), data.curves(), data.colours(), List.of(), false, 0);
        main.add(new Plot(PLOTS + "/curve.png", cap(data.scoreName()) + " over the task sequence",
            "Each point: a task's " + data.scoreName() + " as its summary.json reports it (Permuted MNIST: online "
                + "accuracy over the task; Random-Label MNIST: training accuracy after it; the regression: the "
                + "window's online squared error; docs/continual.md), averaged over the seeds of a method; the band "
                + "is the 95% bootstrap interval of that mean (seeds resampled)."));
      } else {
        String y = data.kind() == RunRecord.Kind.SCENARIO ? "return (mean of last 20 episodes in the phase)"
            : "return (mean of last 20 episodes)";
        Charts.bands(plots.resolve("return.png"), "Training return on " + data.benchmark() + " (" + seeds + ")",
            "env steps", y, data.curves(), data.colours(), data.boundaries(), false, data.steps());
        main.add(new Plot(PLOTS + "/return.png", "Return over training",
            "At each of " + CURVE_POINTS + " steps, each run's mean return over its last 20 finished episodes "
                + (data.kind() == RunRecord.Kind.SCENARIO ? "of the current phase (so the curve drops at a switch; "
                + "at a phase's end it is the phase's final_mean_return)" : "")
                + "; the line is the mean over seeds, the band its 95% bootstrap interval (seeds resampled). Dashed lines: "
                + data.segmentName() + " boundaries. Methods whose curves coincide (the same seeds before a method "
                + "makes a difference) are drawn as nested lines, the first method widest."));
      }
    }
    if (data.segments() > 1 && !data.figures().isEmpty()) {
      Map<String, List<StratifiedBootstrap.Interval>> per = new LinkedHashMap<>();
      data.figures().forEach((m, f) -> per.put(m, f.perSegment()));
      String what = data.kind() == RunRecord.Kind.SCENARIO ? "final return" : data.scoreName();
      Charts.intervals(plots.resolve("per_segment.png"), cap(what) + " of each " + data.segmentName()
          + " (IQM over seeds, 95% bootstrap CI)", data.segmentName(),
          data.kind() == RunRecord.Kind.SCENARIO ? "final mean return (last 20 episodes)" : data.scoreName(), per,
          data.colours(), Double.NaN, null);
      main.add(new Plot(PLOTS + "/per_segment.png", cap(what) + " per " + data.segmentName() + ": IQM and 95% CI",
          "The IQM over seeds of each " + data.segmentName() + "'s " + (data.kind() == RunRecord.Kind.SCENARIO
              ? "final_mean_return" : data.scoreName()) + ", with its 95% percentile interval over runs. "
              + "Methods are shifted sideways so that their bars do not overlap."));
    }
    Map<String, List<StratifiedBootstrap.Interval>> ratios = new LinkedHashMap<>();
    data.figures().forEach((m, f) -> {
      if (f.perSegmentRatio().stream().anyMatch(i -> Double.isFinite(i.point()))) {
        ratios.put(m, f.perSegmentRatio());
      }
    });
    if (!ratios.isEmpty()) {
      Charts.intervals(plots.resolve("plasticity_ratio.png"), "Plasticity ratio of each phase (95% bootstrap CI)",
          "phase", "plasticity ratio (1 = fresh learner)", ratios, data.colours(), 1.0, null);
      main.add(new Plot(PLOTS + "/plasticity_ratio.png", "Plasticity ratio per phase",
          "IQM(R_continual − R_min) / IQM(R_fresh − R_min) over the seeds, R the phase's final mean return of the "
              + "continual learner and of a fresh learner trained on that phase alone (R_min: the env's lowest "
              + "return); 95% interval from resampling runs (a run's continual and fresh returns together). Below 1 (the dashed line): the continual learner ends the "
              + "phase worse than a fresh one."));
    }
    int i = 0;
    for (var e : data.monitors().entrySet()) {
      String k = e.getKey();
      String[] t = monitorText(k, data.segmentName());
      String file = PLOTS + "/monitor_" + (i++) + "_" + k.replaceAll("[^A-Za-z0-9]+", "_") + ".png";
      Charts.bands(dir.resolve(file), t[0] + " (" + seeds + ")", data.kind() == RunRecord.Kind.TASKS
          ? "examples trained on" : "env steps", t[1], e.getValue(), data.colours(),
          data.boundaries(), k.endsWith("_frac"), data.steps());
      monitorPlots.add(new Plot(file, t[0], t[2] + " Metric " + k + "; the mean over seeds of the last value logged "
          + "at or before each step, with its 95% bootstrap band."));
    }
    String tuningHtml = Sensitivity.label(data.results());
    if (tuning != null) {
      List<Plot> sensitivity = Sensitivity.plots(tuning, dir, data.colours(), data.higherIsBetter(), data.scoreName(),
          data.segmentName());
      tuningHtml = Sensitivity.html(tuning);
      main.addAll(0, sensitivity);
    }
    return ReportHtml.write(data, dir.resolve(FILE), main, monitorPlots, tuningHtml,
        Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }

  private static void removeOldPlots(Path plots) {
    if (!java.nio.file.Files.isDirectory(plots)) {
      return;
    }
    try (var files = java.nio.file.Files.list(plots)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".png")).toList()) {
        java.nio.file.Files.delete(f);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot clear " + plots + ": " + e.getMessage(), e);
    }
  }

  /** Title, axis label and explanation of a monitor plot. */
  static String[] monitorText(String key, String segment) {
    switch (key) {
      case "plasticity/dormant_frac":
        return new String[] {"Dormant units", "dormant fraction (τ = 0.025)",
            "Fraction of hidden units (all networks) whose dormancy score s_i = E|h_i| / mean_k E|h_k| is at most "
                + "0.025 on the probe batch (Sokar et al. 2023)."};
      case "plasticity/revived_frac":
        return new String[] {"Revived units", "revived fraction",
            "Of the units dormant at the previous measurement, the fraction active now (the paper's mechanism). "
                + "A spike right after a " + segment + " switch comes partly from the probe batch, which is redrawn "
                + "from the new " + segment + "'s inputs then (docs/monitors.md)."};
      case "plasticity/reset_frac":
        return new String[] {"Units reset by the method", "reset fraction",
            "Fraction of hidden units that the method itself re-initialised since the previous measurement (ReDo, "
                + "CBP, resets); the revived fraction leaves these out (docs/monitors.md)."};
      case "plasticity/ntk_cond_rel":
        return new String[] {"NTK condition number (relative floor)", "log10 condition number, λ ≥ 10⁻⁶ λ_max",
            "λ_max/λ_min over the eigenvalues of the empirical NTK at least 10⁻⁶ λ_max (RL: the policy network's), "
                + "averaged over seeds as log10: unlike the plain condition number it does not sit at float64's "
                + "ceiling when the spectrum runs down to round-off; read it with the effective rank."};
      case "plasticity/ntk_erank":
        return new String[] {"NTK effective rank", "effective rank of the empirical NTK",
            "exp(entropy) of the normalised eigenvalues of the empirical NTK on the probe batch (RL: the policy network's)."};
      case "plasticity/ntk_cond":
        return new String[] {"NTK condition number", "log10 condition number",
            "λ_max/λ_min of the empirical NTK (RL: the policy network's; eigenvalues above the float64 precision floor), "
                + "averaged over seeds as log10. Runs made before the NTK moved to float64 saturate near 3.3·10⁴ "
                + "(log10 ≈ 4.5, the float32 cap at B = 256 probes: docs/monitors.md); values there do not "
                + "separate methods."};
      default:
        String net = key.substring("isometry/".length(), key.indexOf(".body/"));
        return new String[] {"Isometry gap of the " + net + " body", "E[(σ − 1)²] of the body Jacobian",
            "Mean squared distance from 1 of the singular values of the " + net + " body's input-output Jacobian on "
                + "the probes (0 = isometric)."};
    }
  }

  /** A run's return curve on {@code grid} ({@link Curves#trailingPhaseMean}). */
  static double[] returnCurve(RunRecord r, double[] grid) {
    int n = r.episodes().size();
    long[] steps = new long[n];
    int[] phases = new int[n];
    double[] ret = new double[n];
    for (int i = 0; i < n; i++) {
      RunRecord.Episode e = r.episodes().get(i);
      steps[i] = e.step();
      phases[i] = e.phase();
      ret[i] = e.ret();
    }
    long[] starts = r.kind() == RunRecord.Kind.SCENARIO
        ? r.segments().stream().mapToLong(RunRecord.Segment::startStep).toArray() : new long[0];
    if (r.kind() == RunRecord.Kind.SCENARIO && starts.length == 0) {
      starts = phaseStartsFromEpisodes(phases, steps); // an unfinished run without a summary
    }
    return Curves.trailingPhaseMean(steps, phases, ret, starts, grid, end(r), Curves.WINDOW);
  }

  private static long[] phaseStartsFromEpisodes(int[] phases, long[] steps) {
    List<Long> s = new ArrayList<>();
    int last = -1;
    for (int i = 0; i < phases.length; i++) {
      while (phases[i] > last) {
        last++;
        s.add(last == 0 ? 0 : steps[i]);
      }
    }
    return s.stream().mapToLong(Long::longValue).toArray();
  }

  /** The last step a run reached. */
  private static long end(RunRecord r) {
    long e = r.completed() ? r.totalSteps() : 0;
    for (RunRecord.Episode ep : r.episodes()) {
      e = Math.max(e, ep.step());
    }
    for (RunRecord.Series s : r.series().values()) {
      if (s.steps().length > 0) {
        e = Math.max(e, s.steps()[s.steps().length - 1]);
      }
    }
    return e;
  }

  private static int modeSegmentCount(Map<String, List<RunRecord>> completed) {
    Map<Integer, Integer> c = new HashMap<>();
    completed.values().forEach(l -> l.forEach(r -> c.merge(r.segments().size(), 1, Integer::sum)));
    return c.entrySet().stream().filter(e -> e.getKey() > 0)
        .max(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey).orElse(0);
  }

  private static double[] padded(double[] v, int n) {
    double[] out = new double[n];
    java.util.Arrays.fill(out, Double.NaN);
    System.arraycopy(v, 0, out, 0, Math.min(n, v.length));
    return out;
  }

  static String cap(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
