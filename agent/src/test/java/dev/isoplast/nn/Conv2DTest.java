package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.testing.Float64Mode;
import dev.isoplast.testing.GradientCheck;
import dev.isoplast.testing.RandomArrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

@ExtendWith(Float64Mode.class)
class Conv2DTest {

  /** {in C, H, W, out, k, stride, padding}: MinAtar's layer, stride 2, padding, odd sizes, 1×1. */
  private static final int[][] SHAPES = {
      {4, 10, 10, 16, 3, 1, 0}, {2, 7, 6, 3, 3, 2, 1}, {3, 9, 9, 2, 4, 2, 0}, {1, 5, 5, 2, 3, 1, 1},
      {3, 6, 5, 4, 1, 1, 0}, {2, 8, 8, 3, 5, 3, 2}};

  private static Conv2D layer(int[] s, DataType type, SplittableRandom rng) {
    Conv2D c = new Conv2D("c", s[0], s[1], s[2], s[3], s[4], s[5], s[6], false, type);
    c.weight().value().assign(RandomArrays.gaussian(rng, type, c.weight().value().shape()));
    c.bias().value().assign(RandomArrays.gaussian(rng, type, s[3]));
    return c;
  }

  /** The definition, loop by loop, in float64: z[b,o,i,j] = b[o] + Σ W[o,c,u,v] x[b,c,s·i+u−p,s·j+v−p]. */
  static double[] bruteForce(Conv2D c, double[] x, int batch) {
    double[] w = c.weight().value().dup().reshape(c.weight().length()).toDoubleVector();
    double[] bias = c.bias().value().toDoubleVector();
    int C = c.inChannels(), H = c.height(), W = c.width(), O = c.outChannels(), k = c.kernel();
    int OH = c.outHeight(), OW = c.outWidth(), s = c.stride(), p = c.padding();
    double[] z = new double[batch * O * OH * OW];
    for (int b = 0; b < batch; b++) {
      for (int o = 0; o < O; o++) {
        for (int i = 0; i < OH; i++) {
          for (int j = 0; j < OW; j++) {
            double sum = bias[o];
            for (int ch = 0; ch < C; ch++) {
              for (int u = 0; u < k; u++) {
                for (int v = 0; v < k; v++) {
                  int r = s * i + u - p;
                  int q = s * j + v - p;
                  if (r >= 0 && r < H && q >= 0 && q < W) {
                    sum += w[((o * C + ch) * k + u) * k + v] * x[((b * C + ch) * H + r) * W + q];
                  }
                }
              }
            }
            z[((b * O + o) * OH + i) * OW + j] = sum;
          }
        }
      }
    }
    return z;
  }

  @Test
  void outputSizeFollowsTheConvolutionArithmetic() {
    // MinAtar: 10×10, k 3, valid → 8×8; Nature-CNN first layer: 84×84, k 8, stride 4 → 20×20
    Conv2D minatar = new Conv2D("m", 4, 10, 10, 16, 3, 1, 0, false, DataType.FLOAT);
    assertEquals(16 * 8 * 8, minatar.outSize());
    Conv2D nature = new Conv2D("n", 4, 84, 84, 32, 8, 4, 0, false, DataType.FLOAT);
    assertEquals(20, nature.outHeight());
    assertEquals(32 * 20 * 20, nature.outSize());
    Conv2D same = new Conv2D("s", 3, 7, 5, 2, 3, 1, Conv2D.padding("same", 3), false, DataType.FLOAT);
    assertEquals(7, same.outHeight());
    assertEquals(5, same.outWidth());
    assertEquals(List.of(3 * 3 * 3L, 2L), same.params().stream().map(q -> q.value().size(q.value().rank() - 1))
        .toList(), "the kernel is stored [out, C·k·k]");
    assertTrue(same.weight().isHiddenWeight(), "the kernel matrix is a 2-D hidden weight for the regularizers");
  }

