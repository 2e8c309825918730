package dev.isoplast.sweeps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.runs.RunDirectory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tuning plan: grids of one size for all, disjoint seeds, the two stages' cells, one-line errors. */
class TuningPlanTest {

  @TempDir
  Path tmp;

  private static SweepSpec base(String... methods) {
    return new SweepSpec(new SweepSpec.TaskBenchmark("random-label-mnist", 2), null, List.of(methods), List.of(1L),
        Map.of("epochs", "1"), null, null, 2);
  }

  @Test
  void everyPresetHasAGridOfTheSameSizeForEveryLearnerOnAKeyThatLearnerAccepts() {
    Map<String, List<String>> keys = Map.of("ppo", PpoConfig.KEYS, "dqn", DqnConfig.KEYS, "supervised",
        SupervisedConfig.KEYS);
    assertTrue(Methods.all().size() >= 16, "the design's 16 presets and any added since: " + Methods.names());
    for (MethodPreset p : Methods.all()) {
      Knob k = p.knob();
      for (String kind : MethodPreset.KINDS) {
        assertEquals(Knob.SIZE, k.values(kind).size(), p.name() + " for " + kind);
        assertTrue(keys.get(kind).contains(k.key()), p.name() + ": " + k.key() + " is no " + kind + " key");
        List<Double> v = k.values(kind).stream().map(Number::doubleValue).toList();
        for (int i = 1; i < v.size(); i++) {
          assertTrue(v.get(i) > v.get(i - 1), p.name() + "'s grid increases");
        }
      }
      assertTrue(!k.source().isBlank(), p.name());
    }
    // AdamO's λ spans 1e-4 .. 10 (issue 21)
    List<Number> iso = Methods.get("adamo").knob().values("ppo");
    assertEquals(1e-4, iso.get(0).doubleValue());
    assertEquals(10.0, iso.get(iso.size() - 1).doubleValue());
    assertEquals("learning_rate", Methods.get("adam").knob().key());
    assertEquals(List.of("1e-4", "3e-4", "0.001", "0.003", "0.01"), Methods.get("adam").knob().formatted("supervised"));
    assertEquals(List.of("50", "100", "200", "400", "800"), Methods.get("reset").knob().formatted("ppo"));
  }

  @Test
  void valuesAreFormattedAsTypedAfterSetAndLogSpacingIsRecognised() {
    assertEquals("1e-4", Knob.format(1e-4));
    assertEquals("2.5e-5", Knob.format(2.5e-5));
    assertEquals("0.025", Knob.format(0.025));
    assertEquals("10", Knob.format(10.0));
    assertEquals("0.56", Knob.format(0.56));
    assertEquals("5000", Knob.format(5000));
    assertEquals("0", Knob.format(0.0));
    assertTrue(Knob.logSpaced(List.of(1e-4, 1e-3, 1e-2)));
    assertTrue(!Knob.logSpaced(List.of(0.0, 0.025, 0.1)), "a grid with 0");
    assertTrue(!Knob.logSpaced(List.of(1.0, 2.0, 3.0, 4.0, 5.0)));
  }

  @Test
  void theTuningStageRunsEverySettingOnTheTuningSeedsAndTheHeldOutStageTheSelectedOne() {
    TuningPlan plan = TuningPlan.of(base("adam", "adamo"), Map.of(), "f");
    assertEquals(List.of(1L, 2L, 3L), plan.tuneSeeds());
    assertEquals(10, plan.heldoutSeeds().size());
    assertEquals(101L, plan.heldoutSeeds().get(0));
    SweepSpec tune = plan.tuneSpec();
    assertEquals(2 * Knob.SIZE * 3, tune.size());
    SweepSpec.Cell c = tune.cell(Knob.SIZE + 1); // seed-major: adamo's second setting, first seed
    assertEquals("adamo", c.method());
    assertEquals(Map.of("iso_coef", "0.0018"), c.setting());
    assertEquals("adamo__iso_coef=0.0018__seed1", c.runDir());
    assertEquals(List.of("epochs", "iso_coef"), List.copyOf(tune.cellConfig(c).keySet()), "the knob after the sweep's "
        + "sets, so it wins");
    assertEquals(0.0018, tune.cellConfig(c).get("iso_coef"));
    assertTrue(String.join(" ", tune.cellArgs(c, Path.of("d"))).contains("--config d/cell.yaml"));
    assertEquals(1L, tune.cell(2 * Knob.SIZE - 1).seed());
    assertEquals(2L, tune.cell(2 * Knob.SIZE).seed());

    Map<String, Map<String, String>> chosen = Map.of("adam", Map.of("learning_rate", "0.003"), "adamo",
        Map.of("iso_coef", "10"));
    SweepSpec heldout = plan.heldoutSpec(chosen);
    assertEquals(20, heldout.size());
    assertEquals("adamo__seed101", heldout.cell(1).runDir());
    assertEquals(10, heldout.cellConfig(heldout.cell(1)).get("iso_coef"));
    // a stage's spec round-trips through sweep.json's entries (restarts and the report rebuild it)
    SweepSpec back = SweepSpec.fromEntries(RunDirectory.JSON.convertValue(tune.toMap(), Map.class), null);
    assertEquals(tune, back);
    assertEquals(tune.cells(), back.cells());
  }

