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
import org.nd4j.linalg.factory.Nd4j;

/**
 * TRAC against scipy (erfi) and a float64 numpy re-statement of ComputationalRobotics/TRAC's
 * trac.py with Δ kept as a slot (the method card's trac_explicit.py with Adam as the base), its
 * invariants, and a checkpoint that continues exactly.
 */
@ExtendWith(Float64Mode.class)
class TracTest {

  private static Param weight(String name, double... v) {
    return new Param(name, Param.Role.WEIGHT, false, Nd4j.createFromArray(v).reshape(1, v.length));
  }

  private static void grad(Param p, double... g) {
    p.grad().assign(Nd4j.createFromArray(g).reshape(p.value().shape()));
  }

  private static double[] values(Param p) {
    return p.value().dup().data().asDouble();
  }

  private static Trac trac(List<Param> ps, double lr, double sInit) {
    return new Trac(ps, lr, 0.9, 0.999, 1e-8, sInit, ParamMask.layerParams());
  }

  @Test
  void erfiAgreesWithScipy() {
    double[][] scipy = {{0.1, 0.11321517416959982}, {Math.sqrt(0.5), 0.9534382692512609}, {1, 1.6504257587975428},
        {2.5, 130.39575501324694}, {5, 8298273880.6768055}, {10, 1.52430742270867e+42},
        {20, 1.474797539628785e+172}, {-3, -1629.9946226015657}};
    for (double[] c : scipy) {
      assertEquals(c[1], Trac.erfi(c[0]), 1e-14 * Math.abs(c[1]), "erfi(" + c[0] + ")");
    }
    assertEquals(0.0, Trac.erfi(0), 0.0);
  }

  @Test
  void theTunersGiveTheCardsScalesForItsInnerProducts() {
    // h = ⟨Δ, g⟩ of the card's SGD example (η = 0.1, θ₀ = [1, −2], g = [0.5, 1]): 0, −0.125, ∓0.25
    Trac.Tuner up = new Trac.Tuner(1e-8);
    assertEquals(1.0058226987420798e-07, up.update(0), 1e-22, "s_init Σ erfi(β_i)/erfi(1/√2)");
    assertEquals(6.000000170561168e-08, up.update(-0.125), 1e-22);
    assertEquals(9.40050886274781e-08, up.update(-0.25), 1e-22);
    Trac.Tuner flip = new Trac.Tuner(1e-8);
    flip.update(0);
    flip.update(-0.125);
    assertEquals(-2.379081728336898e-08, flip.update(0.25), 1e-22, "below 0: TRAC clips S to 0");
  }

  @Test
  void fourStepsEqualTheFloat64Restatement() {
    // s_init = 0.1 so that S is of order 1 and θ moves visibly; Adam η = 0.1, ε = 1e-8
    Param p = weight("w", 1, -2, 0.5);
    Trac opt = trac(List.of(p), 0.1, 0.1);
    double[][] g = {{0.5, 1, -0.2}, {0.4, 0.9, 0.1}, {0.3, -0.5, 0.2}, {0.6, 0.8, -0.3}};
    double[] s = {1.0058226987420797, 0.6000000177667885, 0.1995599446527215, 0.661027926165579};
    double[][] delta = {{-0.09999999800000003, -0.09999999900000002, 0.09999999500000027},
        {-0.19881257622978216, -0.19958777028188152, 0.12663369728132426},
        {-0.29509022219120784, -0.2494710342618843, 0.09936401976106736},
        {-0.3928190089837298, -0.31347108623730824, 0.12468933527388737}};
    double[][] theta = {{0.8994177321374374, -2.1005822688683855, 0.6005822648450947},
        {0.8807124507298697, -2.1197526657151626, 0.5759802206186687},
        {0.9411118115919632, -2.049784425789759, 0.5198290782839905},
        {0.7403356651330671, -2.207213142048319, 0.5824231327110624}};
    for (int t = 0; t < 4; t++) {
      grad(p, g[t]);
      opt.step();
      assertEquals(s[t], opt.scale(), 1e-14, "S at step " + (t + 1));
      assertArrayEquals(delta[t], opt.slot(p, "delta").dup().data().asDouble(), 1e-15, "Δ at step " + (t + 1));
      assertArrayEquals(theta[t], values(p), 1e-14, "θ at step " + (t + 1));
    }
  }

  @Test
  void theInvariantsOfTheCard() {
    // S ≤ 0 ⇒ θ = θ_ref: the card's sign flip at step 3 (S₃ = −2.4e-8)
    Param p = weight("w", 1, -2);
    Trac opt = trac(List.of(p), 0.1, 1e-8);
    for (double[] g : new double[][] {{0.5, 1}, {0.5, 1}, {-0.5, -1}}) {
      grad(p, g);
      opt.step();
    }
    assertEquals(0.0, opt.scale(), 0.0);
    assertArrayEquals(new double[] {1, -2}, values(p), 1e-15);
    // s_init = 0 ⇒ θ never leaves θ_ref (to the bit); Δ is still Adam's displacement
    List<Param> a = Float64.params(3);
    List<Param> b = Float64.params(3);
    List<double[]> theta0 = new ArrayList<>();
    a.forEach(q -> theta0.add(values(q)));
    Trac frozen = trac(a, 0.05, 0);
    Adam adam = new Adam(b, 0.05, 0.9, 0.999, 1e-8);
    SplittableRandom rng = new SplittableRandom(4);
    for (int t = 0; t < 5; t++) {
      for (int k = 0; k < a.size(); k++) {
        double[] gk = Float64.gaussian(rng, 1, 1, a.get(k).length()).data().asDouble();
        grad(a.get(k), gk);
        grad(b.get(k), gk);
      }
      frozen.step();
      adam.step();
    }
    for (int k = 0; k < a.size(); k++) {
      assertArrayEquals(theta0.get(k), values(a.get(k)), 0.0, a.get(k).name());
      double[] d = frozen.slot(a.get(k), "delta").dup().data().asDouble();
      double[] moved = values(b.get(k));
      for (int i = 0; i < d.length; i++) {
        assertEquals(moved[i] - theta0.get(k)[i], d[i], 1e-15, "Δ = plain Adam's θ − θ₀");
      }
    }
  }

