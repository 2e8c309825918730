package dev.isoplast.optim;

import dev.isoplast.plasticity.MethodConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.Param;
import dev.isoplast.testing.Float64Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamO's cheaper isometry steps (every k updates, and the Gaussian sketch; this project's
 * additions) against hand computation in plain Java doubles: ∇R(W) = 4 (W Wᵀ W − W) by explicit
 * loops, never through IsometryPenalty.
 */
@ExtendWith(Float64Mode.class)
class AdamOFormsTest {

  private static final double LR = 0.05;
  private static final double LAMBDA = 0.3;

  /** W [out][in] as nested arrays. */
  private static double[][] rows(INDArray w) {
    return w.toDoubleMatrix();
  }

  /** ∇R(W) = 4 (W Wᵀ W − W), for either Gram side, by explicit loops. */
  private static double[][] handGradient(double[][] w) {
    int out = w.length;
    int in = w[0].length;
    double[][] wwt = new double[out][out];
    for (int i = 0; i < out; i++) {
      for (int j = 0; j < out; j++) {
        double s = 0;
        for (int k = 0; k < in; k++) {
          s += w[i][k] * w[j][k];
        }
        wwt[i][j] = s;
      }
    }
    double[][] g = new double[out][in];
    for (int i = 0; i < out; i++) {
      for (int k = 0; k < in; k++) {
        double s = 0;
        for (int j = 0; j < out; j++) {
          s += wwt[i][j] * w[j][k];
        }
        g[i][k] = 4 * (s - w[i][k]);
      }
    }
    return g;
  }

  private static double[][] minus(double[][] w, double a, double[][] g) {
    double[][] out = new double[w.length][];
    for (int i = 0; i < w.length; i++) {
      out[i] = w[i].clone();
      for (int k = 0; k < w[i].length; k++) {
        out[i][k] -= a * g[i][k];
      }
    }
    return out;
  }

