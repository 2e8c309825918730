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
}
