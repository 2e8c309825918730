package dev.isoplast.nn;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.testing.GradientCheck;
import dev.isoplast.testing.RandomArrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

@ExtendWith(Float64Mode.class)
class DenseTest {


  @Test
  void forwardIsXWTransposePlusBias() {
    Dense d = new Dense("d", 2, 3, false, DataType.DOUBLE);
    d.weight().value().assign(Nd4j.create(new double[][] {{1, 2}, {3, 4}, {5, 6}}));
    d.bias().value().assign(Nd4j.create(new double[] {0.5, -1, 2}));
    INDArray z = d.forward(Nd4j.create(new double[][] {{1, -1}, {2, 0.5}}));
    // row 1: (1·1 − 2 + 0.5, 3 − 4 − 1, 5 − 6 + 2); row 2: (2 + 1 + 0.5, 6 + 2 − 1, 10 + 3 + 2)
    assertArrayEquals(new double[] {-0.5, -2, 1, 3.5, 7, 15}, z.reshape(6).toDoubleVector(), 1e-12);
  }

  /**
   * Small float32 products go through one Java pass (Kernels.smallAffine), larger ones through
   * BLAS: both against an exact (float64) x Wᵀ + b computed here by hand, to float32 rounding.
   */
  @Test
  void smallAndLargeFloatProductsBothGiveXWTransposePlusBias() {
    SplittableRandom rng = new SplittableRandom(11);
    int[][] shapes = {{4, 4, 64}, {4, 64, 64}, {2, 64, 2}, {1, 3, 5}, {128, 64, 64}, {64, 8, 40}};
    for (int[] sh : shapes) {
      int rows = sh[0];
      int in = sh[1];
      int out = sh[2];
      Dense d = new Dense("d", in, out, false, DataType.FLOAT);
      d.weight().value().assign(RandomArrays.gaussian(rng, DataType.FLOAT, out, in));
      d.bias().value().assign(RandomArrays.gaussian(rng, DataType.FLOAT, out));
      INDArray x = RandomArrays.gaussian(rng, DataType.FLOAT, rows, in);
      boolean small = (long) rows * in * out <= Kernels.SMALL_AFFINE_MAX;
      assertEquals(small, Kernels.smallAffine(x, d.weight().value(), d.bias().value(), Nd4j.zeros(DataType.FLOAT, rows,
          out), Kernels.smallAffineMax()), "the Java pass takes exactly the small products: "
          + java.util.Arrays.toString(sh));
      double[] z = d.forward(x).reshape((long) rows * out).toDoubleVector();
      double[] w = d.weight().value().reshape((long) out * in).toDoubleVector();
      double[] b = d.bias().value().toDoubleVector();
      double[] xs = x.reshape((long) rows * in).toDoubleVector();
      for (int r = 0; r < rows; r++) {
        for (int o = 0; o < out; o++) {
          double exact = b[o];
          double scale = Math.abs(b[o]);
          for (int k = 0; k < in; k++) {
            exact += xs[r * in + k] * w[o * in + k];
            scale += Math.abs(xs[r * in + k] * w[o * in + k]);
          }
          assertEquals(exact, z[r * out + o], 1e-6 * scale + 1e-7, java.util.Arrays.toString(sh) + " z[" + r + "," + o + "]");
        }
      }
    }
    System.setProperty(Dense.SMALL_AFFINE_PROPERTY, "0");
    try {
      assertTrue(!Kernels.smallAffine(Nd4j.ones(DataType.FLOAT, 1, 2), Nd4j.ones(DataType.FLOAT, 3, 2),
          Nd4j.ones(DataType.FLOAT, 3), Nd4j.zeros(DataType.FLOAT, 1, 3), Kernels.smallAffineMax()),
          "0 turns the Java pass off");
    } finally {
      System.clearProperty(Dense.SMALL_AFFINE_PROPERTY);
    }
  }