  private static void assertMatrixEquals(double[][] expected, INDArray actual, double tol, String what) {
    double[][] a = rows(actual);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], a[i], tol, what + " row " + i);
    }
  }

  private static AdamO adamO(List<Param> ps, double lambda, IsometryStep form, long seed) {
    return new AdamO(ps, LR, 0.9, 0.999, 1e-8, lambda, null, ParamMask.hiddenWeights(), form, seed);
  }

  @Test
  void everyKTakesKTimesTheExactStepAtEveryKthUpdateAndNothingBetween() {
    for (long[] shape : new long[][] {{7, 4}, {4, 7}}) {
      Param w = Float64.weight("body.0.W", new SplittableRandom(3), shape[0], shape[1]);
      int k = 3;
      AdamO opt = adamO(List.of(w), LAMBDA, new IsometryStep(k, 0), 0);
      double[][] expected = rows(w.value());
      for (int t = 1; t <= 2 * k; t++) {
        w.zeroGrad(); // no task gradient: Adam's part of the step is exactly 0
        opt.step();
        if (t % k == 0) {
          expected = minus(expected, k * LR * LAMBDA, handGradient(expected));
        }
        assertMatrixEquals(expected, w.value(), 1e-13, shape[0] + "x" + shape[1] + " after update " + t);
      }
    }
  }

  @Test
  void aSketchWhoseDirectionsSpanOrthonormallyIsTheExactStep() {
    // S = √n I (s = n): S Sᵀ / s = I exactly, so G̃ = ∇R and the step is the exact one
    for (long[] shape : new long[][] {{6, 4}, {4, 6}}) {
      Param w = Float64.weight("body.0.W", new SplittableRandom(4), shape[0], shape[1]);
      int n = (int) Math.min(shape[0], shape[1]);
      AdamO.SketchBuffers b = new AdamO.SketchBuffers(w.value(), n);
      b.s.assign(Nd4j.eye(n).castTo(DataType.DOUBLE).muli(Math.sqrt(n)));
      double[][] expected = minus(rows(w.value()), LR * LAMBDA, handGradient(rows(w.value())));
      b.project(w.value());
      b.apply(w.value(), 4 * LR * LAMBDA / n);
      assertMatrixEquals(expected, w.value(), 1e-13, shape[0] + "x" + shape[1]);
    }
  }

  @Test
  void theSketchIsUnbiasedTheMeanOfManySketchesIsTheExactGradient() {
    for (long[] shape : new long[][] {{12, 8}, {8, 12}}) {
      INDArray w0 = Float64.weight("body.0.W", new SplittableRandom(5), shape[0], shape[1]).value().muli(1.3);
      double[][] exact = handGradient(rows(w0));
      int s = 2;
      AdamO.SketchBuffers b = new AdamO.SketchBuffers(w0, s);
      double[][] mean = new double[(int) shape[0]][(int) shape[1]];
      int draws = 4000;
      for (int t = 1; t <= draws; t++) {
        b.draw(11, t, 0);
        INDArray w = w0.dup();
        b.project(w);
        b.apply(w, 1.0); // w0 − R Sᵀ = w0 − (s/4) G̃
        double[][] step = rows(w0.sub(w).muli(4.0 / s)); // G̃
        for (int i = 0; i < mean.length; i++) {
          for (int k = 0; k < mean[i].length; k++) {
            mean[i][k] += step[i][k] / draws;
          }
        }
      }
      double err = 0;
      double norm = 0;
      for (int i = 0; i < mean.length; i++) {
        for (int k = 0; k < mean[i].length; k++) {
          err += (mean[i][k] - exact[i][k]) * (mean[i][k] - exact[i][k]);
          norm += exact[i][k] * exact[i][k];
        }
      }
      double rel = Math.sqrt(err / norm);
      // one sketch of rank 2 is off by ~√(n/s) ≈ 2 relative; 4000 of them average to ~2/√4000 ≈ 0.03
      assertTrue(rel < 0.08, shape[0] + "x" + shape[1] + ": mean of " + draws + " sketches is off by " + rel);
    }
  }

  @Test
  void zeroLambdaIsAdamBitForBitInEveryForm() {
    for (IsometryStep form : List.of(new IsometryStep(4, 0), new IsometryStep(1, 3))) {
      OptimizersTest.assertStepsLikeAdam(o -> new AdamO(o, 3e-3, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2,
          Adam.DEFAULT_EPS, 0.0, null, ParamMask.hiddenWeights(), form, 9), 50, form.toString());
    }
  }


  @Test
  void sketchedRunsAreReproducibleAndResumeExactlyFromTheirState() {
    IsometryStep form = new IsometryStep(1, 2);
    List<Param> a = Float64.params(8);
    List<Param> b = Float64.params(8);
    AdamO first = adamO(a, LAMBDA, form, 42);
    AdamO second = adamO(b, LAMBDA, form, 42);
    List<Param> c = Float64.params(8);
    AdamO other = adamO(c, LAMBDA, form, 43);
    for (int t = 1; t <= 5; t++) {
      for (List<Param> ps : List.of(a, b, c)) {
        ps.forEach(Param::zeroGrad);
      }
      first.step();
      second.step();
      other.step();
    }
    assertArrayEquals(a.get(0).value().data().asDouble(), b.get(0).value().data().asDouble(), 0.0);
    assertTrue(Math.abs(a.get(0).value().getDouble(0) - c.get(0).value().getDouble(0)) > 0,
        "another seed draws other sketches");
    // resume: a copy of the parameters and the optimizer state continues as the original does
    OptimizerState saved = first.state();
    List<Param> r = new ArrayList<>();
    for (Param p : a) {
      r.add(new Param(p.name(), p.role(), p.isHead(), p.value().dup()));
    }
    AdamO resumed = adamO(r, LAMBDA, form, 42);
    resumed.restore(saved);
    for (int t = 6; t <= 9; t++) {
      a.forEach(Param::zeroGrad);
      r.forEach(Param::zeroGrad);
      first.step();
      resumed.step();
    }
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).value().data().asDouble(), r.get(i).value().data().asDouble(), 0.0);
    }
  }

  @Test
  void theFormsAreConfiguredOnlyForAdamOAndOneAtATime() {
    MethodConfig base = MethodConfig.adam(1e-8);
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    base.putInto(m);
    assertEquals(1, m.get("iso_every"));
    assertEquals(0, m.get("iso_sketch"));
    m.put("optimizer", "adamo");
    m.put("iso_coef", 1e-3);
    m.put("iso_sketch", 8);
    MethodConfig sketched = MethodConfig.from(m);
    Optimizer built = sketched.optimizer(Float64.params(1), 1e-3, 7);
    assertEquals("sketch 8", ((AdamO) built).form().toString());
    assertEquals(IsometryStep.EXACT, ((AdamO) MethodConfig.from(withKey(m, "iso_sketch", 0))
        .optimizer(Float64.params(1), 1e-3)).form());
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
        () -> MethodConfig.from(withKey(m, "iso_every", 4)));
    assertTrue(both.getMessage().contains("give one of them"), both.getMessage());
    IllegalArgumentException adam = assertThrows(IllegalArgumentException.class,
        () -> MethodConfig.from(withKey(m, "optimizer", "adam")));
    assertTrue(adam.getMessage().contains("need optimizer adamo"), adam.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MethodConfig.from(withKey(withKey(m, "iso_sketch", 0),
        "iso_every", 0)));
    assertThrows(IllegalArgumentException.class, () -> MethodConfig.from(withKey(m, "iso_sketch", -1)));
    assertEquals(sketched, sketched.withOptimizer("adamo"));
    assertEquals(0, sketched.withOptimizer("adam").get(AdamO.PART).isoSketch(), "switching optimizer clears AdamO's options");
  }

  private static Map<String, Object> withKey(Map<String, Object> m, String key, Object value) {
    Map<String, Object> out = new java.util.LinkedHashMap<>(m);
    out.put(key, value);
    return out;
  }
}
