package dev.isoplast.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.sweeps.SweepSpec;
import dev.isoplast.sweeps.TuningPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The selection of {@code sweep --tune}: the criterion by hand, its purity (the same runs in any
 * order give the same choice), and that it reads the tuning runs alone (held-out runs unread).
 */
class SelectionTest {

  @TempDir
  Path tmp;

  private static Map<String, String> s(String key, String value) {
    return Map.of(key, value);
  }

  private static Selection.TuningRun run(String method, Map<String, String> setting, long seed, double score) {
    return new Selection.TuningRun(method, setting, seed, score);
  }

  @Test
  void aRunScoresTheMeanOfItsSegmentsNegatedForALossAndMinusInfinityWhenItDiverged() {
    assertEquals(0.5, Selection.runScore(new double[] {0.2, 0.6, 0.7}, true), 1e-15);
    assertEquals(-2.0, Selection.runScore(new double[] {1, 3}, false), 1e-15, "a loss: lower is better");
    assertEquals(Double.NEGATIVE_INFINITY, Selection.runScore(new double[] {0.9, Double.NaN}, true));
    assertEquals(Double.NEGATIVE_INFINITY, Selection.runScore(new double[] {1, Double.POSITIVE_INFINITY}, false));
    assertEquals(Double.NEGATIVE_INFINITY, Selection.runScore(new double[0], true));
  }

  @Test
  void theHighestIqmWinsAndTiesGoToTheFirstSettingInGridOrder() {
    Map<String, String> a0 = s("iso_coef", "1e-4");
    Map<String, String> a1 = s("iso_coef", "0.01");
    Map<String, String> a2 = s("iso_coef", "10");
    Map<String, String> b0 = s("learning_rate", "1e-4");
    Map<String, String> b1 = s("learning_rate", "1e-3");
    Map<String, List<Map<String, String>>> grids = new LinkedHashMap<>();
    grids.put("adamo", List.of(a0, a1, a2));
    grids.put("adam", List.of(b0, b1));
    List<Selection.TuningRun> runs = new ArrayList<>();
    // adamo at 1e-4: {1, 2, 3, 100}: IQM of four drops one at each end, (2 + 3) / 2 = 2.5 (the mean would be 26.5)
    double[] x0 = {1, 2, 3, 100};
    // at 0.01: {0, 3, 3, 3}: (3 + 3) / 2 = 3, the highest though its mean (2.25) is the lowest
    double[] x1 = {3, 0, 3, 3};
    // at 10: {2.9, 2.9, -inf, 50}: (2.9 + 2.9) / 2 = 2.9
    double[] x2 = {2.9, Double.NEGATIVE_INFINITY, 2.9, 50};
    for (int seed = 1; seed <= 4; seed++) {
      runs.add(run("adamo", a0, seed, x0[seed - 1]));
      runs.add(run("adamo", a1, seed, x1[seed - 1]));
      runs.add(run("adamo", a2, seed, x2[seed - 1]));
      runs.add(run("adam", b0, seed, 0.5)); // adam: a tie, 0.5 both
      runs.add(run("adam", b1, seed, 0.5));
    }
    Map<String, Selection.Choice> c = Selection.select(grids, runs);
    assertEquals(List.of("adamo", "adam"), new ArrayList<>(c.keySet()), "in the grids' order");
    assertEquals(1, c.get("adamo").index());
    assertEquals(a1, c.get("adamo").setting());
    assertEquals(2.5, c.get("adamo").grid().get(0).iqm(), 1e-15);
    assertEquals(3.0, c.get("adamo").score(), 1e-15);
    assertEquals(2.9, c.get("adamo").grid().get(2).iqm(), 1e-15);
    assertEquals(0, c.get("adam").index(), "a tie goes to the first setting");
    assertEquals(b0, c.get("adam").setting());

    // three runs per setting (the default tuning seeds): IQM of three trims nothing, the plain mean
    Map<String, List<Map<String, String>>> one = Map.of("adam", List.of(b0, b1));
    List<Selection.TuningRun> three = List.of(run("adam", b0, 1, 0.1), run("adam", b0, 2, 0.2), run("adam", b0, 3, 0.9),
        run("adam", b1, 1, 0.3), run("adam", b1, 2, 0.4), run("adam", b1, 3, 0.35));
    Selection.Choice adam = Selection.select(one, three).get("adam");
    assertEquals(0.4, adam.grid().get(0).iqm(), 1e-12);
    assertEquals(0.35, adam.grid().get(1).iqm(), 1e-12);
    assertEquals(b0, adam.setting());
  }

  @Test
  void selectionIsAPureFunctionOfTheTuningRunsInAnyOrder() {
    Map<String, List<Map<String, String>>> grids = new LinkedHashMap<>();
    List<Map<String, String>> g = new ArrayList<>();
    for (String v : List.of("1e-6", "1e-5", "1e-4", "1e-3", "0.01")) {
      g.add(s("cbp_rate", v));
    }
    grids.put("cbp", g);
    Random rng = new Random(7);
    List<Selection.TuningRun> runs = new ArrayList<>();
    for (Map<String, String> setting : g) {
      for (int seed = 1; seed <= 3; seed++) {
        runs.add(run("cbp", setting, seed, rng.nextDouble()));
      }
    }
    String first = describe(Selection.select(grids, runs));
    for (int k = 0; k < 5; k++) {
      List<Selection.TuningRun> shuffled = new ArrayList<>(runs);
      Collections.shuffle(shuffled, new Random(k));
      assertEquals(first, describe(Selection.select(grids, shuffled)));
    }
    assertEquals(first, describe(Selection.select(grids, runs)), "the same inputs, the same selection");
    List<Selection.TuningRun> missing = runs.subList(3, runs.size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Selection.select(grids, missing));
    assertTrue(e.getMessage().contains("no finished tuning run of cbp at {cbp_rate=1e-6}"), e.getMessage());
  }