  @Test
  void gradientsMatchFiniteDifferencesWhenWideningAndNarrowing() {
    int[][] shapes = {{3, 5, 7}, {4, 7, 3}, {1, 6, 6}};
    SplittableRandom rng = new SplittableRandom(1);
    for (int[] s : shapes) {
      Dense d = new Dense("d", s[1], s[2], false, DataType.DOUBLE);
      Init.torchDefault().apply(d, rng);
      INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, s[0], s[1]);
      Map<String, Double> errors = GradientCheck.layer(d, x, 7);
      assertTrue(GradientCheck.worst(errors) < 1e-6, "B,in,out=" + java.util.Arrays.toString(s) + " " + errors);
    }
  }

  @Test
  void skippingTheInputGradientLeavesParameterGradientsEqual() {
    SplittableRandom rng = new SplittableRandom(2);
    Dense d = new Dense("d", 5, 4, false, DataType.DOUBLE);
    Init.torchDefault().apply(d, rng);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 3, 5);
    INDArray g = RandomArrays.gaussian(rng, DataType.DOUBLE, 3, 4);
    d.forward(x);
    d.backward(g);
    INDArray gw = d.weight().grad().dup();
    INDArray gb = d.bias().grad().dup();
    d.weight().zeroGrad();
    d.bias().zeroGrad();
    d.forward(x);
    assertNull(d.backward(g, false));
    assertEquals(gw, d.weight().grad());
    assertEquals(gb, d.bias().grad());
  }

  @Test
  void viewsAsInputAndGradientGiveTheSameResults() {
    SplittableRandom rng = new SplittableRandom(4);
    Dense a = new Dense("a", 5, 4, false, DataType.DOUBLE);
    Dense b = new Dense("b", 5, 4, false, DataType.DOUBLE);
    Init.torchDefault().apply(a, new SplittableRandom(1));
    Init.torchDefault().apply(b, new SplittableRandom(1));
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 3, 9)
        .get(NDArrayIndex.all(), NDArrayIndex.interval(2, 7));
    INDArray g = RandomArrays.gaussian(rng, DataType.DOUBLE, 8, 4)
        .get(NDArrayIndex.interval(4, 7), NDArrayIndex.all());
    INDArray gCols = RandomArrays.gaussian(rng, DataType.DOUBLE, 3, 6)
        .get(NDArrayIndex.all(), NDArrayIndex.interval(1, 5));
    for (INDArray grad : new INDArray[] {g, gCols}) {
      a.weight().zeroGrad();
      a.bias().zeroGrad();
      b.weight().zeroGrad();
      b.bias().zeroGrad();
      assertEquals(a.forward(x.dup()), b.forward(x));
      assertEquals(a.backward(grad.dup()), b.backward(grad));
      assertEquals(a.weight().grad(), b.weight().grad());
      assertEquals(a.bias().grad(), b.bias().grad());
    }
  }

  @Test
  void buffersAreReusedPerBatchSize() {
    Dense d = new Dense("d", 3, 2, false, DataType.DOUBLE);
    INDArray a = d.forward(Nd4j.zeros(DataType.DOUBLE, 4, 3));
    INDArray b = d.forward(Nd4j.zeros(DataType.DOUBLE, 5, 3));
    assertSame(a, d.forward(Nd4j.zeros(DataType.DOUBLE, 4, 3)));
    assertSame(b, d.forward(Nd4j.zeros(DataType.DOUBLE, 5, 3)));
  }

  @Test
  void monitorAccessorsExposeTheLastInputAndDelta() {
    Dense d = new Dense("d", 3, 2, false, DataType.DOUBLE);
    INDArray x = Nd4j.ones(DataType.DOUBLE, 4, 3);
    INDArray g = Nd4j.ones(DataType.DOUBLE, 4, 2);
    d.forward(x);
    d.backward(g);
    assertSame(x, d.lastInput());
    assertSame(g, d.lastDelta());
  }

  @Test
  void float32MatchesFloat64() {
    SplittableRandom rng = new SplittableRandom(3);
    Dense d64 = new Dense("d", 6, 5, false, DataType.DOUBLE);
    Dense d32 = new Dense("d", 6, 5, false, DataType.FLOAT);
    Init.torchDefault().apply(d64, new SplittableRandom(9));
    Init.torchDefault().apply(d32, new SplittableRandom(9));
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 6);
    INDArray g = RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 5);
    INDArray z64 = d64.forward(x);
    INDArray z32 = d32.forward(x.castTo(DataType.FLOAT));
    assertTrue(z64.sub(z32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() < 1e-5);
    INDArray dx64 = d64.backward(g);
    INDArray dx32 = d32.backward(g.castTo(DataType.FLOAT));
    assertTrue(dx64.sub(dx32.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() < 1e-5);
    assertTrue(d64.weight().grad().sub(d32.weight().grad().castTo(DataType.DOUBLE)).amaxNumber().doubleValue() < 1e-5);
  }

  @Test
  void rejectsWrongShapesAndDtypesWithPreciseMessages() {
    Dense d = new Dense("body.0", 3, 2, false, DataType.FLOAT);
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> d.forward(Nd4j.zeros(DataType.FLOAT, 4, 5)));
    assertEquals("body.0 expects input [B, 3], got [4, 5]", shape.getMessage());
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> d.forward(Nd4j.zeros(DataType.DOUBLE, 4, 3)));
    assertEquals("body.0 holds FLOAT parameters but got a DOUBLE input; cast it with castTo(FLOAT)", type.getMessage());
    assertThrows(IllegalStateException.class, () -> new Dense("x", 3, 2, false, DataType.FLOAT)
        .backward(Nd4j.zeros(DataType.FLOAT, 1, 2)));
  }
}
