package dev.isoplast.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.config.RecordCodec;
import dev.isoplast.config.Snapshot;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.nn.Param;
import dev.isoplast.testing.Float64Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * UPGD against hand computation (the method card's values, recomputed in float64 numpy from
 * mohmdelsayed/upgd's FirstOrderGlobalUPGD and AdaptiveUPGD), its invariants, its noise, its
 * exclusion of the log-std, and a checkpoint that continues exactly.
 */
@ExtendWith(Float64Mode.class)
class UpgdTest {

  private static final double[] THETA = {1, -2, 0.5};
  private static final double[] G = {0.5, 0.25, -1};

  private static Param weight(String name, double... v) {
    return new Param(name, Param.Role.WEIGHT, false, Nd4j.createFromArray(v).reshape(1, v.length));
  }

  private static Upgd upgd(List<Param> ps, double lr, double sigma, double decay, double betaU, Upgd.Form form,
      long seed) {
    return new Upgd(ps, lr, 0.9, 0.999, 1e-5, new Upgd.Config(sigma, decay, betaU, form), ParamMask.layerParams(),
        seed);
  }

  private static double[] values(Param p) {
    return p.value().dup().data().asDouble();
  }

  private static void grad(Param p, double... g) {
    p.grad().assign(Nd4j.createFromArray(g).reshape(p.value().shape()));
  }

  @Test
  void sgdFormTwoStepsEqualTheHandValues() {
    Param p = weight("w", THETA);
    Upgd opt = upgd(List.of(p), 0.1, 0, 0, 0.5, Upgd.Form.SGD, 1);
    grad(p, G);
    opt.step();
    // u = 0.5·(−g θ) = [−0.25, 0.25, 0.25], M = 0.25, ū = sigmoid([−2, 2, 2]); θ − 0.1 g (1 − ū)
    assertArrayEquals(new double[] {-0.25, 0.25, 0.25}, opt.slot(p, "u").dup().data().asDouble(), 1e-16);
    assertArrayEquals(new double[] {0.9559601461011059, -2.002980073050553, 0.5119202922022118}, values(p), 1e-15);
    grad(p, G);
    opt.step();
    assertArrayEquals(new double[] {-0.3639900365252765, 0.37537250913131914, 0.3809601461011059},
        opt.slot(p, "u").dup().data().asDouble(), 1e-15);
    assertArrayEquals(new double[] {0.9168893300282148, -2.0082764605823376, 0.5327811449348163}, values(p), 1e-15);

    Param q = weight("w", THETA);
    Upgd decayed = upgd(List.of(q), 0.1, 0, 0.1, 0.5, Upgd.Form.SGD, 1);
    grad(q, G);
    decayed.step();
    assertArrayEquals(new double[] {0.9459601461011059, -1.982980073050553, 0.5069202922022118}, values(q), 1e-15,
        "(1 − ηλ)θ first");
  }

  @Test
  void adamFormTwoStepsEqualTheHandValues() {
    Param p = weight("w", THETA);
    Upgd opt = upgd(List.of(p), 0.1, 0, 0, 0.5, Upgd.Form.ADAM, 1);
    grad(p, G);
    opt.step();
    // m̂/(√v̂ + ε) = g/(|g| + 1e-5) at t = 1; θ − 2·0.1·that·(1 − ū)
    assertArrayEquals(new double[] {0.8238441075222731, -2.023839630819191, 0.5238403460009635}, values(p), 1e-15);
    grad(p, G);
    opt.step();
    assertArrayEquals(new double[] {0.6722929562313325, -2.06658598864293, 0.5655616342532896}, values(p), 1e-15);

    Param q = weight("w", THETA);
    Upgd decayed = upgd(List.of(q), 0.1, 0, 0.1, 0.5, Upgd.Form.ADAM, 1);
    for (int t = 0; t < 2; t++) {
      grad(q, G);
      decayed.step();
    }
    assertArrayEquals(new double[] {0.6542005671218662, -2.0265543265870853, 0.55537323079328}, values(q), 1e-15);
  }

  @Test
  void theMaximumUtilityIsGlobalAndTheLogStdTakesThePlainAdamStep() {
    // θ split into two parameters plus a log-std whose utility, 0.5·100·100 = 2500, would set M were
    // it included: the same steps as the one parameter of the hand values (M over a and b only)
    Param a = weight("a", 1, -2);
    Param b = weight("b", 0.5);
    Param logStd = new Param("actor.log_std", Param.Role.DISTRIBUTION, true,
        Nd4j.createFromArray(new double[] {100.0, -0.3}).reshape(1, 2));
    Upgd opt = upgd(List.of(a, b, logStd), 0.1, 0, 0, 0.5, Upgd.Form.SGD, 3);
    grad(a, 0.5, 0.25);
    grad(b, -1);
    grad(logStd, -100, 0.7);
    opt.step();
    assertArrayEquals(new double[] {0.9559601461011059, -2.002980073050553}, values(a), 1e-15);
    assertArrayEquals(new double[] {0.5119202922022118}, values(b), 1e-15);
    assertEquals(0.0, opt.slot(logStd, "u").getDouble(0), 0.0, "no utility for the log-std");

    // with noise and decay on: the log-std takes Adam's step at η to the bit, no noise, no decay
    Param ls = new Param("actor.log_std", Param.Role.DISTRIBUTION, true,
        Nd4j.createFromArray(new double[] {100.0, -0.3}).reshape(1, 2));
    Param alone = new Param("actor.log_std", Param.Role.DISTRIBUTION, true, ls.value().dup());
    Upgd noisy = upgd(List.of(weight("a", 1, -2), ls), 0.1, 0.5, 0.1, 0.5, Upgd.Form.SGD, 3);
    Adam adam = new Adam(List.of(alone), 0.1, 0.9, 0.999, 1e-5);
    for (int t = 0; t < 3; t++) {
      grad(noisy.params().get(0), 0.5, 0.25);
      grad(ls, -100, 0.7);
      grad(alone, -100, 0.7);
      noisy.step();
      adam.step();
    }
    assertArrayEquals(values(alone), values(ls), 0.0);
  }

  @Test
  void withoutNoiseNoWeightMovesFartherThanSgdAndUsefulOnesLess() {
    List<Param> ps = Float64.params(4);
    List<double[]> before = new ArrayList<>();
    ps.forEach(p -> before.add(values(p)));
    SplittableRandom rng = new SplittableRandom(2);
    for (Param p : ps) {
      p.grad().assign(Float64.gaussian(rng, 1.0, 1, p.length()).reshape(p.value().shape()));
    }
    Upgd opt = upgd(ps, 0.01, 0, 0, 0.9, Upgd.Form.SGD, 1);
    opt.step();
    double maxU = Double.NEGATIVE_INFINITY;
    for (Param p : ps) {
      maxU = Math.max(maxU, opt.slot(p, "u").maxNumber().doubleValue());
    }
    for (int k = 0; k < ps.size(); k++) {
      Param p = ps.get(k);
      double[] g = p.grad().dup().data().asDouble();
      double[] u = opt.slot(p, "u").dup().data().asDouble();
      double[] after = values(p);
      for (int i = 0; i < g.length; i++) {
        double moved = Math.abs(after[i] - before.get(k)[i]);
        assertTrue(moved <= 0.01 * Math.abs(g[i]) + 1e-17, p.name() + " " + i);
        // the step is −η g (1 − sigmoid(10 u / M)) exactly (β_u = 0.9: 1/(1 − β_u) = 10)
        double gate = 1 - 1 / (1 + Math.exp(-u[i] / (0.1 * maxU)));
        assertEquals(before.get(k)[i] - 0.01 * g[i] * gate, after[i], 1e-16);
      }
    }
  }

  @Test
  void aZeroGradientGivesHalfGatedNoiseOfStandardDeviationEtaSigmaOverTwo() {
    Param p = new Param("w", Param.Role.WEIGHT, false, Nd4j.zeros(DataType.DOUBLE, 200, 100));
    Upgd opt = upgd(List.of(p), 0.1, 0.2, 0, 0.999, Upgd.Form.SGD, 11);
    opt.step(); // u = 0, M = 0: ū = 0.5 (the guard), θ = −η ξ / 2
    double[] th = values(p);
    double mean = 0;
    double sq = 0;
    for (double v : th) {
      mean += v;
      sq += v * v;
    }
    mean /= th.length;
    double std = Math.sqrt(sq / th.length - mean * mean);
    double expected = 0.1 * 0.2 / 2;
    assertEquals(expected, std, 0.02 * expected, "std η σ / 2");
    assertEquals(0, mean, 4 * expected / Math.sqrt(th.length), "mean 0");
    for (double v : th) {
      assertTrue(Double.isFinite(v));
    }
    // the Adam form with g = 0: m̂ = 0, the step is −2η ξ/2 = −η ξ
    Param q = new Param("w", Param.Role.WEIGHT, false, Nd4j.zeros(DataType.DOUBLE, 200, 100));
    upgd(List.of(q), 0.1, 0.2, 0, 0.999, Upgd.Form.ADAM, 11).step();
    assertArrayEquals(Nd4j.createFromArray(th).mul(2).data().asDouble(), values(q), 1e-16, "same draws, twice");
  }

  @Test
  void aCheckpointContinuesExactlyAndTheSeedFixesTheNoise() {
    List<Param> a = Float64.params(6);
    Upgd opt = upgd(a, 0.01, 0.1, 1e-3, 0.99, Upgd.Form.ADAM, 42);
    List<List<double[]>> grads = Float64.gaussianGrads(a, 8, 9);
    for (int t = 0; t < 5; t++) {
      Float64.setGrads(a, grads.get(t));
      opt.step();
    }
    Snapshot saved = Snapshot.fromBytes(opt.snapshot().toBytes());
    List<Param> b = Float64.params(6);
    for (int i = 0; i < a.size(); i++) {
      b.get(i).value().assign(a.get(i).value());
    }
    Upgd resumed = upgd(b, 0.01, 0.1, 1e-3, 0.99, Upgd.Form.ADAM, 42);
    resumed.restore(saved);
    List<Param> c = Float64.params(6);
    for (int i = 0; i < a.size(); i++) {
      c.get(i).value().assign(a.get(i).value());
    }
    Upgd otherSeed = upgd(c, 0.01, 0.1, 1e-3, 0.99, Upgd.Form.ADAM, 43);
    otherSeed.restore(saved);
    for (int t = 5; t < 8; t++) {
      Float64.setGrads(a, grads.get(t));
      Float64.setGrads(b, grads.get(t));
      Float64.setGrads(c, grads.get(t));
      opt.step();
      resumed.step();
      otherSeed.step();
    }
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(values(a.get(i)), values(b.get(i)), 0.0, a.get(i).name());
    }
    assertFalse(java.util.Arrays.equals(values(a.get(0)), values(c.get(0))), "another seed draws other noise");
  }


  @Test
  void itsKeysAreOffAtTheDefaultsAndBadValuesSayWhich() {
    assertFalse(Upgd.PART.off().on());
    assertEquals(List.of("upgd_sigma", "upgd_weight_decay", "upgd_beta_utility", "upgd_form"), Upgd.PART.keys());
    Map<String, Object> m = RecordCodec.toMap(Upgd.PART.off());
    assertEquals("adam", m.get("upgd_form"));
    m.put("upgd_form", "sgd");
    assertTrue(Upgd.PART.read(m).on());
    m.put("upgd_beta_utility", "1");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Upgd.PART.read(m));
    assertEquals("upgd_beta_utility must be in [0, 1), got 1.0", e.getMessage());
    m.put("upgd_beta_utility", "0.9");
    m.put("upgd_form", "nadam");
    e = assertThrows(IllegalArgumentException.class, () -> Upgd.PART.read(m));
    assertEquals("upgd_form must be one of [sgd, adam], got 'nadam'", e.getMessage());
  }

  /** The preset (the Adam form at the learner's rate, 1e-3) fits a fixed batch on the supervised learner. */
  @Test
  void thePresetTrainsTheSupervisedLearner() {
    SupervisedLearner learner = PresetFit.learner("upgd");
    assertEquals("upgd", learner.optimizer().kind());
    double[] loss = PresetFit.losses(learner, 300);
    assertTrue(loss[1] < 0.5 * loss[0], loss[0] + " → " + loss[1]);
  }
}
