package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.dqn.Dqn;
import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.Ppo;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.config.Snapshot;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Sgd;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import dev.isoplast.testing.TestLearner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * C-CHAIN ({@link CChain}) against the method card's hand values (arXiv 2506.00592 and the authors'
 * code): the MSE churn term and its gradient on a linear net, the CE term and its gradient, the
 * automatic coefficient with its warm-up, window, floor and annealing fraction, the invariants
 * (no churn, no gradient), a state round trip continuing identically, and its preset training PPO
 * (categorical and Gaussian), DQN and the supervised learner with the term acting.
 */
class CChainTest {

  /** One Dense layer {@code in → out} in float64 with the given row-major weights and bias. */
  private static Sequential linear(int in, int out, double[] w, double[] b) {
    Dense d = new Dense("net.0", in, out, true, DataType.DOUBLE);
    Sequential net = new Sequential("net", List.of(d));
    set(net, w, b);
    return net;
  }

  private static void set(Sequential net, double[] w, double[] b) {
    HostArrays.fromDoubles(w, net.params().get(0).value());
    HostArrays.fromDoubles(b, net.params().get(1).value());
  }

  private static double[] grad(Sequential net, int k) {
    return HostArrays.toDoubles(net.params().get(k).grad(), null);
  }

  private static double[] value(Sequential net, int k) {
    return HostArrays.toDoubles(net.params().get(k).value(), null);
  }

  private static CChain build(double scale, TestLearner learner) {
    return (CChain) CChain.PART.build(new CChain.Config(scale), learner.output(), 5);
  }

  @Test
  void mseChurnOnALinearNetGivesTheCardsValues() {
    // W_{t−1} = [[1, 0]], W_t = [[1.1, −0.2]], X_ref = [[1, 1], [2, 0]]: diff [−0.1, 0.2], L_C = 0.025,
    // ∂L_C/∂W = [[0.3, −0.1]], ∂L_C/∂b = 2·mean(diff) = 0.1; λ = s·50 (DQN's λ_init; supervised = DQN's)
    float[] x = {1, 1, 2, 0};
    for (double s : new double[] {1.0, 0.3}) {
      Sequential net = linear(2, 1, new double[] {1, 0}, new double[] {0});
      TestLearner learner = new TestLearner(Map.of("net", net), new Sgd(net.params(), 0.1, 0), x)
          .withReferenceRows(x);
      CChain c = build(s, learner);
      assertEquals(50 * s, c.coefficient(), 1e-12);
      net.zeroGrad();
      c.addGradient(learner, 1); // no θ_{t−1} yet: no term
      assertArrayEquals(new double[] {0, 0}, grad(net, 0));
      assertEquals(0.0, c.metrics().get("losses/cchain"));

      set(net, new double[] {1.1, -0.2}, new double[] {0});
      net.zeroGrad();
      c.addGradient(learner, 2);
      double lambda = 50 * s;
      assertEquals(0.025, c.metrics().get("losses/cchain"), 1e-12);
      assertArrayEquals(new double[] {lambda * 0.3, lambda * -0.1}, grad(net, 0), 1e-12);
      assertArrayEquals(new double[] {lambda * 0.1}, grad(net, 1), 1e-12);
      // the parameters are left as found, bit for bit
      assertArrayEquals(new double[] {1.1, -0.2}, value(net, 0), 0.0);

      // invariant: θ_t = θ_{t−1} ⇒ no churn and no gradient
      net.zeroGrad();
      c.addGradient(learner, 3);
      assertEquals(0.0, c.metrics().get("losses/cchain"), 0.0);
      assertArrayEquals(new double[] {0, 0}, grad(net, 0), 0.0);
    }
  }

  @Test
  void crossEntropyChurnGivesTheCardsValuesAndItsGradientMatchesFiniteDifferences() {
    // π_{t−1} = [0.5, 0.5], logits_t = [1, 0]: L_C = 0.8132617, ∂L_C/∂logits ≈ π_t − π_{t−1} = [0.2311, −0.2311]
    double[] g = new double[2];
    assertEquals(0.8132617, CChain.crossEntropy(new double[] {1, 0}, new double[] {0, 0}, 2, g), 1e-7);
    assertArrayEquals(new double[] {0.2310586, -0.2310586}, g, 1e-7);
    // invariant: equal logits ⇒ the value is the entropy H(π_{t−1}) = ln 2 and the gradient ≈ 0
    assertEquals(Math.log(2), CChain.crossEntropy(new double[] {0.3, 0.3}, new double[] {0.3, 0.3}, 2, g), 1e-7);
    assertArrayEquals(new double[] {0, 0}, g, 1e-7);

    // brute force: central differences on 3 rows of 4 logits
    SplittableRandom rng = new SplittableRandom(3);
    double[] z = new double[12];
    double[] zp = new double[12];
    for (int i = 0; i < 12; i++) {
      z[i] = rng.nextGaussian();
      zp[i] = rng.nextGaussian();
    }
    double[] grad = new double[12];
    CChain.crossEntropy(z, zp, 4, grad);
    double[] scratch = new double[12];
    for (int i = 0; i < 12; i++) {
      double h = 1e-6;
      double[] up = z.clone();
      double[] down = z.clone();
      up[i] += h;
      down[i] -= h;
      double fd = (CChain.crossEntropy(up, zp, 4, scratch) - CChain.crossEntropy(down, zp, 4, scratch)) / (2 * h);
      assertEquals(fd, grad[i], 1e-8, "logit " + i);
    }
  }

