package dev.isoplast.nn;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.linalg.Spectral;
import dev.isoplast.testing.RandomArrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(Float64Mode.class)
class JacobiansTest {


  @Test
  void jacobianOfADenseLayerIsItsWeight() {
    SplittableRandom rng = new SplittableRandom(1);
    Dense d = new Dense("d", 5, 3, false, DataType.DOUBLE);
    Init.torchDefault().apply(d, rng);
    INDArray j = Jacobians.inputOutput(d, RandomArrays.gaussian(rng, DataType.DOUBLE, 5));
    assertEquals(d.weight().value(), j);
  }

  @Test
  void jacobianMatchesTheChainRuleThroughATanhNetwork() {
    SplittableRandom rng = new SplittableRandom(2);
    Sequential net = Networks.body("n", 3, BodyConfig.mlp(List.of(4), BodyConfig.Nonlinearity.TANH, false,
        Init.orthogonal(1)), rng, DataType.DOUBLE);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 1, 3);
    INDArray j = Jacobians.inputOutput(net, x);
    // J = diag(1 − tanh²(Wx + b)) W, with the activation's own Jacobian accessor
    net.forward(x);
    Activation act = (Activation) net.layer(1);
    INDArray expected = act.jacobian(0).mmul(((Dense) net.layer(0)).weight().value());
    assertTrue(j.sub(expected).amaxNumber().doubleValue() < 1e-14);
  }

  @Test
  void isometricBodyHasAllSingularValuesOne() {
    // Each orthogonal W_l with out ≥ in satisfies W_lᵀW_l = I, so it preserves norms; MaxMin's
    // Jacobian is a permutation P_l. The body's Jacobian P_2 W_2 P_1 W_1 is then a product of
    // norm-preserving maps, JᵀJ = I, and all min(out, in) = in singular values are exactly 1. This
    // needs non-decreasing widths: a narrowing W (out < in) only has WWᵀ = I and would project. So
    // test widening (16 → 32 → 64) and square (32 → 32 → 32) bodies, at several inputs.
    SplittableRandom rng = new SplittableRandom(3);
    for (int[] widths : new int[][] {{16, 32, 64}, {32, 32, 32}}) {
      Sequential body = Networks.body("iso", widths[0], BodyConfig.isometric(List.of(widths[1], widths[2]), false),
          rng, DataType.DOUBLE);
      for (int probe = 0; probe < 3; probe++) {
        INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, widths[0]);
        double[] sv = Spectral.singularValues(Jacobians.inputOutput(body, x));
        assertEquals(widths[0], sv.length);
        for (double s : sv) {
          assertEquals(1.0, s, 1e-4, "widths " + java.util.Arrays.toString(widths));
        }
      }
    }
  }

  @Test
  void aTanhBodyIsNotIsometricSoTheCheckAboveMeansSomething() {
    SplittableRandom rng = new SplittableRandom(4);
    Sequential body = Networks.body("mlp", 16, BodyConfig.mlp(List.of(32, 64), BodyConfig.Nonlinearity.TANH, false,
        Init.orthogonal(1)), rng, DataType.DOUBLE);
    double[] sv = Spectral.singularValues(Jacobians.inputOutput(body, RandomArrays.gaussian(rng, DataType.DOUBLE, 16)));
    assertTrue(sv[sv.length - 1] < 0.9, "smallest singular value " + sv[sv.length - 1]);
  }

  @Test
  void leavesParameterGradientsAsTheyWere() {
    SplittableRandom rng = new SplittableRandom(5);
    Sequential net = Networks.build(4, BodyConfig.cleanRlPpo(), 2, Networks.ACTOR_HEAD, rng, DataType.DOUBLE);
    for (Param p : net.params()) {
      p.grad().assign(RandomArrays.gaussian(rng, DataType.DOUBLE, p.value().shape()));
    }
    List<INDArray> before = net.params().stream().map(p -> p.grad().dup()).toList();
    Jacobians.inputOutput(net, RandomArrays.gaussian(rng, DataType.DOUBLE, 1, 4));
    for (int i = 0; i < before.size(); i++) {
      assertEquals(before.get(i), net.params().get(i).grad());
    }
  }
}
