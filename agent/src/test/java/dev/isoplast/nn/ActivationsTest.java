package dev.isoplast.nn;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.testing.GradientCheck;
import dev.isoplast.testing.RandomArrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

@ExtendWith(Float64Mode.class)
class ActivationsTest {


  private static final double[] Z = {-2, -0.5, 0.25, 3};

  private static INDArray z() {
    return Nd4j.create(Z, new long[] {1, 4});
  }

  @Test
  void forwardValuesAndDerivativesMatchTheirFormulas() {
    ReLU relu = new ReLU("r", 4);
    assertArrayEquals(new double[] {0, 0, 0.25, 3}, relu.forward(z()).toDoubleVector(), 0);
    assertArrayEquals(new double[] {0, 0, 1, 1}, relu.derivative().toDoubleVector(), 0);

    LeakyReLU leaky = new LeakyReLU("l", 4, 0.1);
    assertArrayEquals(new double[] {-0.2, -0.05, 0.25, 3}, leaky.forward(z()).toDoubleVector(), 1e-15);
    assertArrayEquals(new double[] {0.1, 0.1, 1, 1}, leaky.derivative().toDoubleVector(), 1e-15);

    Tanh tanh = new Tanh("t", 4);
    double[] h = tanh.forward(z()).toDoubleVector();
    double[] d = tanh.derivative().toDoubleVector();
    for (int i = 0; i < 4; i++) {
      assertEquals(Math.tanh(Z[i]), h[i], 1e-15);
      assertEquals(1 / (Math.cosh(Z[i]) * Math.cosh(Z[i])), d[i], 1e-14);
    }
    INDArray j = tanh.jacobian(0);
    for (int a = 0; a < 4; a++) {
      for (int b = 0; b < 4; b++) {
        assertEquals(a == b ? d[a] : 0, j.getDouble(a, b), 0);
      }
    }
  }