  @Test
  void crossEntropyTermOnAPolicyNetUsesTheCategoricalCoefficient() {
    // a 1 → 2 policy head: θ_{t−1} = 0 (logits [0, 0]), θ_t: W = [[1], [0]] (logits [1, 0] at x = 1); λ_init = 1
    float[] x = {1};
    Sequential net = linear(1, 2, new double[] {0, 0}, new double[] {0, 0});
    TestLearner learner = new TestLearner(Map.of("net", net), new Sgd(net.params(), 0.1, 0), x).withReferenceRows(x)
        .withOutputKind(Learner.Output.Kind.POLICY_LOGITS);
    CChain c = build(1.0, learner);
    assertEquals(1.0, c.coefficient());
    net.zeroGrad();
    c.addGradient(learner, 1);
    set(net, new double[] {1, 0}, new double[] {0, 0});
    net.zeroGrad();
    c.addGradient(learner, 2);
    assertEquals(0.8132617, c.metrics().get("losses/cchain"), 1e-7);
    assertArrayEquals(new double[] {0.2310586, -0.2310586}, grad(net, 0), 1e-7);
    assertArrayEquals(new double[] {0.2310586, -0.2310586}, grad(net, 1), 1e-7);
  }

  @Test
  void theAutomaticCoefficientFollowsTheCodesFormula() {
    // card: mean|L_pg| = 0.02, mean L_C = 0.004, frac = 0.5, λ_rel = 0.05 → λ = 0.1249997
    assertEquals(0.1249997, CChain.coefficient(0.05, 0.02, 0.004, 0.5, 0), 1e-7);
    assertEquals(1.0, CChain.coefficient(1e4, 1e-9, 1.0, 1, 1), 0.0); // the categorical floor
  }

  /**
   * Drives a term over {@code updates} updates of a small net (one step each, an SGD step in
   * between) with task losses {@code task(t)}; returns λ after each update and checks it against
   * the formula recomputed from the logged churn values.
   */
  private static List<Double> drive(Learner.Output.Kind kind, double s, int updates, double lr0, boolean anneal,
      java.util.function.LongToDoubleFunction task, int warmup, int window, double relScale, double initial,
      double floor) {
    SplittableRandom rng = new SplittableRandom(8);
    Dense d = new Dense("net.0", 3, 2, true, DataType.DOUBLE);
    Sequential net = new Sequential("net", List.of(d));
    double[] w = new double[6];
    for (int i = 0; i < 6; i++) {
      w[i] = rng.nextGaussian();
    }
    set(net, w, new double[] {0.1, -0.1});
    float[] x = new float[8 * 3];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    Sgd sgd = new Sgd(net.params(), lr0, 0);
    TestLearner learner = new TestLearner(Map.of("net", net), sgd, x).withOutputKind(kind);
    CChain c = build(s, learner);
    List<Double> tasks = new ArrayList<>();
    List<Double> churns = new ArrayList<>();
    List<Double> lambdas = new ArrayList<>();
    double expected = s * initial;
    for (int t = 1; t <= updates; t++) {
      double lr = anneal ? lr0 * (1.0 - (t - 1.0) / (2.0 * updates)) : lr0;
      sgd.setLearningRate(lr);
      net.zeroGrad();
      c.addGradient(learner, t);
      if (t > 1) {
        churns.add(c.metrics().get("losses/cchain"));
      }
      learner.setTaskLoss(task.applyAsDouble(t));
      tasks.add(Math.abs(task.applyAsDouble(t)));
      sgd.step();
      c.afterUpdate(learner, t);
      if (t >= warmup) {
        double mt = tasks.subList(Math.max(0, tasks.size() - window), tasks.size()).stream()
            .mapToDouble(Double::doubleValue).average().orElseThrow();
        double mc = churns.subList(Math.max(0, churns.size() - window), churns.size()).stream()
            .mapToDouble(Double::doubleValue).average().orElseThrow();
        expected = s * Math.max(floor, relScale * mt / (mc + 1e-8) * (lr / lr0));
      }
      assertEquals(expected, c.coefficient(), 1e-9 * Math.abs(expected), "update " + t);
      lambdas.add(c.coefficient());
    }
    return lambdas;
  }

