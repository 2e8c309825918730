package dev.isoplast.optim;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.Param;
import dev.isoplast.testing.GradientCheck;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Every regularizer's gradient against finite differences (float64), values against hand math. */
@ExtendWith(Float64Mode.class)
class RegularizersTest {

  private static final double TOL = 1e-6;


  /** Max relative FD error of the regularizer's gradient w.r.t. each parameter. */
  private static double worstError(Regularizer r, List<Param> ps) {
    double worst = 0;
    for (Param p : ps) {
      ps.forEach(Param::zeroGrad);
      r.apply(ps);
      INDArray analytic = p.grad().dup();
      worst = Math.max(worst, GradientCheck.maxRelativeError(() -> r.value(ps), p.value(), analytic));
    }
    return worst;
  }

  @Test
  void isometryPenaltyGradientBothShapes() {
    SplittableRandom rng = new SplittableRandom(1);
    for (long[] s : new long[][] {{7, 4}, {4, 7}, {5, 5}}) {
      Param w = Float64.weight("body.0.W", rng, s[0], s[1]);
      for (IsometryPenalty.Gram gram : IsometryPenalty.Gram.values()) {
        IsometryPenalty pen = new IsometryPenalty(gram, 1.3);
        INDArray g = w.value().ulike();
        double r = pen.gradient(w.value(), g, 1.0, 0.0);
        assertEquals(r, pen.value(w.value()), 1e-12);
        double err = GradientCheck.maxRelativeError(() -> pen.value(w.value()), w.value(), g);
        assertTrue(err < TOL, gram + " " + s[0] + "x" + s[1] + ": " + err);
      }
    }
  }

  @Test
  void isometryPenaltyValueByHand() {
    // W = [[2, 0], [0, 1], [0, 0]] (3x2, out ≥ in): WᵀW = diag(4, 1); R = (4 − 1)² = 9
    INDArray w = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{2, 0}, {0, 1}, {0, 0}});
    assertEquals(9.0, new IsometryPenalty(IsometryPenalty.Gram.AUTO, 1.0).value(w), 1e-12);
    // ROWS: WWᵀ = diag(4, 1, 0); R = 9 + 0 + 1 = 10
    assertEquals(10.0, new IsometryPenalty(IsometryPenalty.Gram.ROWS, 1.0).value(w), 1e-12);
  }

  @Test
  void parsevalGradientAndMask() {
    List<Param> ps = Float64.params(2);
    ParsevalRegularizer r = new ParsevalRegularizer(1e-3);
    assertTrue(worstError(r, ps) < TOL);
    ps.forEach(Param::zeroGrad);
    r.apply(ps);
    assertEquals(0.0, ps.get(3).grad().norm2Number().doubleValue(), 0.0, "heads are excluded by default");
    assertEquals(0.0, ps.get(1).grad().norm2Number().doubleValue(), 0.0, "biases are excluded");
  }

  @Test
  void l2AndL2InitGradients() {
    List<Param> ps = Float64.params(3);
    assertTrue(worstError(L2Regularizer.toZero(0.05, ParamMask.all()), ps) < TOL);
    L2Regularizer init = L2Regularizer.toInit(1e-2, ParamMask.all(), ps);
    assertEquals(0.0, init.value(ps), 0.0, "no distance from θ₀ at θ₀");
    ps.get(0).value().addi(0.5); // 24 entries moved by 0.5: λ Σ 0.25 = 1e-2 · 6
    assertEquals(1e-2 * 24 * 0.25, init.value(ps), 1e-12);
    assertTrue(worstError(init, ps) < TOL);
  }

  @Test
  void spectralGradientWithConvergedPowerIteration() {
    SplittableRandom rng = new SplittableRandom(4);
    List<Param> ps = List.of(Float64.weight("body.0.W", rng, 6, 4), Float64.weight("body.1.W", rng, 3, 6));
    SpectralRegularizer r = new SpectralRegularizer(0.1, 3, 300, ParamMask.hiddenWeights(), new SplittableRandom(0));
    for (Param p : ps) {
      double exact = new SingularValueDecomposition(new Array2DRowRealMatrix(p.value().toDoubleMatrix())).getSingularValues()[0];
      assertEquals(exact, r.sigmaMax(p), 1e-10, "power iteration finds σ_max");
    }
    assertTrue(worstError(r, ps) < TOL);
  }
}
