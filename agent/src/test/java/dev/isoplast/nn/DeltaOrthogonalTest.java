package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.linalg.Spectral;
import dev.isoplast.optim.AdamO;
import dev.isoplast.optim.ParsevalRegularizer;
import dev.isoplast.testing.Float64Mode;
import dev.isoplast.testing.RandomArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Delta-orthogonal convolutions (Xiao et al. 2018) are isometries at init: the full input–output
 * Jacobian of a conv stack, built row by row by backpropagating unit vectors, has every singular
 * value equal to the gain (per layer). The kernels are matrices [out, C·k·k], so the isometry
 * regularizers and AdamO reach them as they reach Dense weights.
 */
@ExtendWith(Float64Mode.class)
class DeltaOrthogonalTest {

  private static final int SIDE = 5;

  /** Conv 2→4 (3×3) → MaxMin → conv 4→4 (3×3) → MaxMin → conv 4→6 (5×5), stride 1, same padding. */
  private static Sequential stack(Init init, long seed) {
    int[][] convs = {{2, 4, 3}, {4, 4, 3}, {4, 6, 5}};
    SplittableRandom rng = new SplittableRandom(seed);
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < convs.length; i++) {
      int[] c = convs[i];
      Conv2D conv = new Conv2D("c" + i, c[0], SIDE, SIDE, c[1], c[2], 1, Conv2D.padding("same", c[2]), false,
          DataType.DOUBLE);
      init.apply(conv, rng);
      layers.add(conv);
      if (i < convs.length - 1) {
        layers.add(GroupSort.maxMin("a" + i, conv.outSize()));
      }
    }
    return new Sequential("torso", layers);
  }

  /** J [out, in] at x, row j = dL/dx for dL/dout = e_j. */
  private static double[][] jacobian(Sequential net, INDArray x) {
    double[][] j = new double[net.outSize()][];
    for (int r = 0; r < net.outSize(); r++) {
      net.forward(x);
      INDArray e = Nd4j.zeros(DataType.DOUBLE, 1, net.outSize());
      e.putScalar(0, r, 1.0);
      j[r] = net.backward(e).dup().reshape(net.inSize()).toDoubleVector();
    }
    return j;
  }

  @Test
  void aDeltaOrthogonalConvStackHasAllJacobianSingularValuesOne() {
    Sequential net = stack(Init.deltaOrthogonal(1.0), 3);
    INDArray x = RandomArrays.gaussian(new SplittableRandom(4), DataType.DOUBLE, 1, net.inSize());
    double[] s = Spectral.singularValues(jacobian(net, x));
    assertEquals(2 * SIDE * SIDE, s.length);
    for (double v : s) {
      assertEquals(1.0, v, 1e-10, "every singular value of the 150×50 Jacobian");
    }
    // the same stack with orthogonal matricised kernels [out, C·k·k] (not delta) is no isometry
    double[] control = Spectral.singularValues(jacobian(stack(Init.orthogonal(1.0), 3), x));
    assertTrue(control[0] / control[control.length - 1] > 2, "control spread " + control[0] + " / "
        + control[control.length - 1]);
  }

  @Test
  void theKernelIsZeroButAnOrthogonalCentreTapTimesTheGain() {
    SplittableRandom rng = new SplittableRandom(8);
    double gain = Math.sqrt(2.0);
    Conv2D conv = new Conv2D("c", 3, 6, 6, 5, 3, 1, 1, false, DataType.DOUBLE);
    Init.deltaOrthogonal(gain).apply(conv, rng);
    double[][] w = conv.weight().value().toDoubleMatrix();
    double[][] centre = new double[5][3];
    for (int o = 0; o < 5; o++) {
      for (int c = 0; c < 3; c++) {
        for (int u = 0; u < 3; u++) {
          for (int v = 0; v < 3; v++) {
            double value = w[o][(c * 3 + u) * 3 + v];
            if (u == 1 && v == 1) {
              centre[o][c] = value;
            } else {
              assertEquals(0.0, value, "tap " + u + "," + v);
            }
          }
        }
      }
    }
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++) {
        double dot = 0;
        for (int o = 0; o < 5; o++) {
          dot += centre[o][a] * centre[o][b];
        }
        assertEquals(a == b ? gain * gain : 0.0, dot, 1e-12, "QᵀQ = gain² I at " + a + "," + b);
      }
    }
    assertEquals(0.0, conv.bias().value().amaxNumber().doubleValue());
    assertEquals(Init.deltaOrthogonal(gain), conv.init());
    // a single layer with gain 2: the Jacobian's singular values are all 2
    Conv2D one = new Conv2D("one", 2, 4, 4, 3, 3, 1, 1, false, DataType.DOUBLE);
    Init.deltaOrthogonal(2.0).apply(one, rng);
    Sequential net = new Sequential("one", List.of(one));
    for (double v : Spectral.singularValues(jacobian(net, Nd4j.zeros(DataType.DOUBLE, 1, net.inSize())))) {
      assertEquals(2.0, v, 1e-10);
    }
    // on a Dense layer (a 1×1 kernel) it is orthogonal init, draw for draw
    Dense d1 = new Dense("d", 4, 6, false, DataType.DOUBLE);
    Dense d2 = new Dense("d", 4, 6, false, DataType.DOUBLE);
    Init.deltaOrthogonal(1.5).apply(d1, new SplittableRandom(2));
    Init.orthogonal(1.5).apply(d2, new SplittableRandom(2));
    assertEquals(d2.weight().value(), d1.weight().value());
  }

  /**
   * Parseval's 4c(WWᵀ − I)W and AdamO's decoupled step −ηλ·4(WWᵀ − I)W reach a conv kernel
   * through its matricisation [out, C·k·k] (out < C·k·k here, so the row Gram), exactly as they
   * would a Dense weight holding that matrix; checked against the formula by hand.
   */
  @Test
  void theIsometryRegularizersSeeTheKernelAsItsMatricisation() {
    Conv2D conv = new Conv2D("c", 2, 5, 5, 3, 3, 1, 1, false, DataType.DOUBLE);
    Init.kaimingUniform(1.0).apply(conv, new SplittableRandom(6));
    Conv2D head = new Conv2D("h", 2, 5, 5, 3, 3, 1, 1, true, DataType.DOUBLE);
    assertTrue(conv.weight().isHiddenWeight() && !head.weight().isHiddenWeight() && !conv.bias().isHiddenWeight());
    double[][] w = conv.weight().value().toDoubleMatrix();
    double[][] isometryGradient = new double[3][18]; // 4 (WWᵀ − I) W
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 18; j++) {
        for (int k = 0; k < 3; k++) {
          double gram = -(i == k ? 1.0 : 0.0);
          for (int m = 0; m < 18; m++) {
            gram += w[i][m] * w[k][m];
          }
          isometryGradient[i][j] += 4 * gram * w[k][j];
        }
      }
    }
    double coef = 0.1;
    new ParsevalRegularizer(coef).apply(List.of(conv.weight(), conv.bias(), head.weight()));
    double[][] g = conv.weight().grad().toDoubleMatrix();
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 18; j++) {
        assertEquals(coef * isometryGradient[i][j], g[i][j], 1e-12, "Parseval");
      }
    }
    assertEquals(0.0, conv.bias().grad().amaxNumber().doubleValue());
    assertEquals(0.0, head.weight().grad().amaxNumber().doubleValue(), "heads are left out");

    // AdamO with no task gradient: Adam's part is 0, the isometry step alone moves the kernel
    conv.weight().zeroGrad();
    double lr = 0.01;
    double lambda = 0.5;
    new AdamO(List.of(conv.weight(), conv.bias()), lr, lambda).step();
    double[][] after = conv.weight().value().toDoubleMatrix();
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 18; j++) {
        assertEquals(w[i][j] - lr * lambda * isometryGradient[i][j], after[i][j], 1e-12, "AdamO");
      }
    }
  }
}