  @Test
  void theCoefficientKeepsItsInitialValueThroughTheWarmUpThenFollowsTheWindowedLosses() {
    // categorical PPO: λ_init 1 until update 11, window 50, floor 1, no annealing; s = 0.3 scales all of it
    List<Double> l = drive(Learner.Output.Kind.POLICY_LOGITS, 0.3, 70, 0.05, false, t -> 1e-3 * (t % 7) - 2e-3, 11,
        50, 1e4, 1, 1);
    assertEquals(0.3, l.get(9), 0.0);
    assertTrue(l.get(69) != 0.3, "the automatic value acts after the warm-up: " + l.get(69));
    // with a tiny task loss the floor binds: λ = s · 1
    List<Double> f = drive(Learner.Output.Kind.POLICY_LOGITS, 0.3, 12, 0.05, false, t -> 1e-9, 11, 50, 1e4, 1, 1);
    assertEquals(0.3, f.get(11), 0.0);
    // Gaussian PPO: λ_init 100 until update 50, window 100, times the annealing fraction η_t/η₀
    drive(Learner.Output.Kind.POLICY_MEAN, 1.0, 60, 0.05, true, t -> -0.01 * t, 50, 100, 0.05, 100, 0);
  }

  @Test
  void stateRoundTripContinuesIdentically() {
    float[] x = new float[6 * 2];
    SplittableRandom rng = new SplittableRandom(2);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    double[] w = {0.5, -0.3, 0.2, 0.9};
    Sequential a = linear(2, 2, w, new double[] {0, 0});
    Sgd sgdA = new Sgd(a.params(), 0.05, 0);
    TestLearner la = new TestLearner(Map.of("net", a), sgdA, x).withOutputKind(Learner.Output.Kind.POLICY_LOGITS);
    CChain ca = build(1.0, la);
    for (int t = 1; t <= 13; t++) { // past the categorical warm-up, so λ is automatic
      a.zeroGrad();
      ca.addGradient(la, t);
      la.setTaskLoss(0.01 * t);
      sgdA.step();
      ca.afterUpdate(la, t);
    }
    Snapshot saved = Snapshot.fromBytes(ca.state().toBytes());

    Sequential b = linear(2, 2, w, new double[] {0, 0});
    for (int k = 0; k < 2; k++) {
      b.params().get(k).value().assign(a.params().get(k).value());
    }
    Sgd sgdB = new Sgd(b.params(), 0.05, 0);
    TestLearner lb = new TestLearner(Map.of("net", b), sgdB, x).withOutputKind(Learner.Output.Kind.POLICY_LOGITS);
    CChain cb = build(1.0, lb);
    cb.restore(saved);
    assertEquals(ca.coefficient(), cb.coefficient(), 0.0);
    for (int t = 14; t <= 18; t++) {
      for (var pair : List.of(Map.entry(a, ca), Map.entry(b, cb))) {
        pair.getKey().zeroGrad();
      }
      ca.addGradient(la, t);
      cb.addGradient(lb, t);
      assertArrayEquals(grad(a, 0), grad(b, 0), 0.0, "step " + t);
      assertTrue(ca.metrics().get("losses/cchain") > 0);
      la.setTaskLoss(0.01 * t);
      lb.setTaskLoss(0.01 * t);
      sgdA.step();
      sgdB.step();
      ca.afterUpdate(la, t);
      cb.afterUpdate(lb, t);
      assertEquals(ca.metrics(), cb.metrics(), "update " + t);
      assertArrayEquals(value(a, 0), value(b, 0), 0.0);
    }
  }

  @Test
  void aSupervisedLearnersCheckpointWithTheTermContinuesBitForBit() {
    Map<String, Object> m = preset("supervised");
    m.put("hidden_sizes", "8");
    SupervisedConfig config = SupervisedConfig.fromMap(SupervisedConfig.small(), m);
    SupervisedLearner a = new SupervisedLearner(config, 3, 2, 4);
    SplittableRandom rng = new SplittableRandom(6);
    float[][] xs = new float[30][8 * 3];
    int[][] ys = new int[30][8];
    for (int t = 0; t < 30; t++) {
      for (int i = 0; i < xs[t].length; i++) {
        xs[t][i] = (float) rng.nextGaussian();
      }
      for (int i = 0; i < 8; i++) {
        ys[t][i] = rng.nextInt(2);
      }
    }
    for (int t = 0; t < 20; t++) {
      a.step(xs[t], ys[t], 8);
    }
    // a fresh learner of the same seed (a resume rebuilds it from the run's seed): the rest comes from the checkpoint
    SupervisedLearner b = new SupervisedLearner(config, 3, 2, 4);
    b.restore(Snapshot.fromBytes(a.state().toBytes()));
    for (int t = 20; t < 30; t++) {
      a.step(xs[t], ys[t], 8);
      b.step(xs[t], ys[t], 8);
      assertEquals(a.metrics(), b.metrics(), "step " + t);
    }
    assertTrue(a.metrics().get("losses/cchain") > 0);
    for (int k = 0; k < a.params().size(); k++) {
      assertArrayEquals(HostArrays.toDoubles(a.params().get(k).value(), null),
          HostArrays.toDoubles(b.params().get(k).value(), null),
          0.0, a.params().get(k).name());
    }
  }

