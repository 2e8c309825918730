package dev.isoplast.sweeps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cells as a pure function of their index, the cell command, and the flags' and the file's forms of a spec. */
class SweepSpecTest {

  @TempDir
  Path tmp;

  private static SweepSpec spec(List<String> methods, List<Long> seeds) {
    return new SweepSpec(new SweepSpec.ScenarioBenchmark("cartpole-permute", 10_000L, 3, false), "ppo", methods, seeds,
        Map.of(), null, null, 2);
  }

  @Test
  void cellsAreSeedMajorAndAPureFunctionOfTheirIndex() {
    SweepSpec s = spec(List.of("adam", "adamo", "redo"), List.of(5L, 9L));
    assertEquals(6, s.size());
    // written out by hand: index -> (method, seed)
    String[][] expected = {{"adam", "5"}, {"adamo", "5"}, {"redo", "5"}, {"adam", "9"}, {"adamo", "9"}, {"redo", "9"}};
    for (int i = 0; i < 6; i++) {
      SweepSpec.Cell c = s.cell(i);
      assertEquals(i, c.index());
      assertEquals(expected[i][0], c.method());
      assertEquals(Long.parseLong(expected[i][1]), c.seed());
      assertEquals("cartpole-permute", c.benchmark());
      assertEquals(expected[i][0] + "__seed" + expected[i][1], c.runDir());
    }
    assertEquals(List.of(s.cell(0), s.cell(1), s.cell(2), s.cell(3), s.cell(4), s.cell(5)), s.cells());
    // the same index gives the same cell in a spec built again (e.g. by a shard elsewhere); workers do not matter
    assertEquals(s.cell(4), spec(List.of("adam", "adamo", "redo"), List.of(5L, 9L)).withWorkers(7).cell(4));
    assertThrows(IllegalArgumentException.class, () -> s.cell(6));
    assertThrows(IllegalArgumentException.class, () -> s.cell(-1));
  }

  /**
   * A cell's settings reach it through its cell.yaml typed exactly as the same values typed after
   * {@code --set} (what cells were given before): the same keys in the same order, and values equal
   * with the same classes (a Double stays a Double, an Integer an Integer, a list a list of the
   * same, a boolean, a null, a string that only looks like something else stays a string).
   */
  @Test
  void aCellsConfigFileTypesItsSettingsAsSetDid(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Map<String, String> sets = new LinkedHashMap<>();
    sets.put("learning_rate", "1e-3");
    sets.put("adam_eps", "1.0E-8");
    sets.put("hidden_sizes", "[64, 64]");
    sets.put("anneal_lr", "false");
    sets.put("target_kl", "");
    sets.put("iso_lr", "null");
    sets.put("activation", "relu");
    sets.put("num_envs", "8");
    sets.put("init_gain", "1.4142135623730951");
    sets.put("note", "'007'");
    sets.put("odd", "a: b");
    sets.put("iso_coef", "0.5"); // the grid's setting wins, in this key's place
    SweepSpec s = new SweepSpec(new SweepSpec.ScenarioBenchmark("cartpole-permute", null, null, false), "ppo",
        List.of("adamo"), List.of(1L), sets, null, null, 1).withGrid(Map.of("adamo", List.of(Map.of("iso_coef", "1e-3"),
            Map.of("iso_coef", "1e-2"))), List.of(1L));
    SweepSpec.Cell cell = s.cell(0);
    s.writeCellConfig(cell, tmp);
    java.util.List<String> asSet = new java.util.ArrayList<>();
    sets.forEach((k, v) -> asSet.add(k + "=" + v));
    cell.setting().forEach((k, v) -> asSet.add(k + "=" + v));
    Map<String, Object> before = dev.isoplast.runs.ConfigOverrides.load(null, asSet);
    Map<String, Object> after = dev.isoplast.runs.ConfigOverrides.load(tmp.resolve(SweepSpec.CELL_CONFIG), List.of());
    assertEquals(List.copyOf(before.keySet()), List.copyOf(after.keySet()));
    before.forEach((k, v) -> {
      assertEquals(v, after.get(k), k);
      assertEquals(v == null ? null : v.getClass(), after.get(k) == null ? null : after.get(k).getClass(), k);
    });
    assertEquals(0.001, after.get("iso_coef"));
    assertEquals(List.of(64, 64), after.get("hidden_sizes"));
    assertEquals(Boolean.FALSE, after.get("anneal_lr"));
    assertTrue(after.containsKey("target_kl") && after.get("target_kl") == null);
    assertEquals("007", after.get("note"));
    assertEquals(Map.of("a", "b"), after.get("odd")); // --set read it as YAML too
  }

