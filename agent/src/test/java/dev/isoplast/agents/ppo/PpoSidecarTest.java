package dev.isoplast.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.Callback;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.Flatten;
import dev.isoplast.nn.GroupSort;
import dev.isoplast.nn.ReLU;
import dev.isoplast.nn.Sequential;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** PPO end to end through the real Gymnasium sidecar, on tiny budgets. */
class PpoSidecarTest {

  static TrainResult run(String envId, PpoConfig config, long seed, long steps, RecordingSink rows, List<Callback> cbs) {
    try (VectorEnv env = Sidecar.client().make(envId, config.numEnvs(), seed)) {
      return new Ppo(config, env, seed).train(steps, rows, cbs);
    }
  }

  @Test
  void cartPoleRunsAndLogsCleanRlMetrics() {
    RecordingSink rows = new RecordingSink();
    List<String> events = new ArrayList<>();
    Callback cb = new Callback() {
      @Override
      public void onStart(long step) {
        events.add("start@" + step);
      }

      @Override
      public void onRolloutEnd(long step) {
        events.add("rollout@" + step);
      }

      @Override
      public void onUpdate(long step) {
        events.add("update@" + step);
      }

      @Override
      public void onEnd(long step) {
        events.add("end@" + step);
      }
    };
    TrainResult r = run("CartPole-v1", PpoConfig.defaults(), 1, 1024, rows, List.of(cb));
    assertEquals(1024, r.globalSteps());
    assertEquals(2, r.iterations());
    assertFalse(r.episodeReturns().isEmpty());
    assertTrue(r.sps() > 0);
    assertEquals(List.of("start@0", "rollout@512", "update@512", "rollout@1024", "update@1024", "end@1024"), events);
    Set<String> names = rows.names();
    for (String n : List.of("charts/episodic_return", "charts/episodic_length", "charts/learning_rate", "charts/SPS",
        "losses/value_loss", "losses/policy_loss", "losses/entropy", "losses/old_approx_kl", "losses/approx_kl",
        "losses/clipfrac", "losses/explained_variance")) {
      assertTrue(names.contains(n), "missing " + n + " in " + names);
    }
    // the annealed rate: iteration 1 at the full rate, iteration 2 at half (num_iterations = 2)
    List<Double> lrs = rows.rows.stream().filter(m -> m.containsKey("charts/learning_rate"))
        .map(m -> m.get("charts/learning_rate")).toList();
    assertEquals(2.5e-4, lrs.get(0), 1e-12);
    assertEquals(1.25e-4, lrs.get(1), 1e-12);
    // initial entropy of a near-uniform policy over 2 actions is close to log 2
    double firstEntropy = rows.rows.stream().filter(m -> m.containsKey("losses/entropy")).findFirst().orElseThrow()
        .get("losses/entropy");
    assertEquals(Math.log(2), firstEntropy, 0.01);
  }

  @Test
  void sameSeedGivesIdenticalMetrics() {
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    RecordingSink c = new RecordingSink();
    run("CartPole-v1", PpoConfig.defaults(), 7, 1024, a, List.of());
    run("CartPole-v1", PpoConfig.defaults(), 7, 1024, b, List.of());
    run("CartPole-v1", PpoConfig.defaults(), 8, 1024, c, List.of());
    assertEquals(a.deterministicRows(), b.deterministicRows());
    assertFalse(a.deterministicRows().equals(c.deterministicRows()), "another seed should give other metrics");
  }

  @Test
  void callbackCanStopTraining() {
    Callback stopAt100 = new Callback() {
      @Override
      public boolean onStep(long step) {
        return step < 100;
      }
    };
    TrainResult r = run("CartPole-v1", PpoConfig.defaults(), 3, 2048, new RecordingSink(), List.of(stopAt100));
    assertTrue(r.stoppedByCallback());
    assertEquals(100, r.globalSteps());
    assertEquals(0, r.iterations());
  }

  @Test
  void optimizersBodiesAndRegularizersRun() {
    List<PpoConfig> configs = List.of(
        PpoConfig.defaults().withOptimizer("adamw").with("weight_decay", 1e-4),
        PpoConfig.defaults().withOptimizer("adamo").with("iso_coef", 1e-3).with("body", "isometric"),
        PpoConfig.defaults().withOptimizer("sgd").with("momentum", 0.9).with("learning_rate", 1e-2),
        PpoConfig.fromMap(Map.of("parseval_coef", 1e-3, "l2_coef", 1e-4, "l2_init_coef", 1e-2, "spectral_coef", 1e-3,
            "layer_norm", true, "target_kl", 0.01)));
    for (PpoConfig config : configs) {
      RecordingSink rows = new RecordingSink();
      TrainResult r = run("CartPole-v1", config, 2, 512, rows, List.of());
      assertEquals(512, r.globalSteps(), config.methods().optim().optimizer());
      Map<String, Double> last = rows.rows.get(rows.rows.size() - 1);
      assertTrue(Double.isFinite(last.get("losses/value_loss")), config.toString());
      if (config.methods().get(dev.isoplast.optim.ParsevalRegularizer.PART).parsevalCoef() > 0) {
        for (String n : List.of("losses/parseval", "losses/l2", "losses/l2_init", "losses/spectral")) {
          assertTrue(last.containsKey(n), "missing " + n + " in " + last.keySet());
        }
      }
    }
  }