  /**
   * ReLU's Java pass gives libnd4j's {@code RectifiedLinear} bit for bit on every value but −0,
   * special values included (NaN passes through, subnormals keep their sign rule), in both dtypes
   * and for a view (which takes the ND4J op itself). −0 comes out as +0 from the Java pass
   * ({@code Math.max}, which the JIT vectorises) and as −0 from libnd4j: equal as numbers.
   */
  @Test
  void reluPassEqualsTheNd4jOpBitForBit() {
    double[] special = {Double.NaN, -0.0, 0.0, -1, 2, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -1e-40, 1e-40,
        -1e-310, 1e-310, 0.3, -7.5, 1e30};
    for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
      INDArray x = Nd4j.create(special, new long[] {2, 7}).castTo(type);
      INDArray expected = Nd4j.zeros(type, 2, 7);
      Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(x, expected, 0.0));
      INDArray got = new ReLU("r", 7).forward(x);
      INDArray view = x.transpose().dup().transpose(); // f-order: not contiguous in row-major
      INDArray gotView = new ReLU("v", 7).forward(view);
      for (int i = 0; i < special.length; i++) {
        long want = bits(expected, i);
        assertEquals(want, bits(gotView, i), type + " view element " + i);
        long minusZero = type == DataType.DOUBLE ? Double.doubleToRawLongBits(-0.0) : Float.floatToRawIntBits(-0f);
        if (want == minusZero) { // -0 itself, and -1e-310 as a float
          assertEquals(0L, bits(got, i), type + " element " + i + ": -0 becomes +0");
        } else {
          assertEquals(want, bits(got, i), type + " element " + i + " (" + special[i] + ")");
        }
      }
    }
  }

  /** The branch-free step of the ReLU-family derivatives: 1 for every y > 0 down to the smallest subnormal, 0 for y ≤ 0. */
  @Test
  void positiveIsTheStepFunctionOnEveryFloat() {
    float[] up = {Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, 1f, Float.MAX_VALUE, Float.POSITIVE_INFINITY};
    float[] down = {0f, -0f, -Float.MIN_VALUE, -1f, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY};
    for (float y : up) {
      assertEquals(1f, ElementwiseActivation.positive(y), "float " + y);
      assertEquals(1.0, ElementwiseActivation.positive((double) y), "double " + y);
    }
    for (float y : down) {
      assertEquals(0, Float.floatToRawIntBits(ElementwiseActivation.positive(y)), "float " + y);
      assertEquals(0L, Double.doubleToRawLongBits(ElementwiseActivation.positive((double) y)), "double " + y);
    }
    assertEquals(1.0, ElementwiseActivation.positive(Double.MIN_VALUE));
    assertEquals(0.0, ElementwiseActivation.positive(-Double.MIN_VALUE));
    assertTrue(Float.isNaN(ElementwiseActivation.positive(Float.NaN)));
    assertTrue(Double.isNaN(ElementwiseActivation.positive(Double.NaN)));
  }

  private static long bits(INDArray a, int i) {
    long r = i / a.columns();
    long c = i % a.columns();
    return a.dataType() == DataType.DOUBLE ? Double.doubleToRawLongBits(a.getDouble(r, c))
        : Float.floatToRawIntBits(a.getFloat(r, c));
  }

  @Test
  void elementwiseGradientsMatchFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(4);
    List<Layer> layers = List.of(new ReLU("relu", 7), new LeakyReLU("leaky", 7, 0.2), new Tanh("tanh", 7));
    for (Layer layer : layers) {
      INDArray x = RandomArrays.gaussianAwayFromZero(rng, 0.05, DataType.DOUBLE, 5, 7);
      Map<String, Double> errors = GradientCheck.layer(layer, x, 11);
      assertTrue(GradientCheck.worst(errors) < 1e-6, layer + " " + errors);
    }
  }

  @Test
  void maxMinSortsEachPairDescending() {
    GroupSort mm = GroupSort.maxMin("mm", 6);
    INDArray x = Nd4j.create(new double[][] {{1, 3, -2, -5, 4, 4}, {0, -1, 7, 8, -3, 2}});
    assertArrayEquals(new double[] {3, 1, -2, -5, 4, 4, 0, -1, 8, 7, 2, -3},
        mm.forward(x).reshape(12).toDoubleVector(), 0);
    // out.flat[i] = in.flat[source[i]]; the tie (4, 4) keeps its order
    assertArrayEquals(new int[] {1, 0, 2, 3, 4, 5, 6, 7, 9, 8, 11, 10}, mm.sourceIndex());
  }

  @Test
  void groupSortSortsEachGroupDescending() {
    GroupSort gs = new GroupSort("gs", 6, 3);
    INDArray x = Nd4j.create(new double[][] {{1, 3, 2, -5, -4, -6}});
    assertArrayEquals(new double[] {3, 2, 1, -4, -5, -6}, gs.forward(x).toDoubleVector(), 0);
    INDArray g = Nd4j.create(new double[][] {{10, 20, 30, 40, 50, 60}});
    // gradient of output j goes back to the input that produced it
    assertArrayEquals(new double[] {30, 10, 20, 50, 40, 60}, gs.backward(g).toDoubleVector(), 0);
  }

  @Test
  void groupSortGradientsMatchFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(5);
    for (GroupSort gs : List.of(GroupSort.maxMin("mm", 8), new GroupSort("gs4", 8, 4))) {
      INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 6, 8);
      Map<String, Double> errors = GradientCheck.layer(gs, x, 12);
      assertTrue(GradientCheck.worst(errors) < 1e-6, gs + " " + errors);
    }
  }

  @Test
  void maxMinJacobianIsAPermutationMatrix() {
    SplittableRandom rng = new SplittableRandom(6);
    GroupSort mm = GroupSort.maxMin("mm", 10);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 1, 10);
    INDArray j = Jacobians.inputOutput(mm, x);
    double[][] m = j.toDoubleMatrix();
    for (int r = 0; r < 10; r++) {
      int onesInRow = 0;
      int onesInCol = 0;
      for (int c = 0; c < 10; c++) {
        assertTrue(m[r][c] == 0 || m[r][c] == 1, "entry " + r + "," + c + " = " + m[r][c]);
        onesInRow += (int) m[r][c];
        onesInCol += (int) m[c][r];
      }
      assertEquals(1, onesInRow);
      assertEquals(1, onesInCol);
      // it only ever permutes within a pair
      for (int c = 0; c < 10; c++) {
        if (m[r][c] == 1) {
          assertEquals(r / 2, c / 2);
        }
      }
    }
    mm.forward(x);
    assertEquals(j, mm.jacobian(0));
  }

  @Test
  void float32PathsMatchFloat64() {
    SplittableRandom rng = new SplittableRandom(7);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 3, 8);
    INDArray g = RandomArrays.gaussian(rng, DataType.DOUBLE, 3, 8);
    for (String kind : List.of("relu", "leaky", "tanh", "maxmin", "gs4")) {
      Activation a64 = make(kind);
      Activation a32 = make(kind);
      INDArray y64 = a64.forward(x).dup();
      INDArray y32 = a32.forward(x.castTo(DataType.FLOAT)).castTo(DataType.DOUBLE);
      assertTrue(y64.sub(y32).amaxNumber().doubleValue() < 1e-6, kind);
      INDArray d64 = a64.backward(g).dup();
      INDArray d32 = a32.backward(g.castTo(DataType.FLOAT)).castTo(DataType.DOUBLE);
      assertTrue(d64.sub(d32).amaxNumber().doubleValue() < 1e-6, kind);
    }
  }

  private static Activation make(String kind) {
    return switch (kind) {
      case "relu" -> new ReLU("a", 8);
      case "leaky" -> new LeakyReLU("a", 8, 0.01);
      case "tanh" -> new Tanh("a", 8);
      case "maxmin" -> GroupSort.maxMin("a", 8);
      default -> new GroupSort("a", 8, 4);
    };
  }

  @Test
  void nonContiguousInputsAndGradientsGiveTheSameResults() {
    SplittableRandom rng = new SplittableRandom(8);
    INDArray wide = RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 12);
    INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 10));
    INDArray gwide = RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 12);
    INDArray gview = gwide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 9));
    // row ranges are contiguous but start at an offset into the parent's memory
    INDArray tall = RandomArrays.gaussian(rng, DataType.DOUBLE, 10, 8);
    INDArray rows = tall.get(NDArrayIndex.interval(3, 7), NDArrayIndex.all());
    INDArray gtall = RandomArrays.gaussian(rng, DataType.DOUBLE, 10, 8);
    INDArray grows = gtall.get(NDArrayIndex.interval(5, 9), NDArrayIndex.all());
    for (String kind : List.of("relu", "tanh", "maxmin", "gs4")) {
      Activation a = make(kind);
      Activation b = make(kind);
      assertEquals(a.forward(view.dup()), b.forward(view), kind);
      assertEquals(a.backward(gview.dup()), b.backward(gview), kind);
      assertEquals(a.forward(rows.dup()), b.forward(rows), kind);
      assertEquals(a.backward(grows.dup()), b.backward(grows), kind);
    }
  }

  @Test
  void rejectsBadConfigurations() {
    IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> GroupSort.maxMin("mm", 7));
    assertEquals("GroupSort mm with group size 2 needs a positive width divisible by 2, got 7", odd.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new LeakyReLU("l", 3, -0.1));
    assertThrows(IllegalArgumentException.class, () -> new ReLU("r", 3).forward(Nd4j.zeros(DataType.DOUBLE, 2, 4)));
  }
}
