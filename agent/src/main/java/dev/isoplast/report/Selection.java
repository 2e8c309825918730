package dev.isoplast.report;

import dev.isoplast.sweeps.SweepSpec;
import dev.isoplast.sweeps.TuningPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The selection step of {@code sweep --tune} (DESIGN.md §14, docs/sweeps.md): which setting of its
 * grid each method runs on the held-out seeds, by the criterion fixed before the run
 * ({@link TuningPlan#CRITERION}). {@link #select} is a pure function of the tuning runs' scores;
 * {@link #tuningRuns} reads the tuning stage's run directories and nothing else, so the held-out
 * runs cannot enter the choice (they do not exist until {@code selection.json} is written).
 */
public final class Selection {

  private Selection() {}

  /** The IQM's cut at each end. */
  static final double TRIM = 0.25;

  /** One finished tuning run: its method, setting, seed and criterion score ({@link #runScore}). */
  public record TuningRun(String method, Map<String, String> setting, long seed, double score) {}

  /** One setting of a method's grid: its tuning runs' scores in seed order and their IQM. */
  public record Scored(Map<String, String> setting, double[] scores, double iqm) {}

  /** A method's choice: the index of the selected setting in its grid, and every setting's score. */
  public record Choice(String method, int index, List<Scored> grid) {
    public Map<String, String> setting() {
      return grid.get(index).setting();
    }

    public double score() {
      return grid.get(index).iqm();
    }
  }

  /**
   * A run's criterion score: the mean of its per-segment scores (tasks or phases), negated when a
   * lower score is better (a loss), so that higher is always better; a non-finite mean (a run that
   * diverged) counts as −∞, the worst.
   */
  public static double runScore(double[] segmentScores, boolean higherIsBetter) {
    if (segmentScores.length == 0) {
      return Double.NEGATIVE_INFINITY;
    }
    double s = 0;
    for (double v : segmentScores) {
      s += v;
    }
    double mean = s / segmentScores.length;
    double score = higherIsBetter ? mean : -mean;
    return Double.isFinite(score) ? score : Double.NEGATIVE_INFINITY;
  }

  /**
   * The selection: per method of {@code grids} (in its order), each setting's IQM (25% trimmed
   * mean, {@link Statistics#trimMean}) over its tuning runs' scores; the highest wins, ties to the
   * first in grid order. A pure function of its arguments: the same runs in any order give the same
   * choice. Every setting needs at least one run.
   */
  public static Map<String, Choice> select(Map<String, List<Map<String, String>>> grids, List<TuningRun> runs) {
    Map<String, Choice> out = new LinkedHashMap<>();
    for (var e : grids.entrySet()) {
      String method = e.getKey();
      List<Scored> scored = new ArrayList<>();
      int best = -1;
      for (Map<String, String> setting : e.getValue()) {
        double[] s = runs.stream().filter(r -> r.method().equals(method) && r.setting().equals(setting))
            .sorted(java.util.Comparator.comparingLong(TuningRun::seed)).mapToDouble(TuningRun::score).toArray();
        if (s.length == 0) {
          throw new IllegalArgumentException("no finished tuning run of " + method + " at " + setting);
        }
        double iqm = Statistics.trimMean(s, TRIM);
        scored.add(new Scored(setting, s, iqm));
        if (best < 0 || iqm > scored.get(best).iqm()) {
          best = scored.size() - 1;
        }
      }
      out.put(method, new Choice(method, best, List.copyOf(scored)));
    }
    return out;
  }

  /**
   * The tuning runs of {@code tuneSpec}'s cells, read from their run directories under
   * {@code tuneDir} alone; a cell that has not completed is an error naming it.
   */
  public static List<TuningRun> tuningRuns(Path tuneDir, SweepSpec tuneSpec) {
    List<TuningRun> out = new ArrayList<>();
    for (SweepSpec.Cell c : tuneSpec.cells()) {
      RunRecord r = RunRecord.read(tuneDir.resolve(c.runDir()), c.method(), c.seed(), null);
      if (!r.completed()) {
        throw new IllegalArgumentException("tuning cell " + c.runDir() + " has not completed (status " + r.status()
            + "): no selection before every tuning cell has finished");
      }
      out.add(new TuningRun(c.method(), c.setting(), c.seed(), runScore(r.scores(), r.higherIsBetter())));
    }
    return out;
  }

  /** selection.json: the criterion, the tuning seeds, and per method its choice and every setting's score. */
  public static Map<String, Object> toJson(TuningPlan plan, Map<String, Choice> choices) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", 1);
    m.put("criterion", TuningPlan.CRITERION);
    m.put("tune_seeds", plan.tuneSeeds());
    Map<String, Object> methods = new LinkedHashMap<>();
    choices.forEach((method, c) -> {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("setting", c.setting());
      x.put("index", c.index());
      x.put("score", finiteOrText(c.score()));
      List<Map<String, Object>> grid = new ArrayList<>();
      for (Scored s : c.grid()) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("setting", s.setting());
        g.put("runs", s.scores().length);
        g.put("iqm", finiteOrText(s.iqm()));
        List<Object> scores = new ArrayList<>();
        for (double v : s.scores()) {
          scores.add(finiteOrText(v));
        }
        g.put("run_scores", scores);
        grid.add(g);
      }
      x.put("grid", grid);
      methods.put(method, x);
    });
    m.put("methods", methods);
    return m;
  }

  /**
   * The selection of a tuned sweep directory: from its {@code selection.json} when written, else
   * computed from the tuning runs (every tuning cell finished) and written atomically, before any
   * held-out cell runs. Returns method to selected setting.
   */
  public static Map<String, Map<String, String>> selectOrRead(Path sweepDir, TuningPlan plan) {
    Path f = sweepDir.resolve(TuningPlan.SELECTION_FILE);
    if (!Files.isRegularFile(f)) {
      Map<String, Choice> choices = select(plan.grids(), tuningRuns(sweepDir.resolve(TuningPlan.TUNE_DIR),
          plan.tuneSpec()));
      TuningPlan.writeJson(f, toJson(plan, choices));
    }
    return read(sweepDir);
  }

  /** Method to selected setting from a sweep directory's selection.json, or null when there is none. */
  public static Map<String, Map<String, String>> read(Path sweepDir) {
    Path f = sweepDir.resolve(TuningPlan.SELECTION_FILE);
    if (!Files.isRegularFile(f)) {
      return null;
    }
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    TuningPlan.readJson(f).path("methods").fields().forEachRemaining(e -> {
      Map<String, String> s = new LinkedHashMap<>();
      e.getValue().path("setting").fields().forEachRemaining(kv -> s.put(kv.getKey(), kv.getValue().asText()));
      out.put(e.getKey(), s);
    });
    return out;
  }

  private static Object finiteOrText(double v) {
    return Double.isFinite(v) ? (Object) v : String.valueOf(v);
  }
}