  @Test
  void forwardMatchesTheLoopDefinitionInFloat64AndFloat32() {
    SplittableRandom rng = new SplittableRandom(3);
    for (int[] s : SHAPES) {
      for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
        Conv2D c = layer(s, type, rng);
        int batch = 3;
        INDArray x = RandomArrays.gaussian(rng, type, batch, c.inSize());
        double[] expected = bruteForce(c, x.reshape(x.length()).toDoubleVector(), batch);
        double[] got = c.forward(x).reshape((long) batch * c.outSize()).toDoubleVector();
        assertArrayEquals(expected, got, type == DataType.DOUBLE ? 1e-12 : 1e-4, c + " " + type);
      }
    }
  }

  /**
   * Input, kernel and bias gradients against central differences (MinAtar's layer with 4 output
   * channels instead of 16, to keep the number of forwards down). The bound 1e-4 leaves room for
   * the differences' rounding: the loss sums hundreds of products, so an entry of dL/dx a thousand
   * times smaller than the loss is off by ~1e-5 relative; a wrong index or a missed term is O(1).
   */
  @Test
  void gradientsMatchCentralDifferences() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int[] s : SHAPES) {
      int[] shape = s.clone();
      shape[3] = Math.min(shape[3], 4);
      Conv2D c = layer(shape, DataType.DOUBLE, rng);
      INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 2, c.inSize());
      Map<String, Double> errors = GradientCheck.layer(c, x, 7);
      assertTrue(GradientCheck.worst(errors) < 1e-4, c + ": " + errors);
    }
  }

  @Test
  void chainsThroughFlattenIntoDenseInsideSequential() {
    SplittableRandom rng = new SplittableRandom(9);
    Conv2D c1 = layer(new int[] {2, 6, 6, 3, 3, 1, 1}, DataType.DOUBLE, rng);
    Conv2D c2 = layer(new int[] {3, 6, 6, 4, 2, 2, 0}, DataType.DOUBLE, rng);
    Conv2D renamed = new Conv2D("c2", 3, 6, 6, 4, 2, 2, 0, false, DataType.DOUBLE);
    renamed.weight().value().assign(c2.weight().value());
    renamed.bias().value().assign(c2.bias().value());
    Dense d = new Dense("d", 4 * 3 * 3, 5, true, DataType.DOUBLE);
    d.weight().value().assign(RandomArrays.gaussian(rng, DataType.DOUBLE, 5, 36));
    Sequential net = new Sequential("net", List.of(new Flatten("in", 2, 6, 6), c1, new ReLU("r", c1.outSize()),
        renamed, new Flatten("flat", 4, 3, 3), d));
    INDArray images = RandomArrays.gaussian(rng, DataType.DOUBLE, 2, 2, 6, 6);
    INDArray viaImages = net.forward(images).dup();
    INDArray rows = images.reshape(2, 72);
    assertEquals(viaImages, net.forward(rows), "a rank-4 batch and its NCHW rows give the same output");
    assertTrue(GradientCheck.worst(GradientCheck.layer(net, rows.dup(), 4)) < 1e-4);

    // backwardParams (training: no dL/dx below the first conv) adds the same parameter gradients
    INDArray r = RandomArrays.gaussian(rng, DataType.DOUBLE, 2, net.outSize());
    net.zeroGrad();
    net.forward(rows);
    net.backward(r);
    List<INDArray> full = net.params().stream().map(q -> q.grad().dup()).toList();
    net.zeroGrad();
    net.forward(rows);
    net.backwardParams(r);
    for (int i = 0; i < full.size(); i++) {
      assertEquals(full.get(i), net.params().get(i).grad(), net.params().get(i).name());
    }
    c1.forward(rows);
    assertNull(c1.backward(org.nd4j.linalg.factory.Nd4j.ones(DataType.DOUBLE, 2, c1.outSize()), false),
        "no dL/dx asked for, none made");
  }

  @Test
  void badShapesAreRejectedWithTheLayerNamed() {
    Conv2D c = new Conv2D("torso.0", 4, 10, 10, 16, 3, 1, 0, false, DataType.FLOAT);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.forward(org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 2, 399)));
    assertTrue(e.getMessage().contains("torso.0 expects input [B, 400]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Conv2D.padding("same", 4));
    assertThrows(IllegalArgumentException.class, () -> Conv2D.padding("full", 3));
    assertThrows(IllegalArgumentException.class,
        () -> new Conv2D("big", 1, 3, 3, 1, 5, 1, 0, false, DataType.FLOAT));
    Flatten f = new Flatten("f", 2, 3, 3);
    assertSame(IllegalArgumentException.class, assertThrows(IllegalArgumentException.class,
        () -> f.forward(org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 1, 3, 3, 2))).getClass());
  }
}