  @Test
  void gridSizeCutsEveryGridEvenlyKeepingBothEnds() {
    TuningPlan plan = TuningPlan.of(base("adam", "redo"), Map.of("grid_size", 3), null);
    assertEquals(List.of(Map.of("learning_rate", "1e-4"), Map.of("learning_rate", "0.001"),
        Map.of("learning_rate", "0.01")), plan.grids().get("adam"));
    assertEquals(List.of(Map.of("redo_tau", "0"), Map.of("redo_tau", "0.05"), Map.of("redo_tau", "0.2")),
        plan.grids().get("redo"));
    assertEquals(List.of(Map.of("redo_tau", "0.05")), TuningPlan.of(base("redo"), Map.of("grid_size", 1), null)
        .grids().get("redo"));
  }

  @Test
  void aSweepFileOverridesAGridAndBadGridsOrSeedsAreOneLineErrors() {
    Map<String, Object> grids = new LinkedHashMap<>();
    grids.put("adam", Map.of("learning_rate", List.of(1e-3, 2e-3, 3e-3, 4e-3, 5e-3)));
    TuningPlan plan = TuningPlan.of(base("adam", "adamo"), Map.of("grids", grids), "sweep file f.yaml");
    assertEquals(Map.of("learning_rate", "0.002"), plan.grids().get("adam").get(1));
    assertTrue(plan.sources().get("adam").contains("the sweep file's grids entry"));

    assertEquals("sweep file f.yaml: grids.adam: unknown knob 'lr' for a supervised learner (the registry's is "
        + "learning_rate; `isoplast methods show adam`)", error(Map.of("grids", Map.of("adam", Map.of("lr",
        List.of(1))))));
    assertEquals("sweep file f.yaml: grids.adam.learning_rate: empty grid", error(Map.of("grids", Map.of("adam",
        Map.of("learning_rate", List.of())))));
    assertEquals("sweep file f.yaml: grids of unequal size (adam 2, adamo 5): every method gets the same tuning "
        + "budget; give each the same number of values, or --grid-size K", error(Map.of("grids", Map.of("adam",
        Map.of("learning_rate", List.of(1e-3, 1e-2))))));
    assertEquals("sweep file f.yaml: grids.redo: redo is not a method of this sweep [adam, adamo]",
        error(Map.of("grids", Map.of("redo", Map.of("redo_tau", List.of(0.1))))));
    assertEquals("sweep file f.yaml: tuning seeds and held-out seeds must be disjoint: both list [3] (--tune-seeds "
        + "[1, 2, 3], --heldout-seeds [3, 4])", error(Map.of("heldout_seeds", "3-4")));
    assertEquals("sweep file f.yaml: grid_size 6 is larger than the grid of adam (5 settings)",
        error(Map.of("grid_size", 6)));
  }

  private static String error(Map<String, Object> entries) {
    return assertThrows(IllegalArgumentException.class,
        () -> TuningPlan.of(base("adam", "adamo"), entries, "sweep file f.yaml")).getMessage();
  }

  @Test
  void tuneJsonRecordsThePlanAndARestartWithAnotherPlanIsRefused() {
    TuningPlan plan = TuningPlan.of(base("adam", "adamo"), Map.of("grid_size", 2), null);
    Map<String, Object> entries = new LinkedHashMap<>(Map.of("task", "random-label-mnist", "methods", "adam,adamo",
        "grid_size", 2, "run_dir", "x", "seeds", "1-8"));
    plan.writeOrCheck(tmp, entries);
    plan.writeOrCheck(tmp, entries); // the same plan: a restart
    Map<String, Object> back = TuningPlan.entriesIn(tmp);
    assertEquals(Map.of("task", "random-label-mnist", "methods", "adam,adamo", "grid_size", 2), back);
    TuningPlan other = TuningPlan.of(base("adam", "adamo"), Map.of("grid_size", 3), null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.writeOrCheck(tmp, entries));
    assertTrue(e.getMessage().startsWith("sweep directory " + tmp + " holds another tuned sweep: grid_size (was 2, "
        + "now 3); grids (was"), e.getMessage());
  }
}