  private static Map<String, Object> preset(String kind) {
    return new LinkedHashMap<>(Methods.get("c-chain").overrides(kind));
  }

  @Test
  void itsPresetTrainsTheSupervisedLearnerWithTheTermActing() {
    Map<String, Object> m = preset("supervised");
    m.put("hidden_sizes", "16,16");
    SupervisedConfig config = SupervisedConfig.fromMap(SupervisedConfig.small(), m);
    SupervisedLearner learner = new SupervisedLearner(config, 4, 3, 7);
    SplittableRandom rng = new SplittableRandom(1);
    int b = 16;
    float[] x = new float[b * 4];
    int[] y = new int[b];
    for (int i = 0; i < b; i++) {
      y[i] = i % 3;
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) (rng.nextGaussian() * 0.3 + (j == y[i] ? 2 : 0));
      }
    }
    learner.step(x, y, b);
    double first = learner.lastLoss();
    double churn = 0;
    for (int t = 0; t < 150; t++) {
      learner.step(x, y, b);
      churn = Math.max(churn, learner.metrics().get("losses/cchain"));
    }
    assertTrue(learner.lastLoss() < 0.5 * first, first + " → " + learner.lastLoss());
    assertTrue(churn > 0, "the churn term acted");
    assertEquals(50.0, learner.metrics().get("charts/cchain_coef"), 0.0); // DQN's λ_init before update 10,000
  }

  /** The largest logged churn and the last coefficient of a run's rows. */
  private static double[] churnAndCoef(RecordingSink rows) {
    double churn = 0;
    double coef = Double.NaN;
    for (Map<String, Double> r : rows.rows) {
      if (r.containsKey("losses/cchain")) {
        churn = Math.max(churn, r.get("losses/cchain"));
        coef = r.get("charts/cchain_coef");
      }
    }
    return new double[] {churn, coef};
  }

  @Test
  void itsPresetActsInPpoCategoricalAndGaussianAndInDqnThroughTheSidecar() {
    // categorical PPO on CartPole: CE churn, λ_init = 1
    Map<String, Object> m = preset("ppo");
    m.put("num_steps", 32);
    PpoConfig cart = PpoConfig.fromMap(PpoConfig.defaults(), m);
    RecordingSink rows = new RecordingSink();
    try (VectorEnv env = Sidecar.client().make("CartPole-v1", cart.numEnvs(), 3)) {
      new Ppo(cart, env, 3).train(2L * cart.batchSize(), rows, List.of());
    }
    double[] cc = churnAndCoef(rows);
    assertTrue(cc[0] > 0, "CE churn logged: " + cc[0]);
    assertEquals(1.0, cc[1], 0.0);

    // Gaussian PPO on Pendulum: MSE churn of the actor's mean, λ_init = 100
    m.put("num_minibatches", 4); // (minibatches of 1 normalise every advantage to 0: the actor would not move)
    PpoConfig pend = PpoConfig.fromMap(PpoConfig.continuousDefaults(), m);
    rows = new RecordingSink();
    try (VectorEnv env = Sidecar.client().make("Pendulum-v1", pend.numEnvs(), 3)) {
      new Ppo(pend, env, 3).train(2L * pend.batchSize(), rows, List.of());
    }
    cc = churnAndCoef(rows);
    assertTrue(cc[0] > 0, "MSE churn logged: " + cc[0]);
    assertEquals(100.0, cc[1], 0.0);

    // DQN on CartPole: MSE churn over all Q-values, λ_init = 50 (a row is logged every 100 vector steps)
    Map<String, Object> d = preset("dqn");
    d.putAll(Map.of("learning_starts", 16, "train_frequency", 1, "buffer_size", 500, "batch_size", 16));
    DqnConfig dqn = DqnConfig.fromMap(DqnConfig.defaults(), d);
    rows = new RecordingSink();
    try (VectorEnv env = Sidecar.client().make("CartPole-v1", dqn.numEnvs(), 3)) {
      Dqn agent = new Dqn(dqn, env, 3);
      agent.train(110, rows, List.of());
      assertTrue(agent.gradientSteps() > 90);
    }
    cc = churnAndCoef(rows);
    assertTrue(cc[0] > 0, "Q churn logged: " + cc[0]);
    assertEquals(50.0, cc[1], 0.0);
  }
}
