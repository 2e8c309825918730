package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The CLI end to end, each command starting its own embedded env server (the real sidecar). */
class CliTest {

  record Run(int code, String out, String err) {}

  static synchronized Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void envsListsAllowedIdsWithSpaces() {
    Run r = run("envs");
    assertEquals(0, r.code(), r.err());
    for (String id : new String[] {"CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"}) {
      assertTrue(r.out().contains(id), id + " listed in:\n" + r.out());
    }
    assertTrue(r.out().contains("Discrete(2)"), r.out());
    assertTrue(r.out().contains("Box(-2.0, 2.0, (1,), float32)"), "Pendulum's action space:\n" + r.out());
  }

  @Test
  void theEmbeddedServerIsSteppedThroughItsDataPathAndSaysSoUnlessGrpcIsForced() {
    Run auto = run("rollout", "--env", "CartPole-v1", "--num-envs", "4", "--steps", "400", "--seed", "3");
    Run grpc = run("rollout", "--env", "CartPole-v1", "--num-envs", "4", "--steps", "400", "--seed", "3",
        "--transport", "grpc");
    assertEquals(0, auto.code(), auto.err());
    assertEquals(0, grpc.code(), grpc.err());
    assertTrue(auto.err().contains("steps go through its local data path"), auto.err());
    assertTrue(grpc.err().contains("steps go over gRPC (transport grpc)"), grpc.err());
    assertEquals(auto.out().lines().findFirst().orElseThrow(), grpc.out().lines().findFirst().orElseThrow(),
        "the same episodes through either path");
  }

  @Test
  void benchEnvReportsEveryTransportAndServerCountInOneJson() throws Exception {
    Run r = run("bench", "env", "--num-envs", "2", "--steps", "40", "--transports", "auto,grpc", "--servers", "1,2",
        "--json");
    assertEquals(0, r.code(), r.err());
    var rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("results");
    assertEquals(4, rows.size(), r.out());
    List<String> seen = new java.util.ArrayList<>();
    for (var row : rows) {
      seen.add(row.get("transport").asText() + "/" + row.get("servers").asInt() + "/" + row.get("uses_data_path").asText());
      assertTrue(row.get("steps_per_s").asDouble() > 0 && row.get("ratio").asDouble() > 0, row.toString());
    }
    assertEquals(List.of("auto/1/unix", "auto/2/unix,unix", "grpc/1/grpc", "grpc/2/grpc,grpc"), seen);
  }

  @Test
  void rolloutIsReproducibleForASeedAndDiffersAcrossSeeds() {
    Run a = run("rollout", "--env", "CartPole-v1", "--num-envs", "8", "--steps", "4000", "--seed", "1");
    Run b = run("rollout", "--env", "CartPole-v1", "--num-envs", "8", "--steps", "4000", "--seed", "1");
    Run c = run("rollout", "--env", "CartPole-v1", "--num-envs", "8", "--steps", "4000", "--seed", "2");
    assertEquals(0, a.code(), a.err());
    String la = a.out().lines().findFirst().orElseThrow();
    assertEquals(la, b.out().lines().findFirst().orElseThrow(), "same seed, same episodes and mean return");
    assertNotEquals(la, c.out().lines().findFirst().orElseThrow());
    Matcher m = Pattern.compile("(\\d+) episodes finished, mean return ([0-9.]+)").matcher(la);
    assertTrue(m.find(), la);
    int episodes = Integer.parseInt(m.group(1));
    double mean = Double.parseDouble(m.group(2));
    // a random policy on CartPole lasts about 22 steps: 4000 steps give roughly 180 episodes
    assertTrue(episodes > 100 && episodes < 300, "episodes " + episodes);
    assertTrue(mean > 12 && mean < 40, "random-policy CartPole return " + mean);
  }

