package dev.isoplast.agents.dqn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.Callback;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.Flatten;
import dev.isoplast.nn.ReLU;
import dev.isoplast.nn.Sequential;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** DQN end to end through the real Gymnasium sidecar, on tiny budgets. */
class DqnSidecarTest {

  /** CleanRL's defaults with a budget-sized schedule: learning from step 500, target copy every 100. */
  static DqnConfig tiny() {
    return DqnConfig.defaults().withLearningStarts(500).with("target_network_frequency", 100);
  }

  static TrainResult run(DqnConfig config, long seed, long steps, MetricSink rows, List<Callback> cbs) {
    try (VectorEnv env = Sidecar.client().make("CartPole-v1", config.numEnvs(), seed)) {
      return new Dqn(config, env, seed).train(steps, rows, cbs);
    }
  }

  @Test
  void cartPoleRunsAndLogsCleanRlMetrics() {
    RecordingSink rows = new RecordingSink();
    List<String> events = new ArrayList<>();
    int[] updates = {0};
    Callback cb = new Callback() {
      @Override
      public void onStart(long step) {
        events.add("start@" + step);
      }

      @Override
      public void onUpdate(long step) {
        if (updates[0]++ == 0) {
          events.add("update@" + step);
        }
      }

      @Override
      public void onEnd(long step) {
        events.add("end@" + step);
      }
    };
    TrainResult r = run(tiny(), 1, 3000, rows, List.of(cb));
    assertEquals(3000, r.globalSteps());
    // gradient steps at CleanRL's global_step 510, 520, ..., 2990: 249
    assertEquals(249, r.iterations());
    assertEquals(249, updates[0]);
    assertEquals(List.of("start@0", "update@511", "end@3000"), events);
    assertFalse(r.episodeReturns().isEmpty());
    assertTrue(r.sps() > 0);
    Set<String> names = rows.names();
    for (String n : List.of("charts/episodic_return", "charts/episodic_length", "charts/epsilon", "charts/SPS",
        "losses/td_loss", "losses/q_values")) {
      assertTrue(names.contains(n), "missing " + n + " in " + names);
    }
    // loss rows at global_step 600, 700, ..., 2900 (CleanRL: global_step % 100 == 0), logged after the step
    List<Long> lossSteps = new ArrayList<>();
    for (int i = 0; i < rows.rows.size(); i++) {
      Map<String, Double> m = rows.rows.get(i);
      if (m.containsKey("losses/td_loss")) {
        lossSteps.add(rows.steps.get(i));
        assertTrue(Double.isFinite(m.get("losses/td_loss")) && Double.isFinite(m.get("losses/q_values")));
        // ε at global_step t = 100 k: 1 − 0.95 t / 1500, floored at 0.05
        long t = rows.steps.get(i) - 1;
        assertEquals(Math.max(1 - 0.95 * t / 1500.0, 0.05), m.get("charts/epsilon"), 1e-12);
      }
    }
    assertEquals(24, lossSteps.size());
    assertEquals(601L, lossSteps.get(0));
    assertEquals(2901L, lossSteps.get(23));
    // buffer: 3000 transitions into 10000 slots
    // (the network's and buffer's state after training are checked in the unit tests)
  }

  @Test
  void sameSeedGivesIdenticalMetrics() {
    DqnConfig c = tiny().with("double_dqn", true).with("loss", "huber");
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    RecordingSink other = new RecordingSink();
    run(c, 7, 2000, a, List.of());
    run(c, 7, 2000, b, List.of());
    run(c, 8, 2000, other, List.of());
    assertEquals(a.deterministicRows(), b.deterministicRows());
    assertFalse(a.deterministicRows().equals(other.deterministicRows()), "another seed should give other metrics");
  }