  private static String describe(Map<String, Selection.Choice> c) {
    StringBuilder b = new StringBuilder();
    c.forEach((m, x) -> {
      b.append(m).append('=').append(x.index());
      x.grid().forEach(sc -> b.append(' ').append(sc.iqm()).append(java.util.Arrays.toString(sc.scores())));
    });
    return b.toString();
  }

  /** A finished supervised run with these task accuracies. */
  static void taskRun(Path dir, String method, long seed, double... accuracy) throws Exception {
    Files.createDirectories(dir);
    StringBuilder tasks = new StringBuilder();
    for (int t = 0; t < accuracy.length; t++) {
      tasks.append(t == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"task\": %d, \"accuracy\": %s}", t,
          accuracy[t]));
    }
    Files.writeString(dir.resolve("summary.json"), String.format(Locale.ROOT, "{\"task\": \"random-label-mnist\", "
        + "\"method\": \"%s\", \"seed\": %d, \"status\": \"completed\", \"tasks\": [%s]}", method, seed, tasks));
  }

  @Test
  void theSelectionReadsTheTuningRunsAloneAndIsWrittenOnceBeforeAnyHeldOutRun() throws Exception {
    SweepSpec base = new SweepSpec(new SweepSpec.TaskBenchmark("random-label-mnist", 2), null,
        List.of("adam", "adamo"), List.of(1L, 2L), Map.of(), null, null, 1);
    TuningPlan plan = TuningPlan.of(base, Map.of("tune_seeds", "1-2", "heldout_seeds", "101", "grid_size", 2), null);
    SweepSpec tune = plan.tuneSpec();
    assertEquals(8, tune.size());
    Path dir = tmp.resolve("tuned");
    Path tuneDir = dir.resolve(TuningPlan.TUNE_DIR);
    for (SweepSpec.Cell c : tune.cells()) {
      // adam is best at its small rate, adamo at its large iso_coef (the second setting of each)
      boolean second = c.setting().equals(plan.grids().get(c.method()).get(1));
      double base0 = c.method().equals("adam") ? (second ? 0.2 : 0.6) : (second ? 0.9 : 0.7);
      taskRun(tuneDir.resolve(c.runDir()), c.method(), c.seed(), base0 + 0.01 * c.seed(), base0 - 0.01 * c.seed());
    }
    // held-out runs that would reverse the choice if read, beside an index that is not JSON, in a directory no one
    // but root may read (reading either would change the answer or throw)
    Path heldout = dir.resolve(TuningPlan.HELDOUT_DIR);
    taskRun(heldout.resolve("adam__seed101"), "adam", 101, 0.0, 0.0);
    Files.writeString(heldout.resolve("sweep.json"), "{ not json");
    Files.setPosixFilePermissions(heldout, PosixFilePermissions.fromString("---------"));
    try {
      Map<String, Map<String, String>> selected = Selection.selectOrRead(dir, plan);
      assertEquals(Map.of("learning_rate", "1e-4"), selected.get("adam"));
      assertEquals(Map.of("iso_coef", "10"), selected.get("adamo"));
      assertTrue(Files.isRegularFile(dir.resolve(TuningPlan.SELECTION_FILE)));
      String json = Files.readString(dir.resolve(TuningPlan.SELECTION_FILE));
      assertTrue(json.contains(TuningPlan.CRITERION) && json.contains("\"tune_seeds\" : [ 1, 2 ]"), json);
      assertEquals(List.of(), Files.list(dir).filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());

      // written once: later tuning results do not change a selection already made (the held-out runs used it)
      taskRun(tuneDir.resolve(tune.cell(0).runDir()), "adam", 1, 5.0, 5.0);
      assertEquals(selected, Selection.selectOrRead(dir, plan));
      // and the pure function on the same directory's tuning runs alone gives the same answer without it
      Files.delete(dir.resolve(TuningPlan.SELECTION_FILE));
      taskRun(tuneDir.resolve(tune.cell(0).runDir()), "adam", 1, 0.61, 0.59);
      assertEquals(selected, Selection.selectOrRead(dir, plan));
    } finally {
      Files.setPosixFilePermissions(heldout, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void noSelectionBeforeEveryTuningCellHasCompleted() throws Exception {
    SweepSpec base = new SweepSpec(new SweepSpec.TaskBenchmark("random-label-mnist", 2), null, List.of("adam"),
        List.of(1L), Map.of(), null, null, 1);
    TuningPlan plan = TuningPlan.of(base, Map.of("grid_size", 2, "tune_seeds", "1"), null);
    Path dir = tmp.resolve("tuned");
    SweepSpec.Cell done = plan.tuneSpec().cell(0);
    taskRun(dir.resolve(TuningPlan.TUNE_DIR).resolve(done.runDir()), "adam", 1, 0.5, 0.5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Selection.selectOrRead(dir, plan));
    assertTrue(e.getMessage().contains("tuning cell adam__learning_rate=0.01__seed1 has not completed"), e.getMessage());
    assertFalse(Files.exists(dir.resolve(TuningPlan.SELECTION_FILE)));
  }
}
