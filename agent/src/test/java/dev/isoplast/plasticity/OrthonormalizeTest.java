package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.monitor.JacobianSpectra;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.loss.Mse;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.IsometryPenalty;
import dev.isoplast.optim.ParamMask;
import dev.isoplast.testing.TestLearner;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The constrained isometric body: with the Björck step after every Adam step the hidden weights
 * stay orthonormal and the body's Jacobian isometric while the net fits a regression; without it
 * they drift.
 */
class OrthonormalizeTest {

  static final int IN = 4;
  static final int N = 128;

  /** Fits y = (sin 2x₁ + x₂x₃, cos x₄) for 200 Adam steps; returns the net, the data and the last loss. */
  private static Object[] fit(int orthonormalizeIters) {
    SplittableRandom rng = new SplittableRandom(11);
    double[] x = new double[N * IN];
    double[] y = new double[N * 2];
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < IN; j++) {
        x[i * IN + j] = rng.nextDouble(-1.5, 1.5);
      }
      y[2 * i] = Math.sin(2 * x[i * IN]) + x[i * IN + 1] * x[i * IN + 2];
      y[2 * i + 1] = Math.cos(x[i * IN + 3]);
    }
    INDArray xs = Nd4j.create(x, new long[] {N, IN}, 'c');
    INDArray ys = Nd4j.create(y, new long[] {N, 2}, 'c');
    Sequential net = Networks.build("net", IN, BodyConfig.isometric(List.of(16, 16), false), 2, Init.orthogonal(1.0),
        new SplittableRandom(3), DataType.DOUBLE);
    Adam adam = new Adam(net.params(), 1e-2);
    TestLearner learner = new TestLearner(Map.of("net", net), adam, new float[0]);
    Interventions constraint = MethodConfig.from(RedoTest.withKeys(Map.of("orthonormalize_iters",
        Math.max(orthonormalizeIters, 0)))).interventions(learner.networks(), 1);
    INDArray grad = Nd4j.zeros(DataType.DOUBLE, N, 2);
    double first = Double.NaN;
    double loss = Double.NaN;
    for (int t = 1; t <= 200; t++) {
      net.zeroGrad();
      loss = Mse.loss(net.forward(xs), ys, grad);
      first = t == 1 ? loss : first;
      net.backwardParams(grad);
      adam.step();
      constraint.afterStep(learner, adam.stepCount());
    }
    return new Object[] {net, xs, first, loss};
  }

  private static double worstWeightDistance(Sequential net) {
    IsometryPenalty iso = new IsometryPenalty(IsometryPenalty.Gram.AUTO, 1.0);
    double worst = 0;
    for (Param p : net.params()) {
      if (ParamMask.hiddenWeights().test(p)) {
        worst = Math.max(worst, iso.distance(p.value()));
      }
    }
    return worst;
  }

  @Test
  void bjorckStepsKeepTheBodyIsometricWhileItLearns() {
    Object[] constrained = fit(2);
    Object[] free = fit(0);
    Sequential c = (Sequential) constrained[0];
    Sequential f = (Sequential) free[0];
    INDArray probes = ((INDArray) constrained[1]).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8),
        org.nd4j.linalg.indexing.NDArrayIndex.all());
    double cDist = worstWeightDistance(c);
    double fDist = worstWeightDistance(f);
    JacobianSpectra.Spectrum cBody = JacobianSpectra.measure(c, probes).body();
    JacobianSpectra.Spectrum fBody = JacobianSpectra.measure(f, probes).body();
    System.out.printf("OrthonormalizeTest: max ||WtW - I||_F constrained %.2e, free %.3f; body sigma constrained "
        + "[%.6f, %.6f], free [%.3f, %.3f]; loss %.4f -> %.4f (constrained), %.4f -> %.4f (free)%n", cDist, fDist,
        cBody.min(), cBody.max(), fBody.min(), fBody.max(), constrained[2], constrained[3], free[2], free[3]);
    assertTrue(cDist < 1e-3, "constrained: max ‖WᵀW − I‖_F = " + cDist);
    assertEquals(1.0, cBody.min(), 1e-3, "constrained body σ_min");
    assertEquals(1.0, cBody.max(), 1e-3, "constrained body σ_max");
    assertTrue(fDist > 0.1, "without the constraint the weights drift from isometry: " + fDist);
    assertTrue(Math.max(Math.abs(fBody.min() - 1), Math.abs(fBody.max() - 1)) > 0.05,
        "without the constraint the body Jacobian drifts: σ in [" + fBody.min() + ", " + fBody.max() + "]");
    assertTrue((double) constrained[3] < 0.5 * (double) constrained[2], "the constrained net still learns: "
        + constrained[2] + " → " + constrained[3]);
  }

  @Test
  void oneIterationMapsANearOrthogonalMatrixQuadraticallyCloser() {
    // W = Q (I + E) with a small symmetric E: ‖WᵀW − I‖ ≈ 2‖E‖ before, O(‖E‖²) after one step
    Sequential net = Networks.build("net", 8, BodyConfig.isometric(List.of(8), false), 1, Init.orthogonal(1.0),
        new SplittableRandom(5), DataType.DOUBLE);
    Param w = net.params().get(0);
    INDArray e = Nd4j.eye(8).castTo(DataType.DOUBLE).muli(1e-3);
    w.value().assign(w.value().mmul(Nd4j.eye(8).castTo(DataType.DOUBLE).addi(e)));
    IsometryPenalty iso = new IsometryPenalty(IsometryPenalty.Gram.AUTO, 1.0);
    double before = iso.distance(w.value());
    new Orthonormalize(Map.of("net", net), 1, 0.5).project();
    double after = iso.distance(w.value());
    assertEquals(2e-3 * Math.sqrt(8), before, 1e-5, "‖(1+ε)² I − I‖_F = (2ε + ε²)√8");
    assertTrue(after < 1e-5, "one Björck step: " + before + " → " + after);
  }
}
