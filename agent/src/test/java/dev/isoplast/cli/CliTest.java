package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.List;
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
  void demoComparesAdamAndAdamOInATable(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    Run r = run("demo", "--total-steps", "2048", "--runs-dir", tmp.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("optimizer") && r.out().lines().anyMatch(l -> l.startsWith("adam "))
        && r.out().lines().anyMatch(l -> l.startsWith("adamo")), r.out());
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String arm : new String[] {"adam", "adamo"}) {
      assertEquals("completed", json.readTree(tmp.resolve(arm).resolve("summary.json").toFile()).get("status").asText());
    }
    assertTrue(java.nio.file.Files.readString(tmp.resolve("adamo/config.yaml")).contains("optimizer: adamo"));
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
}