  @Test
  void aCellRunsTheTrainCommandWithEverySetting() {
    Map<String, String> sets = new LinkedHashMap<>();
    sets.put("activation", "relu");
    sets.put("hidden_sizes", "[32,32]");
    SweepSpec s = new SweepSpec(new SweepSpec.ScenarioBenchmark("cartpole-permute", 4096L, 2, true), "dqn",
        List.of("adam", "redo"), List.of(1L, 2L), sets, "dormancy,ntk", "ntk=5", 1);
    assertEquals(List.of("train", "--algo", "dqn", "--scenario", "cartpole-permute", "--phase-steps", "4096", "--repeat",
        "2", "--fresh-reference", "--method", "redo", "--seed", "2", "--run-dir", "sw/redo__seed2", "--config",
        "sw/redo__seed2/cell.yaml", "--monitors", "dormancy,ntk", "--monitor-cadence",
        "ntk=5"), s.cellArgs(s.cell(3), Path.of("sw", "redo__seed2")));
    assertEquals(Map.of("activation", "relu", "hidden_sizes", List.of(32, 32)), s.cellConfig(s.cell(3)));
    SweepSpec t = new SweepSpec(new SweepSpec.TaskBenchmark("permuted-mnist", 10), null, List.of("adam"),
        List.of(3L), Map.of(), null, null, 1);
    assertEquals("continual", t.command());
    assertEquals(List.of("continual", "--task", "permuted-mnist", "--tasks", "10", "--method", "adam", "--seed", "3",
        "--run-dir", "d"), t.cellArgs(t.cell(0), Path.of("d")));
    Map<String, Object> e = new LinkedHashMap<>(Map.of("task", "permuted-cifar10", "net", "paper", "cifar_dir", "/data/c",
        "methods", "adamo", "seeds", "2"));
    SweepSpec c = SweepSpec.fromEntries(e, null);
    assertEquals(List.of("continual", "--task", "permuted-cifar10", "--net", "paper", "--cifar-dir", "/data/c",
        "--method", "adamo", "--seed", "2", "--run-dir", "d"), c.cellArgs(c.cell(0), Path.of("d")));
    e.put("scenario", "cartpole-permute");
    e.remove("task");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SweepSpec.fromEntries(e, null)).getMessage()
        .startsWith("net applies to --task sweeps"));
  }

  @Test
  void seedsParseRangesAndLists() {
    assertEquals(List.of(1L, 2L, 3L, 10L), SweepSpec.parseSeeds("1-3,10"));
    assertEquals(List.of(7L), SweepSpec.parseSeeds("7"));
    assertEquals(List.of(-2L, 4L), SweepSpec.parseSeeds("-2, 4"));
    assertThrows(IllegalArgumentException.class, () -> SweepSpec.parseSeeds("3-1"));
    assertThrows(IllegalArgumentException.class, () -> SweepSpec.parseSeeds("one"));
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> spec(List.of("adam"), SweepSpec.parseSeeds("1-3,2")));
    assertTrue(twice.getMessage().contains("seeds lists 2 twice"), twice.getMessage());
  }

  @Test
  void badSpecsAreOneLineErrors() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> spec(List.of("adam", "adamm"), List.of(1L)));
    assertTrue(unknown.getMessage().contains("unknown method 'adamm'"), unknown.getMessage());
    assertThrows(IllegalArgumentException.class, () -> spec(List.of("adam", "adam"), List.of(1L)));
    assertThrows(IllegalArgumentException.class, () -> spec(List.of(), List.of(1L)));
    assertThrows(IllegalArgumentException.class, () -> spec(List.of("adam"), List.of()));
    Map<String, Object> both = new LinkedHashMap<>(Map.of("scenario", "cartpole-permute", "task", "permuted-mnist",
        "methods", "adam", "seeds", "1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SweepSpec.fromEntries(both, null)).getMessage()
        .contains("not both"));
    Map<String, Object> taskWithRepeat = new LinkedHashMap<>(Map.of("task", "permuted-mnist", "repeat", 3,
        "methods", "adam", "seeds", "1"));
    assertThrows(IllegalArgumentException.class, () -> SweepSpec.fromEntries(taskWithRepeat, null));
    Map<String, Object> badAlgo = new LinkedHashMap<>(Map.of("scenario", "cartpole-permute", "algo", "sac",
        "methods", "adam", "seeds", "1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SweepSpec.fromEntries(badAlgo, "f.yaml"))
        .getMessage().startsWith("f.yaml: unknown algorithm 'sac'"));
  }

  @Test
  void aSweepFileUsesTheFlagsKeysAndGivesTheSameSpec() throws Exception {
    Path file = tmp.resolve("s.yaml");
    Files.writeString(file, """
        scenario: cartpole-permute
        algo: ppo
        methods: [adam, adamo, redo]
        seeds: 1-3
        phase_steps: 10000
        repeat: 3
        fresh_reference: true
        workers: 2
        monitor_cadence: dormancy=2,ntk=5
        set:
          activation: relu
          hidden_sizes: [32, 32]
        """);
    SweepSpec fromFile = SweepSpec.fromEntries(SweepSpec.readFile(file), file.toString());
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("scenario", "cartpole-permute");
    flags.put("methods", "adam,adamo,redo");
    flags.put("seeds", "1,2,3");
    flags.put("phase_steps", 10000L);
    flags.put("repeat", 3);
    flags.put("fresh_reference", true);
    flags.put("workers", 2);
    flags.put("monitor_cadence", "dormancy=2,ntk=5");
    flags.put("set", List.of("activation=relu", "hidden_sizes=[32,32]"));
    assertEquals(SweepSpec.fromEntries(flags, null), fromFile);
    assertEquals(List.of(1L, 2L, 3L), fromFile.seeds());
    assertEquals("[32,32]", fromFile.sets().get("hidden_sizes"));

    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "scenario: cartpole-permute\nmethod: adam\nseeds: 1\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepSpec.readFile(bad));
    assertTrue(e.getMessage().contains("unknown key [method]"), e.getMessage());
  }

  @Test
  void theExampleSweepFileIsValidAndTheDocsNameEveryKey() throws Exception {
    Path home = dev.isoplast.envs.sidecar.IsoplastHome.locate();
    Map<String, Object> entries = SweepSpec.readFile(home.resolve("sweeps/cartpole-permute-3x3.yaml"));
    SweepSpec s = SweepSpec.fromEntries(entries, "example");
    assertEquals(List.of("adam", "adamo", "redo"), s.methods());
    assertEquals(9, s.size());
    ((SweepSpec.ScenarioBenchmark) s.benchmark()).load(); // the scenario with its overrides is valid
    String docs = Files.readString(home.resolve("docs/sweeps.md"));
    for (String key : SweepSpec.KEYS) {
      assertTrue(docs.contains("`" + key + "`"), "docs/sweeps.md does not document the key " + key);
    }
  }

  @Test
  void theAtariSwitchSweepFileParsesAndPlansItsGames() throws Exception {
    // for a cluster (issue 24): parsed and planned here, never run; the spec is ALE/Switch-v5's as the server lists it
    Path home = dev.isoplast.envs.sidecar.IsoplastHome.locate();
    SweepSpec s = SweepSpec.fromEntries(SweepSpec.readFile(home.resolve("sweeps/atari-switch.yaml")), "atari");
    assertEquals(20, s.size());
    assertEquals("conv", s.sets().get("body"));
    dev.isoplast.envs.scenario.Scenario scenario = ((SweepSpec.ScenarioBenchmark) s.benchmark()).load();
    assertEquals(10, scenario.sequence().size());
    assertEquals(5_000_000, scenario.totalSteps());
    dev.isoplast.envs.EnvSpec switchSpec = new dev.isoplast.envs.EnvSpec("ALE/Switch-v5",
        dev.isoplast.envs.spaces.Box.uniform(0, 1, dev.isoplast.envs.spaces.DType.FLOAT32, 4, 84, 84),
        new dev.isoplast.envs.spaces.Discrete(18), 0,
        List.of(new dev.isoplast.envs.EnvSpec.Param("game", 0, 4, 0, "0 Asterix, ..., 4 SpaceInvaders")), List.of());
    var plan = dev.isoplast.envs.scenario.ScenarioPlan.resolve(scenario, switchSpec, 1);
    assertEquals(List.of(1.0, 0.0, 2.0, 4.0, 3.0, 1.0, 0.0, 2.0, 4.0, 3.0),
        plan.phases().stream().map(p -> p.perturbation().dynamics().get("game")).toList(), "every game, twice");
  }

  @Test
  void workersAreNotPartOfWhatTheCellsAre() {
    SweepSpec a = spec(List.of("adam"), List.of(1L));
    assertEquals(a.identity(), a.withWorkers(4).identity());
    assertFalse(a.identity().containsKey("workers"));
    assertEquals(2, a.toMap().get("workers"));
  }

  @Test
  void commandLinesQuoteOnlyWhatTheShellWouldChange() {
    assertEquals("isoplast train --set 'name=a b' --run-dir runs/x 'it'\\''s'",
        CommandLines.join(List.of("isoplast", "train", "--set", "name=a b", "--run-dir", "runs/x", "it's")));
    // and split reads them back (train --resume parses command.txt with it)
    for (List<String> args : List.of(List.of("isoplast", "train", "--set", "name=a b", "it's", "", "x'y\\z", "tab\there"),
        List.of("a", "''", "'\\''", "  spaced  "))) {
      assertEquals(args, CommandLines.split(CommandLines.join(args)));
    }
    assertEquals(List.of("a b", "c"), CommandLines.split("  a\\ b   'c'  "));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> CommandLines.split("a 'b"));
  }

  @Test
  void theStudySweepFilesRunEveryMethodOfTheComparisonWithEnoughSeeds() throws Exception {
    // the comparison of docs/results.md: these methods, >= 10 seeds on RL (issue 21), 8 on the supervised tasks (as the paper)
    List<String> methods = List.of("adam", "l2", "l2-init", "shrink-perturb", "redo", "cbp", "parseval", "spectral",
        "layernorm", "isometric", "isometric-constrained", "adamo", "adamo-isometric");
    Path dir = dev.isoplast.deploy.DeployFiles.root().resolve("sweeps/study");
    List<Path> files;
    try (var s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    // the paper's supervised setting (issue 21): the paper net and the methods the paper compares
    List<String> paperMethods = List.of("adam", "adamo", "adamo-isometric", "isometric", "isometric-constrained",
        "l2-init", "parseval", "spectral", "redo", "cbp", "layernorm");
    assertEquals(6, files.size(), files.toString());
    for (Path f : files) {
      SweepSpec spec = SweepSpec.fromEntries(SweepSpec.readFile(f), f.toString());
      String file = f.getFileName().toString().replace(".yaml", "");
      boolean paper = file.startsWith("paper-");
      assertEquals(paper ? paperMethods : methods, spec.methods(), f.toString());
      boolean supervised = spec.benchmark() instanceof SweepSpec.TaskBenchmark;
      assertTrue(spec.seeds().size() >= (supervised ? 8 : 10), f.toString());
      assertEquals(file.replace("paper-", ""), spec.benchmark().name(), f.toString());
      if (paper) {
        SweepSpec.TaskBenchmark task = (SweepSpec.TaskBenchmark) spec.benchmark();
        assertEquals("paper", task.net(), f.toString());
        assertTrue(task.name().equals("random-label-mnist") || task.tasks() >= 300, f.toString());
      }
      for (SweepSpec.Cell c : spec.cells()) {
        assertTrue(dev.isoplast.plasticity.Methods.names().contains(c.method()), c.method());
      }
    }
  }
}
