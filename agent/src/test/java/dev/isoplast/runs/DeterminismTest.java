package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.agents.AgentConfig;
import dev.isoplast.continual.Tasks;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.testing.Sidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One seed fixes everything on one machine: two runs with the same seed write the same metrics (timing aside). */
class DeterminismTest {

  private static List<String> rows(Path run) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      ObjectNode n = (ObjectNode) RunDirectory.JSON.readTree(line);
      n.remove("charts/SPS");
      n.remove("monitors/ms");
      out.add(n.toString());
    }
    return out;
  }

  private static Path rl(Path dir, String algo, String method, long seed, long steps) {
    Map<String, Object> o = new LinkedHashMap<>(Methods.get(method).overrides(algo));
    if (algo.equals("dqn")) {
      o.putAll(Map.of("learning_starts", 300, "train_frequency", 2));
    } else {
      o.put("num_steps", 64);
    }
    AgentConfig c = dev.isoplast.runs.Learners.resolve(algo, new Discrete(2, 0), o);
    RunSpec.Rl job = new RunSpec.Rl("CartPole-v1", c, seed, steps, new RunSpec.Eval(2, 0), null, false,
        new MonitorSpec(Monitors.parse("all"), Monitors.defaultCadence(dev.isoplast.config.LearnerKind.PPO), 64), method);
    Trainer.run(dev.isoplast.envs.remote.EnvServerPool.of(Sidecar.client()), "embedded", RunDirectory.create(dir), job, false);
    return dir;
  }

  @Test
  void ppoAndDqnWithInterventionsRepeatThemselvesAndDifferAcrossSeeds(@TempDir Path tmp) throws Exception {
    List<String> a = rows(rl(tmp.resolve("a"), "ppo", "shrink-perturb", 7, 2048));
    List<String> b = rows(rl(tmp.resolve("b"), "ppo", "shrink-perturb", 7, 2048));
    assertEquals(a, b, "PPO with Shrink & Perturb (noise from its own streams), same seed");
    assertNotEquals(a, rows(rl(tmp.resolve("c"), "ppo", "shrink-perturb", 8, 2048)), "another seed differs");
    List<String> d = rows(rl(tmp.resolve("d"), "dqn", "redo", 7, 1200));
    assertEquals(d, rows(rl(tmp.resolve("e"), "dqn", "redo", 7, 1200)), "DQN with ReDo, same seed");
    assertTrue(a.size() > 10 && d.size() > 10);
  }

  @Test
  void supervisedRunsRepeatThemselves(@TempDir Path tmp) throws Exception {
    List<List<String>> runs = new ArrayList<>();
    for (String name : new String[] {"x", "y"}) {
      Tasks.Resolved r = Tasks.resolve("permuted-mnist", "small", Map.of("task_examples", 320), null, null, 5);
      var config = dev.isoplast.continual.SupervisedConfig.fromMap(r.learner(), Methods.get("cbp")
          .overrides("supervised"));
      ContinualTrainer.run(RunDirectory.create(tmp.resolve(name)), new RunSpec.Supervised(r.tasks(),
          r.taskConfig(), config, 5, 3, new MonitorSpec(Monitors.parse("all"), Map.of(Monitors.Kind.WEIGHTS, 5,
              Monitors.Kind.DORMANCY, 5, Monitors.Kind.FEATURES, 10, Monitors.Kind.NTK, 10, Monitors.Kind.ISOMETRY, 10),
              64), "cbp", null), false);
      runs.add(rows(tmp.resolve(name)));
    }
    assertEquals(runs.get(0), runs.get(1));
  }
}
