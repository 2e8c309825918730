package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.Agent;
import dev.isoplast.agents.Callback;
import dev.isoplast.agents.dqn.Dqn;
import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.Ppo;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The monitors as a training callback through the real sidecar: cadence, names, and no effect on training. */
class MonitorsSidecarTest {

  static final Map<Monitors.Kind, Integer> CADENCE = Map.of(Monitors.Kind.WEIGHTS, 1, Monitors.Kind.DORMANCY, 2,
      Monitors.Kind.FEATURES, 3, Monitors.Kind.NTK, 4, Monitors.Kind.ISOMETRY, 6);

  private static RecordingSink run(BiFunction<VectorEnv, Long, Agent> make, int numEnvs, long steps,
      Set<Monitors.Kind> kinds, Map<Monitors.Kind, Integer> cadence) {
    RecordingSink rows = new RecordingSink();
    try (VectorEnv env = Sidecar.client().make("CartPole-v1", numEnvs, 5)) {
      Agent agent = make.apply(env, 5L);
      List<Callback> cbs = new ArrayList<>();
      if (!kinds.isEmpty()) {
        cbs.add(new Monitors(agent, kinds, cadence, 64, 8, 5, rows));
      }
      agent.train(steps, rows, cbs);
    }
    return rows;
  }

  @Test
  void ppoLogsEveryMonitorAtItsCadenceWithoutChangingTraining() {
    BiFunction<VectorEnv, Long, Agent> ppo = (env, seed) -> new Ppo(PpoConfig.defaults(), env, seed);
    int perUpdate = 512; // 4 envs x 128 steps
    RecordingSink plain = run(ppo, 4, 12L * perUpdate, Set.of(), CADENCE);
    RecordingSink mon = run(ppo, 4, 12L * perUpdate, EnumSet.allOf(Monitors.Kind.class), CADENCE);
    assertEquals(plain.deterministicRows(), mon.deterministicRows(null, "monitors/ms"),
        "monitors must not change the training run");
    // one row per update (weights every update); the others at multiples of their cadence
    assertEquals(12, mon.stepsOf("monitors/ms").size());
    assertEquals(List.of(2048L, 4096L, 6144L), mon.stepsOf("plasticity/ntk_cond"));
    assertEquals(List.of(3072L, 6144L), mon.stepsOf("isometry/actor.body/gap"));
    assertEquals(6, mon.stepsOf("plasticity/dead_frac").size());
    assertEquals(4, mon.stepsOf("plasticity/feature_srank/critic").size());
    Set<String> names = mon.names();
    for (String n : List.of("plasticity/dead_frac", "plasticity/dormant_frac", "plasticity/dead_frac/actor.body.1",
        "plasticity/dormant_frac/critic.body.3", "plasticity/ntk_erank", "plasticity/ntk_srank", "plasticity/ntk_cond",
        "plasticity/ntk_trace", "plasticity/ntk_erank_frac", "plasticity/ntk_erank/critic", "plasticity/ntk_cond/actor",
        "isometry/actor.body.0/sigma_mean", "isometry/critic.body.2/gap", "isometry/critic.body/sigma_max",
        "plasticity/feature_srank", "plasticity/feature_erank/actor", "weights/actor/norm", "weights/critic/change",
        "weights/actor.body.0/grad_norm")) {
      assertTrue(names.contains(n), n + " missing from " + names);
    }
    for (Map<String, Double> r : mon.rows) {
      if (r.containsKey("plasticity/ntk_erank")) {
        double erank = r.get("plasticity/ntk_erank");
        assertTrue(erank >= 1 && erank <= 64, "erank of a 64x64 kernel: " + erank);
        assertEquals(erank / 64, r.get("plasticity/ntk_erank_frac"), 1e-9);
        assertEquals(r.get("plasticity/ntk_erank/actor"), erank, "the policy network's is the plain name");
        assertTrue(r.get("plasticity/ntk_trace") > 0 && r.get("plasticity/ntk_cond") >= 1);
      }
      if (r.containsKey("plasticity/dead_frac")) {
        double d = r.get("plasticity/dead_frac");
        assertTrue(d >= 0 && d <= r.get("plasticity/dormant_frac") && r.get("plasticity/dormant_frac") <= 1);
        assertEquals(0.0, d, "a tanh body has no dead units");
      }
    }
    // the weights move away from their start as training proceeds
    List<Double> change = mon.values("weights/actor/change");
    assertTrue(change.get(0) > 0 && change.get(change.size() - 1) > change.get(0), change.toString());
  }

  @Test
  void dqnMonitorsItsQNetworkAndReluUnitsCanDie() {
    BiFunction<VectorEnv, Long, Agent> dqn = (env, seed) -> new Dqn(DqnConfig.defaults().withLearningStarts(100)
        .with("train_frequency", 1).with("buffer_size", 2000), env, seed);
    RecordingSink mon = run(dqn, 1, 700, EnumSet.of(Monitors.Kind.NTK, Monitors.Kind.DORMANCY), Map.of(
        Monitors.Kind.NTK, 200, Monitors.Kind.DORMANCY, 100, Monitors.Kind.WEIGHTS, 1, Monitors.Kind.FEATURES, 1,
        Monitors.Kind.ISOMETRY, 1));
    // gradient steps at env steps 102..700 (every step past learning_starts): 599 updates
    assertEquals(5, mon.stepsOf("plasticity/dead_frac").size());
    assertEquals(2, mon.stepsOf("plasticity/ntk_cond/q_network").size());
    assertTrue(mon.names().contains("plasticity/dead_frac/q_network.body.1"), mon.names().toString());
    assertTrue(mon.names().contains("plasticity/ntk_cond"));
    assertTrue(!mon.names().contains("isometry/q_network.body/gap"), "isometry was not asked for");
  }

  @Test
  void monitorListsAndCadencesParseWithClearErrors() {
    assertEquals(EnumSet.allOf(Monitors.Kind.class), Monitors.parse("all"));
    assertEquals(EnumSet.noneOf(Monitors.Kind.class), Monitors.parse("none"));
    assertEquals(EnumSet.of(Monitors.Kind.NTK, Monitors.Kind.DORMANCY), Monitors.parse("ntk, dormancy"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Monitors.parse("ntk,rank"));
    assertTrue(e.getMessage().contains("unknown monitor 'rank'"), e.getMessage());
    Map<Monitors.Kind, Integer> c = Monitors.parseCadence("ntk=7,weights=2", Monitors.defaultCadence(dev.isoplast.config.LearnerKind.PPO));
    assertEquals(7, c.get(Monitors.Kind.NTK));
    assertEquals(2, c.get(Monitors.Kind.WEIGHTS));
    assertEquals(10, c.get(Monitors.Kind.DORMANCY));
    assertEquals(1000, Monitors.defaultCadence(dev.isoplast.config.LearnerKind.DQN).get(Monitors.Kind.DORMANCY));
    assertThrows(IllegalArgumentException.class, () -> Monitors.parseCadence("ntk=0", Monitors.defaultCadence(dev.isoplast.config.LearnerKind.PPO)));
    assertThrows(IllegalArgumentException.class, () -> Monitors.parseCadence("ntk", Monitors.defaultCadence(dev.isoplast.config.LearnerKind.PPO)));
  }
}
