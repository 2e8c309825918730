package dev.isoplast.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.sweeps.SweepIndex;
import dev.isoplast.sweeps.SweepSpec;
import dev.isoplast.sweeps.TuningPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sensitivity section of a tuned sweep's report: each setting's IQM over its tuning runs with
 * an interval from resampling whole runs, the selected setting marked, a plot per knob.
 */
class SensitivityTest {

  @TempDir
  Path tmp;

  @Test
  void eachSettingGetsTheIqmOfItsRunsAnIntervalFromResamplingRunsAndTheSelectionIsMarked() throws Exception {
    SweepSpec base = new SweepSpec(new SweepSpec.TaskBenchmark("random-label-mnist", 2), null, List.of("adam"),
        List.of(1L), Map.of(), null, null, 1);
    TuningPlan plan = TuningPlan.of(base, Map.of("tune_seeds", "1-4", "heldout_seeds", "101", "grid_size", 3), null);
    Path dir = tmp.resolve("tuned");
    Files.createDirectories(dir);
    plan.writeOrCheck(dir, Map.of("task", "random-label-mnist", "methods", "adam", "tune", true));
    SweepSpec tune = plan.tuneSpec();
    // per setting (1e-4, 0.001, 0.01) and seed 1..4, each run's two tasks average to these scores
    double[][] scores = {{0.1, 0.2, 0.3, 0.9}, {0.5, 0.6, 0.4, 0.0}, {0.2, 0.2, 0.2, 0.2}};
    List<String> commands = new ArrayList<>();
    for (SweepSpec.Cell c : tune.cells()) {
      int setting = plan.grids().get("adam").indexOf(c.setting());
      double s = scores[setting][(int) c.seed() - 1];
      SelectionTest.taskRun(dir.resolve("tune").resolve(c.runDir()), "adam", c.seed(), s + 0.05, s - 0.05);
      commands.add("isoplast continual");
    }
    new SweepIndex(dir.resolve("tune"), tune, commands, null).write();
    Selection.selectOrRead(dir, plan);

    Sensitivity.Data d = Sensitivity.compute(dir, StratifiedBootstrap.withSeed(0));
    assertEquals(1, d.curves().size());
    Sensitivity.Curve c = d.curves().get(0);
    assertEquals("learning_rate", c.knob());
    assertEquals(List.of("1e-4", "0.001", "0.01"), c.points().stream().map(Sensitivity.Point::value).toList());
    // IQM of four runs: the middle two, (0.2 + 0.3) / 2, (0.4 + 0.5) / 2, 0.2
    double[] iqm = {0.25, 0.45, 0.2};
    for (int i = 0; i < 3; i++) {
      StratifiedBootstrap.Interval iv = c.points().get(i).iqm();
      assertEquals(iqm[i], iv.point(), 1e-9);
      assertEquals(4, c.points().get(i).runs());
      assertEquals(i == 1, c.points().get(i).selected(), "0.001 has the highest IQM");
      // resampling whole runs: the interval lies within the runs' own range and holds the point
      List<Double> runs = new ArrayList<>();
      for (double v : scores[i]) {
        runs.add(v);
      }
      assertTrue(iv.lower() >= Collections.min(runs) - 1e-9 && iv.upper() <= Collections.max(runs) + 1e-9, iv.toString());
      assertTrue(iv.lower() <= iv.point() && iv.point() <= iv.upper(), iv.toString());
    }
    assertEquals(0.0, c.points().get(2).iqm().width(), 1e-12, "four equal runs: no spread to resample");
    assertEquals(StratifiedBootstrap.withSeed(0).iqm(new double[][] {{0.1}, {0.2}, {0.3}, {0.9}}),
        c.points().get(0).iqm(), "the bootstrap of the runs x 1 matrix");

    List<Report.Plot> plots = Sensitivity.plots(d, dir, Map.of("adam", 0), true, "accuracy", "task");
    assertEquals("plots/sensitivity_learning_rate.png", plots.get(0).file());
    assertTrue(Files.size(dir.resolve(plots.get(0).file())) > 10_000);
    String html = Sensitivity.html(d);
    assertTrue(html.contains("<td>adam</td><td>learning_rate</td><td><b>0.001</b></td>"), html);
  }
}
