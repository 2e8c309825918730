package dev.isoplast.nn;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

@ExtendWith(Float64Mode.class)
class LayerNormTest {


  @Test
  void normalisesEachRowToZeroMeanAndUnitVariance() {
    LayerNorm ln = new LayerNorm("ln", 4, DataType.DOUBLE);
    INDArray y = ln.forward(Nd4j.create(new double[][] {{1, 2, 3, 6}, {-10, 0, 10, 20}}));
    // row 1: mean 3, biased variance (4 + 1 + 0 + 9)/4 = 3.5
    double s = Math.sqrt(3.5 + LayerNorm.EPS);
    assertEquals(-2 / s, y.getDouble(0, 0), 1e-12);
    assertEquals(3 / s, y.getDouble(0, 3), 1e-12);
    for (int r = 0; r < 2; r++) {
      INDArray row = y.getRow(r);
      assertEquals(0, row.meanNumber().doubleValue(), 1e-12);
      assertEquals(1, row.mul(row).meanNumber().doubleValue(), 1e-5);
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(21);
    LayerNorm ln = new LayerNorm("ln", 6, DataType.DOUBLE);
    ln.gain().value().assign(RandomArrays.uniform(rng, 0.5, 1.5, DataType.DOUBLE, 6));
    ln.bias().value().assign(RandomArrays.gaussian(rng, DataType.DOUBLE, 6));
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 5, 6).muli(3).addi(1);
    Map<String, Double> errors = GradientCheck.layer(ln, x, 22);
    assertTrue(GradientCheck.worst(errors) < 1e-6, errors.toString());
    assertEquals(java.util.List.of("input", "ln.gamma", "ln.beta"), java.util.List.copyOf(errors.keySet()));
  }

  /**
   * The float32 layer gives the float64 layer's values within float rounding (forward, dx, dγ, dβ),
   * for a view as input and gradient (copied to contiguous scratch) and for two batch sizes in turn;
   * the parameter gradients accumulate over backward calls.
   */
  @Test
  void float32MatchesFloat64WithinRoundingOnViewsAndAccumulates() {
    SplittableRandom rng = new SplittableRandom(5);
    int n = 37;
    LayerNorm f64 = new LayerNorm("ln", n, DataType.DOUBLE);
    LayerNorm f32 = new LayerNorm("ln", n, DataType.FLOAT);
    INDArray gamma = RandomArrays.uniform(rng, 0.5, 1.5, DataType.DOUBLE, n);
    INDArray beta = RandomArrays.gaussian(rng, DataType.DOUBLE, n);
    f64.gain().value().assign(gamma);
    f64.bias().value().assign(beta);
    f32.gain().value().assign(gamma.castTo(DataType.FLOAT));
    f32.bias().value().assign(beta.castTo(DataType.FLOAT));
    for (int batch : new int[] {16, 3, 16}) {
      INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, batch, n).muli(2).addi(0.5)
          .castTo(DataType.FLOAT).castTo(DataType.DOUBLE); // values exact in float32
      INDArray g = RandomArrays.gaussian(rng, DataType.DOUBLE, batch, n).castTo(DataType.FLOAT)
          .castTo(DataType.DOUBLE);
      INDArray y64 = f64.forward(x).dup();
      INDArray xView = x.castTo(DataType.FLOAT).transpose().dup().transpose(); // f-order: not contiguous
      assertTrue(!HostArrays.isContiguous(xView));
      INDArray y32 = f32.forward(xView).castTo(DataType.DOUBLE);
      assertClose(y64, y32, 2e-6, "forward, batch " + batch);
      INDArray dx64 = f64.backward(g).dup();
      INDArray dx32 = f32.backward(g.castTo(DataType.FLOAT).transpose().dup().transpose()).castTo(DataType.DOUBLE);
      assertClose(dx64, dx32, 2e-6, "dx, batch " + batch);
    }
    assertClose(f64.gain().grad(), f32.gain().grad().castTo(DataType.DOUBLE), 2e-6, "dgamma summed over 3 backwards");
    assertClose(f64.bias().grad(), f32.bias().grad().castTo(DataType.DOUBLE), 2e-6, "dbeta summed over 3 backwards");
    assertTrue(f64.bias().grad().norm2Number().doubleValue() > 1, "the gradients are not trivially zero");
  }

  private static void assertClose(INDArray expected, INDArray got, double rel, String what) {
    double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
    double err = expected.sub(got).amaxNumber().doubleValue();
    assertTrue(err <= rel * scale, what + ": max error " + err + " against scale " + scale);
  }
}