  @Test
  void anInterventionsChangeIsKeptAndTheLogStdTakesThePlainAdamStep() {
    Param a = weight("a", 1, -2, 0.5);
    Param b = weight("a", 1, -2, 0.5);
    Param ls = new Param("actor.log_std", Param.Role.DISTRIBUTION, true,
        Nd4j.createFromArray(new double[] {50.0, -0.3}).reshape(1, 2));
    Param alone = new Param("actor.log_std", Param.Role.DISTRIBUTION, true, ls.value().dup());
    Trac ta = trac(List.of(a), 0.1, 0.1);
    Trac tb = trac(List.of(b, ls), 0.1, 0.1);
    Adam adam = new Adam(List.of(alone), 0.1, 0.9, 0.999, 1e-8);
    double[][] g = {{0.5, 1, -0.2}, {0.4, 0.9, 0.1}, {0.3, -0.5, 0.2}, {0.6, 0.8, -0.3}};
    for (int t = 0; t < 4; t++) {
      grad(a, g[t]);
      grad(b, g[t]);
      grad(ls, 7, -3); // ⟨Δ, g⟩ would change S, were the log-std included
      grad(alone, 7, -3);
      ta.step();
      tb.step();
      adam.step();
      if (t == 1) {
        b.value().putScalar(0, 0, b.value().getDouble(0, 0) + 0.25); // e.g. a perturbation after step 2
      }
    }
    assertEquals(ta.scale(), tb.scale(), 0.0, "the log-std is in neither h nor S");
    assertArrayEquals(values(alone), values(ls), 0.0, "plain Adam at η");
    double[] va = values(a);
    double[] vb = values(b);
    assertEquals(va[0] + 0.25, vb[0], 1e-15, "the intervention's change is kept");
    assertEquals(va[1], vb[1], 0.0);
    assertEquals(va[2], vb[2], 0.0);
  }

  @Test
  void aCheckpointContinuesExactly() {
    List<Param> a = Float64.params(6);
    Trac opt = trac(a, 0.01, 0.01);
    List<List<double[]>> grads = Float64.gaussianGrads(a, 9, 9);
    for (int t = 0; t < 6; t++) {
      Float64.setGrads(a, grads.get(t));
      opt.step();
    }
    assertTrue(opt.scale() > 0, "S moved: " + opt.scale());
    Snapshot saved = Snapshot.fromBytes(opt.snapshot().toBytes());
    assertEquals(6, saved.getTree("extra").getDoubles("tuner_sigma").length);
    List<Param> b = Float64.params(6);
    for (int i = 0; i < a.size(); i++) {
      b.get(i).value().assign(a.get(i).value());
    }
    Trac resumed = trac(b, 0.01, 0.01);
    resumed.restore(saved);
    for (int t = 6; t < 9; t++) {
      Float64.setGrads(a, grads.get(t));
      Float64.setGrads(b, grads.get(t));
      opt.step();
      resumed.step();
    }
    assertEquals(opt.scale(), resumed.scale(), 0.0);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(values(a.get(i)), values(b.get(i)), 0.0, a.get(i).name());
    }
    // a state without the tuners (a plain Adam's) is refused with one line
    Adam adam = new Adam(Float64.params(6), 0.01);
    OptimizerState foreign = new OptimizerState("trac", 3, 0.01, adam.state().slots());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trac(Float64.params(6), 0.01,
        0.01).restore(foreign));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }


  @Test
  void itsKeyIsOffAtTheCodesValue() {
    assertFalse(Trac.PART.off().on());
    assertEquals(List.of("trac_s_init"), Trac.PART.keys());
    Map<String, Object> m = RecordCodec.toMap(Trac.PART.off());
    assertEquals(1e-8, m.get("trac_s_init"));
    m.put("trac_s_init", "-1");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trac.PART.read(m));
    assertTrue(e.getMessage().startsWith("trac_s_init must be"), e.getMessage());
  }

  /** The preset fits a fixed batch on the supervised learner (float32): the loss falls and S grows. */
  @Test
  void thePresetTrainsTheSupervisedLearner() {
    SupervisedLearner learner = PresetFit.learner("trac");
    assertEquals("trac", learner.optimizer().kind());
    double[] loss = PresetFit.losses(learner, 300);
    assertTrue(loss[1] < 0.5 * loss[0], loss[0] + " → " + loss[1]);
    assertTrue(((Trac) learner.optimizer()).scale() > 1e-3, "S grew: " + ((Trac) learner.optimizer()).scale());
  }
}