  @Test
  void pendulumContinuousSmokeRun() {
    PpoConfig config = PpoConfig.continuousDefaults().withNumSteps(512).withNumMinibatches(8);
    RecordingSink rows = new RecordingSink();
    TrainResult r = run("Pendulum-v1", config, 1, 1024, rows, List.of());
    assertEquals(1024, r.globalSteps());
    // Pendulum episodes are truncated at 200 steps: 5 finished, each with a negative return
    assertEquals(5, r.episodeReturns().size());
    r.episodeReturns().forEach(x -> assertTrue(x < 0));
    for (Map<String, Double> m : rows.rows) {
      for (Map.Entry<String, Double> e : m.entrySet()) {
        if (!e.getKey().equals("losses/explained_variance")) {
          assertTrue(Double.isFinite(e.getValue()), e.getKey() + " = " + e.getValue());
        }
      }
    }
    // state-independent Gaussian with log-std 0: entropy of N(0, 1) per dimension at the start
    double h = rows.rows.stream().filter(m -> m.containsKey("losses/entropy")).findFirst().orElseThrow()
        .get("losses/entropy");
    assertEquals(0.5 * (1 + Math.log(2 * Math.PI)), h, 0.02);
    // charts/policy_std, the mean of exp(log_std), on every update row: near 1 after the first updates
    List<Double> std = rows.rows.stream().filter(m -> m.containsKey("charts/policy_std"))
        .map(m -> m.get("charts/policy_std")).toList();
    assertEquals(2, std.size(), "one per iteration");
    assertEquals(1.0, std.get(0), 0.05);
  }

  /** Two PPO iterations with a conv body on MinAtar Breakout: its rows and the actor. */
  private static Sequential minAtar(PpoConfig config, long seed, Map<String, Object> kwargs, RecordingSink rows) {
    try (VectorEnv env = Sidecar.client().make("MinAtar/Breakout-v1", config.numEnvs(), seed, kwargs)) {
      Ppo ppo = new Ppo(config, env, seed);
      TrainResult r = ppo.train(2 * config.numEnvs() * config.numSteps(), rows, List.of());
      assertEquals(2, r.iterations());
      return ppo.networks().get("actor");
    }
  }

  @Test
  void convActorAndCriticTrainOnMinAtarBreakoutAndRepeatThemselves() {
    // CleanRL's defaults with --body conv (ReLU, orthogonal √2), shorter: 4 envs × 64 steps, 2 epochs of 4 minibatches
    PpoConfig c = PpoConfig.defaults().with("body", "conv").with("num_steps", 64).with("update_epochs", 2);
    RecordingSink a = new RecordingSink();
    Sequential actor = minAtar(c, 5, Map.of(), a);
    assertEquals(List.of(Conv2D.class, ReLU.class, Flatten.class, Dense.class, ReLU.class, Dense.class),
        actor.layers().stream().map(Object::getClass).toList());
    assertEquals(3, actor.outSize());
    // a near-uniform initial policy over Breakout's 3 minimal actions (actor head gain 0.01)
    double firstEntropy = a.rows.stream().filter(m -> m.containsKey("losses/entropy")).findFirst().orElseThrow()
        .get("losses/entropy");
    assertEquals(Math.log(3), firstEntropy, 0.01);
    assertTrue(Double.isFinite(a.rows.get(a.rows.size() - 1).get("losses/value_loss")));
    RecordingSink b = new RecordingSink();
    minAtar(c, 5, Map.of(), b);
    assertEquals(a.deterministicRows(), b.deterministicRows(), "the same seed gives the same rows");
    RecordingSink full = new RecordingSink();
    Sequential six = minAtar(c.with("activation", "maxmin"), 5, Map.of("use_minimal_action_set", false), full);
    assertEquals(6, six.outSize(), "the full action set");
    assertEquals(GroupSort.class, six.layer(1).getClass(), "the MaxMin variant of the conv body");
  }
}