  @Test
  void trainWritesAValidRunDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path dir = tmp.resolve("run");
    Run r = run("train", "--algo", "ppo", "--env", "CartPole-v1", "--seed", "3", "--total-steps", "2048",
        "--run-dir", dir.toString(), "--no-progress", "--set", "num_steps=64", "--eval-episodes", "3", "--eval-every",
        "1024");
    assertEquals(0, r.code(), r.err());
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var summary = json.readTree(dir.resolve("summary.json").toFile());
    assertEquals("completed", summary.get("status").asText());
    assertEquals(2048, summary.get("total_steps").asLong());
    assertTrue(summary.get("final_mean_return").asDouble() > 8, summary.toString());
    assertTrue(summary.get("sps").asDouble() > 0);
    assertEquals(3, summary.get("eval_episodes").asInt());
    assertTrue(summary.get("eval_mean_return").asDouble() >= 8, summary.toString());
    assertTrue(r.out().contains("evaluation: mean return"), r.out());
    String config = java.nio.file.Files.readString(dir.resolve("config.yaml"));
    assertTrue(config.contains("num_steps: 64") && config.contains("seed: 3"), config);
    var lines = java.nio.file.Files.readAllLines(dir.resolve("metrics.jsonl"));
    assertTrue(lines.stream().anyMatch(l -> l.contains("charts/episodic_return")));
    // 2048 steps / (4 envs x 64 steps) = 8 iterations, each logging the loss row
    assertEquals(8, lines.stream().filter(l -> l.contains("losses/value_loss")).count());
    for (String l : lines) {
      assertTrue(json.readTree(l).has("global_step"), l);
    }
    assertTrue(java.nio.file.Files.size(dir.resolve("env-server.log")) > 0, "the sidecar's log is kept with the run");
    // evaluations at 1024 and 2048 (the final one reuses the one made at the last step)
    List<String> evals = lines.stream().filter(l -> l.contains("eval/episodic_return\"")).toList();
    assertEquals(2, evals.size(), evals.toString());
    assertEquals(summary.get("eval_mean_return").asDouble(),
        json.readTree(evals.get(1)).get("eval/episodic_return").asDouble(), 1e-9);
  }

  @Test
  void trainRunsAScenarioPhaseByPhaseWithAFreshReference(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path file = tmp.resolve("switch.yaml");
    java.nio.file.Files.writeString(file, """
        name: tiny-switch
        env: CartPole-v1
        num_envs: 4
        phases:
          - {steps: 1024, dynamics: {gravity: 20.0}}
          - {steps: 1024, obs_permutation: random, obs_sign_flip: random}
        repeat: 2
        """);
    java.nio.file.Path dir = tmp.resolve("run");
    Run r = run("train", "--scenario", file.toString(), "--seed", "1", "--run-dir", dir.toString(), "--no-progress",
        "--set", "num_steps=64", "--eval-episodes", "2", "--fresh-reference");
    assertEquals(0, r.code(), r.err());
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var summary = json.readTree(dir.resolve("summary.json").toFile());
    assertEquals("tiny-switch", summary.get("scenario").asText());
    assertEquals(4096, summary.get("total_steps").asLong());
    var phases = summary.get("phases");
    assertEquals(4, phases.size());
    for (int k = 0; k < 4; k++) {
      var p = phases.get(k);
      assertEquals(k, p.get("phase").asInt());
      assertEquals(1024 * k, p.get("start_step").asLong(), "4 envs x 64 steps divide 1024: exact boundaries");
      assertEquals(1024, p.get("steps").asLong());
      assertEquals(k % 2 == 0 ? 20.0 : 9.8, p.get("dynamics").get("gravity").asDouble(), 1e-6,
          "read back from the server; phases are absolute");
      assertTrue(p.get("episodes").asInt() > 0);
      double ratio = p.get("plasticity_ratio").asDouble();
      assertEquals(p.get("final_mean_return").asDouble() / p.get("fresh_final_mean_return").asDouble(), ratio, 1e-9,
          "CartPole's floor is 0: the plain ratio");
    }
    assertTrue(!phases.get(1).get("obs_permutation").toString().equals(phases.get(3).get("obs_permutation").toString())
        || !phases.get(1).get("obs_sign_flip").toString().equals(phases.get(3).get("obs_sign_flip").toString()),
        "each instance of the random phase draws a new permutation / sign flip");
    String config = java.nio.file.Files.readString(dir.resolve("config.yaml"));
    var lines = java.nio.file.Files.readAllLines(dir.resolve("metrics.jsonl"));
    for (String l : lines) {
      var row = json.readTree(l);
      assertTrue(row.has("phase") && row.has("phase_step"), l);
      assertEquals(row.get("global_step").asLong() - 1024 * row.get("phase").asLong(), row.get("phase_step").asLong(),
          l);
    }
    assertEquals(4, lines.stream().filter(l -> l.contains("phase/dynamics/gravity")).count());
    // phases 0 and 2 share a setting, so 3 fresh runs (0, 1, 3) were trained
    assertTrue(java.nio.file.Files.exists(dir.resolve("fresh/phase_0.jsonl")));
    assertTrue(java.nio.file.Files.exists(dir.resolve("fresh/phase_3.jsonl")));
    assertTrue(!java.nio.file.Files.exists(dir.resolve("fresh/phase_2.jsonl")));
    assertEquals(phases.get(0).get("fresh_final_mean_return").asDouble(),
        phases.get(2).get("fresh_final_mean_return").asDouble());
    // the fresh learner of phase 0 repeats the continual learner's phase 0 exactly (same seed and setting,
    // whole iterations, learning rate not annealed under a scenario)
    assertEquals(1.0, phases.get(0).get("plasticity_ratio").asDouble(), 1e-12);
    assertTrue(config.contains("anneal_lr: false"), config);
    assertTrue(config.contains("name: \"tiny-switch\"") || config.contains("name: tiny-switch"), config);
    assertTrue(config.contains("num_envs: 4"), "the scenario's width: " + config);
    assertTrue(r.out().contains("plasticity_ratio"), r.out());
  }

  @Test
  void slipperyAntRedrawsFrictionEveryPhaseAndLogsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path dir = tmp.resolve("ant");
    Run r = run("train", "--algo", "ppo", "--scenario", "slippery-ant", "--phase-steps", "256", "--repeat", "2",
        "--seed", "4", "--run-dir", dir.toString(), "--no-progress", "--set", "num_steps=256", "--set",
        "num_minibatches=4", "--eval-episodes", "0", "--monitors", "none");
    assertEquals(0, r.code(), r.err());
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var phases = json.readTree(dir.resolve("summary.json").toFile()).get("phases");
    assertEquals(2, phases.size());
    double f0 = phases.get(0).get("dynamics").get("friction_scale").asDouble();
    double f1 = phases.get(1).get("dynamics").get("friction_scale").asDouble();
    assertTrue(f0 >= 0.02 && f0 <= 2 && f1 >= 0.02 && f1 <= 2 && f0 != f1, f0 + " " + f1);
    List<Double> logged = new java.util.ArrayList<>();
    for (String l : java.nio.file.Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      var row = json.readTree(l);
      if (row.has("phase/dynamics/friction_scale")) {
        logged.add(row.get("phase/dynamics/friction_scale").asDouble());
      }
    }
    assertEquals(List.of(f0, f1), logged, "the friction read back from MuJoCo is logged at each phase start");
  }

  @Test
  void aBadScenarioGetsAOneLineErrorNamingFilePhaseAndKey(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path file = tmp.resolve("bad.yaml");
    java.nio.file.Files.writeString(file, """
        env: CartPole-v1
        phases:
          - {steps: 1000}
          - {steps: 1000, dynamics: {gravty: 20}}
        """);
    Run r = run("train", "--scenario", file.toString(), "--run-dir", tmp.resolve("r").toString(), "--no-progress");
    assertEquals(2, r.code(), r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("error:")).toList();
    assertEquals(1, errors.size(), r.err());
    String msg = errors.get(0);
    assertTrue(msg.contains("scenario " + file + ": phases[1]: dynamics.gravty: CartPole-v1 has no dynamics "
        + "parameter 'gravty'"), msg);
    java.nio.file.Files.writeString(file, "env: CartPole-v1\nphases: [{steps: 10, gravity: 3}]\n");
    r = run("train", "--scenario", file.toString(), "--run-dir", tmp.resolve("r2").toString(), "--no-progress");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("scenario " + file + ": phases[0]: unknown key 'gravity'"), r.err());
    r = run("train", "--scenario", "cartpole-permute", "--total-steps", "100", "--no-progress");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--total-steps does not apply with --scenario"), r.err());
  }

  @Test
  void trainTakesThePapersMethodAsFlags(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path dir = tmp.resolve("adamo");
    Run r = run("train", "--env", "CartPole-v1", "--total-steps", "512", "--run-dir", dir.toString(), "--no-progress",
        "--optimizer", "adamo", "--iso-coef", "1e-3", "--body", "isometric", "--eval-episodes", "0");
    assertEquals(0, r.code(), r.err());
    String config = java.nio.file.Files.readString(dir.resolve("config.yaml"));
    assertTrue(config.contains("optimizer: adamo") && config.contains("iso_coef: 0.001")
        && config.contains("body: isometric"), config);
    var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertTrue(!summary.has("eval_mean_return"), "--eval-episodes 0 turns evaluation off");
    Run clash = run("train", "--env", "CartPole-v1", "--total-steps", "512", "--run-dir", tmp.resolve("c").toString(),
        "--optimizer", "adam", "--set", "optimizer=sgd");
    assertEquals(2, clash.code());
    assertTrue(clash.err().contains("conflicts"), clash.err());
  }

  @Test
  void demoSweepsTheMethodsOnRandomLabelMnistAndPrintsTheReportsTable(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path tmp) throws Exception {
    Run r = run("demo", "--seeds", "1", "--tasks", "2", "--set", "task_examples=80", "--set", "epochs=3",
        "--no-progress", "--runs-dir", tmp.toString());
    assertEquals(0, r.code(), r.err());
    // each method at the setting the study's tuning selected (the committed selection.json)
    var selection = new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.nio.file.Path.of("..")
        .resolve(DemoCommand.SELECTION).resolve("selection.json").toFile()).get("methods");
    for (String m : new String[] {"adam", "adamo", "isometric", "adamo-isometric", "spectral"}) {
      var chosen = selection.get(m).get("setting");
      String knob = chosen.fieldNames().next();
      var config = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
          .readTree(tmp.resolve(m + "__seed1").resolve("config.yaml").toFile());
      assertEquals(Double.parseDouble(chosen.get(knob).asText()), config.get("supervised").get(knob).asDouble(), m);
      assertEquals(80, config.get("task_config").get("task_examples").asInt(), "--set wins over the study's 2,400");
      assertTrue(r.out().lines().anyMatch(l -> l.startsWith(m + " ")), m + " in the table:\n" + r.out());
      var summary = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(tmp.resolve(m + "__seed1").resolve("summary.json").toFile());
      assertEquals("completed", summary.get("status").asText());
      assertEquals(m, summary.get("method").asText());
      assertEquals(2, summary.get("tasks").size());
    }
    assertTrue(r.out().contains("report: " + tmp.toAbsolutePath().resolve("report.html")), r.out());
    assertTrue(java.nio.file.Files.size(tmp.resolve("report.html")) > 1000);
  }

  @Test
  void trainDqnWritesARunDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path dir = tmp.resolve("dqn");
    Run r = run("train", "--algo", "dqn", "--env", "CartPole-v1", "--seed", "2", "--total-steps", "1500",
        "--run-dir", dir.toString(), "--no-progress", "--set", "learning_starts=500");
    assertEquals(0, r.code(), r.err());
    var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals("completed", summary.get("status").asText());
    assertEquals(1500, summary.get("total_steps").asLong());
    var lines = java.nio.file.Files.readAllLines(dir.resolve("metrics.jsonl"));
    assertTrue(lines.stream().anyMatch(l -> l.contains("losses/td_loss")), "DQN logs its TD loss");
    assertTrue(lines.stream().anyMatch(l -> l.contains("charts/epsilon")));
    assertTrue(java.nio.file.Files.readString(dir.resolve("config.yaml")).contains("learning_starts: 500"));
    Run bad = run("train", "--algo", "dqn", "--env", "Pendulum-v1", "--total-steps", "100", "--run-dir",
        tmp.resolve("p").toString(), "--no-progress");
    assertEquals(2, bad.code(), "DQN on a Box action space is a configuration error");
    assertTrue(bad.err().toLowerCase().contains("discrete"), bad.err());
  }

  @Test
  void trainRejectsAnUnknownHyperParameterWithExitTwo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    Run r = run("train", "--env", "CartPole-v1", "--total-steps", "1000", "--run-dir", tmp.resolve("x").toString(),
        "--set", "gae_lamda=0.9");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("gae_lamda"), r.err());
  }

  @Test
  void badUsageExitsWithTwoAndAMessage() {
    Run r = run("rollout", "--num-envs", "8");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--env"), r.err());
    Run u = run("rollout", "--env", "NoSuchEnv-v0", "--steps", "10");
    assertNotEquals(0, u.code());
    assertTrue(u.err().contains("NoSuchEnv-v0"), u.err());
  }

  @Test
  void methodsListsThePresetsAndTrainTakesOneWithSetOnTop(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    Run list = run("methods");
    assertEquals(0, list.code(), list.err());
    assertEquals(dev.isoplast.plasticity.Methods.all().size(), list.out().lines().count(), list.out());
    assertTrue(list.out().contains("adamo-isometric") && list.out().contains("ReDo"), list.out());
    Run show = run("methods", "show", "cbp");
    assertTrue(show.out().contains("supervised: optimizer=adam, cbp_rate=1.0E-4, cbp_decay=0.99, cbp_maturity=100"),
        show.out());
    Run unknown = run("methods", "show", "dropout");
    assertEquals(2, unknown.code());
    assertEquals(1, unknown.err().strip().lines().count(), unknown.err());

    java.nio.file.Path dir = tmp.resolve("redo");
    Run r = run("train", "--algo", "ppo", "--env", "CartPole-v1", "--method", "redo", "--set", "activation=relu",
        "--set", "redo_every=1", "--set", "redo_tau=0.5", "--set", "num_steps=64", "--total-steps", "1024",
        "--monitors", "none", "--eval-episodes", "0", "--no-progress", "--run-dir", dir.toString());
    assertEquals(0, r.code(), r.err());
    String config = java.nio.file.Files.readString(dir.resolve("config.yaml"));
    assertTrue(config.startsWith("algo: ppo\nmethod: redo\n"), config);
    assertTrue(config.contains("redo_every: 1\n") && config.contains("redo_tau: 0.5\n"), "--set wins: " + config);
    assertTrue(config.contains("activation: relu"), config);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    assertEquals("redo", json.readTree(dir.resolve("summary.json").toFile()).get("method").asText());
    double recycled = 0;
    for (String l : java.nio.file.Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      var row = json.readTree(l);
      if (row.has("plasticity/redo_recycled_total")) {
        recycled = row.get("plasticity/redo_recycled_total").asDouble();
      }
    }
    // τ = 0.5 recycles the quieter units of a ReLU body at every one of the 4 updates
    assertTrue(recycled > 0, "redo recycled units: " + recycled);

    Run bad = run("train", "--algo", "dqn", "--env", "CartPole-v1", "--method", "nope", "--run-dir",
        tmp.resolve("bad").toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("unknown method 'nope'"), bad.err());
  }

  @Test
  void continualRunsASupervisedBenchmarkAndRefusesBadKeysInOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path dir = tmp.resolve("pm");
    Run r = run("continual", "--task", "permuted-mnist", "--method", "adamo", "--tasks", "2", "--set",
        "task_examples=800", "--monitors", "none", "--no-progress", "--run-dir", dir.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("task       accuracy") && r.out().contains("run directory: " + dir), r.out());
    var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals("adamo", summary.get("method").asText());
    assertEquals(2, summary.get("tasks").size());
    assertEquals(50, summary.get("tasks").get(0).get("steps").asInt(), "800 digits in batches of 16, one pass");
    assertTrue(java.nio.file.Files.readString(dir.resolve("config.yaml")).contains("optimizer: adamo"));

    Run unknownTask = run("continual", "--task", "permuted-fashion", "--run-dir", tmp.resolve("x").toString());
    assertEquals(2, unknownTask.code());
    assertTrue(unknownTask.err().contains("known tasks"), unknownTask.err());
    Run badKey = run("continual", "--task", "slowly-changing-regression", "--set", "epochs=3", "--run-dir",
        tmp.resolve("y").toString());
    assertEquals(2, badKey.code());
    assertEquals(1, badKey.err().strip().lines().count(), badKey.err());
    assertTrue(badKey.err().contains("flip_after") && badKey.err().contains("learning_rate"), badKey.err());
  }

  @Test
  void everyCommandAnswersBadInputWithOneLineExitTwoAndNoStackTrace(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path badYaml = tmp.resolve("bad.yaml");
    java.nio.file.Files.writeString(badYaml, "phases: [\n  - {steps: 10\n");
    String bad = badYaml.toString();
    String[][] cases = {
        {"train", "--nope"}, {"train", "--env", "CartPole-v1", "--total-steps", "abc"},
        {"train", "--env", "CartPole-v1", "--config", bad}, {"train", "--scenario", bad},
        {"train", "--env", "CartPole-v1", "--method", "dropout"},
        {"continual", "--nope"}, {"continual", "--task", "permuted-mnist", "--tasks", "x"},
        {"continual", "--task", "permuted-mnist", "--config", bad}, {"continual", "--resume", tmp.toString()},
        {"continual"}, {"sweep", "--nope"}, {"sweep", bad}, {"sweep", "--task", "permuted-mnist", "--methods", "adam",
            "--seeds", "1-x"},
        {"report", "--nope"}, {"report", tmp.resolve("none").toString()},
        {"methods", "--nope"}, {"methods", "show"}, {"methods", "show", "dropout"},
        {"bench", "continual", "--steps", "x"}};
    for (String[] args : cases) {
      Run r = run(args);
      String what = String.join(" ", args);
      assertEquals(2, r.code(), what + ": " + r.err());
      assertEquals(1, r.err().strip().lines().count(), what + " gives one line:\n" + r.err());
      assertTrue(r.err().startsWith("error: ") && !r.err().contains("Exception") && !r.err().contains("\tat "),
          what + ": " + r.err());
    }
    Run traced = run("--debug", "continual", "--resume", tmp.toString());
    assertEquals(2, traced.code());
    assertTrue(traced.err().contains("\tat dev.isoplast"), "--debug prints the stack trace: " + traced.err());
  }
}
