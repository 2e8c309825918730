package dev.isoplast.agents.dqn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.Callback;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

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
}