  @Test
  void optimizersBodiesAndRegularizersRun() {
    List<DqnConfig> configs = List.of(
        tiny().withOptimizer("adamo").with("iso_coef", 1e-3).with("body", "isometric").with("hidden_sizes", "64,64")
            .with("tau", 0.05).with("target_network_frequency", 10),
        tiny().withOptimizer("adamw").with("weight_decay", 1e-4).with("num_envs", 2).with("parseval_coef", 1e-3)
            .with("l2_init_coef", 1e-2).with("spectral_coef", 1e-3).with("layer_norm", true));
    for (DqnConfig config : configs) {
      RecordingSink rows = new RecordingSink();
      TrainResult r = run(config, 2, 1200, rows, List.of());
      assertEquals(1200, r.globalSteps(), config.methods().optim().optimizer());
      assertTrue(r.iterations() > 0);
      Map<String, Double> last = null;
      for (Map<String, Double> m : rows.rows) {
        if (m.containsKey("losses/td_loss")) {
          last = m;
        }
      }
      assertTrue(last != null && Double.isFinite(last.get("losses/td_loss")), config.toString());
      if (config.methods().get(dev.isoplast.optim.ParsevalRegularizer.PART).parsevalCoef() > 0) {
        for (String n : List.of("losses/parseval", "losses/l2_init", "losses/spectral")) {
          assertTrue(last.containsKey(n), "missing " + n + " in " + last.keySet());
        }
      }
    }
  }

  /** One conv DQN run on MinAtar Breakout ({@code kwargs}: the server's env kwargs); its rows and its Q-network. */
  private static Sequential minAtar(DqnConfig config, long seed, Map<String, Object> kwargs, RecordingSink rows,
      INDArray[] kernelBefore) {
    try (VectorEnv env = Sidecar.client().make("MinAtar/Breakout-v1", config.numEnvs(), seed, kwargs)) {
      Dqn dqn = new Dqn(config, env, seed);
      Sequential q = dqn.networks().get("q_network");
      kernelBefore[0] = ((Conv2D) q.layer(0)).weight().value().dup();
      TrainResult r = dqn.train(600, rows, List.of());
      assertEquals(600, r.globalSteps());
      assertEquals(39, r.iterations(), "gradient steps at global_step 210, 220, ..., 590 (train_frequency 10)");
      return q;
    }
  }

  @Test
  void aConvQNetworkTrainsOnMinAtarBreakoutRepeatsItselfAndTakesTheFullActionSet() {
    DqnConfig c = tiny().with("body", "conv").withLearningStarts(200).with("batch_size", 32)
        .with("exploration_fraction", 0.2);
    assertEquals(List.of(), c.body().hiddenSizes(), "--body conv on DQN's defaults: the torso's own Dense layer");
    INDArray[] before = new INDArray[1];
    RecordingSink a = new RecordingSink();
    Sequential q = minAtar(c, 3, Map.of(), a, before);
    // Young & Tian's network on Breakout's 4×10×10 frames and its 3 minimal actions
    assertEquals(List.of(Conv2D.class, ReLU.class, Flatten.class, Dense.class, ReLU.class, Dense.class),
        q.layers().stream().map(Object::getClass).toList());
    assertEquals(3, q.outSize());
    assertNotEquals(before[0], ((Conv2D) q.layer(0)).weight().value(), "the gradient reaches the conv kernel");
    assertTrue(a.rows.stream().anyMatch(m -> m.containsKey("losses/td_loss")
        && Double.isFinite(m.get("losses/td_loss"))), "a finite TD loss was logged");
    RecordingSink b = new RecordingSink();
    minAtar(c, 3, Map.of(), b, before);
    assertEquals(a.deterministicRows(), b.deterministicRows(), "the same seed gives the same rows");
    RecordingSink full = new RecordingSink();
    Sequential six = minAtar(c.with("body", "conv_isometric"), 3, Map.of("use_minimal_action_set", false), full,
        before);
    assertEquals(6, six.outSize(), "the full action set");
    assertEquals(16 * 10 * 10, six.layer(0).outSize(), "conv_isometric keeps the 10×10 image ('same' padding)");
    assertFalse(a.deterministicRows().equals(full.deterministicRows()));
  }
}
