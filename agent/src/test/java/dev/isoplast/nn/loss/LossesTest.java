package dev.isoplast.nn.loss;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.testing.GradientCheck;
import dev.isoplast.testing.RandomArrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(Float64Mode.class)
class LossesTest {


  private static INDArray row(double... v) {
    return Nd4j.create(v, new long[] {v.length, 1});
  }

  @Test
  void mseByHand() {
    INDArray grad = Nd4j.zeros(DataType.DOUBLE, 3, 1);
    // d = (1, −2, 0.5): L = (1 + 4 + 0.25)/3 = 1.75, dL/dp = 2d/3
    double l = Mse.loss(row(2, 0, 1.5), Nd4j.create(new double[] {1, 2, 1}), grad);
    assertEquals(1.75, l, 1e-15);
    assertArrayEquals(new double[] {2.0 / 3, -4.0 / 3, 1.0 / 3}, grad.reshape(3).toDoubleVector(), 1e-15);
  }

  @Test
  void huberByHandInsideAndOutsideDelta() {
    INDArray grad = Nd4j.zeros(DataType.DOUBLE, 3, 1);
    // d = (0.5, −3, 2): ℓ = (0.125, 3 − 0.5, 2 − 0.5) = (0.125, 2.5, 1.5); mean 4.125/3
    double l = Huber.loss(row(1.5, -2, 2), row(1, 1, 0), grad);
    assertEquals(4.125 / 3, l, 1e-15);
    assertArrayEquals(new double[] {0.5 / 3, -1.0 / 3, 1.0 / 3}, grad.reshape(3).toDoubleVector(), 1e-15);
    // δ = 2: d = 3 is outside (2·(3 − 1) = 4), d = 1.5 inside (1.125)
    assertEquals((4 + 1.125) / 2, Huber.loss(row(3, 1.5), row(0, 0), 2.0, null), 1e-15);
  }

  @Test
  void crossEntropyByHand() {
    INDArray logits = Nd4j.create(new double[][] {{0, Math.log(3)}, {Math.log(2), Math.log(2)}});
    INDArray grad = Nd4j.zeros(DataType.DOUBLE, 2, 2);
    // softmax rows: (1/4, 3/4) and (1/2, 1/2); labels 1 and 0: L = −(log 3/4 + log 1/2)/2
    double l = SoftmaxCrossEntropy.loss(logits, new int[] {1, 0}, grad);
    assertEquals(-(Math.log(0.75) + Math.log(0.5)) / 2, l, 1e-15);
    assertArrayEquals(new double[] {0.125, -0.125, -0.25, 0.25}, grad.reshape(4).toDoubleVector(), 1e-15);
    assertEquals(l, SoftmaxCrossEntropy.loss(logits, Nd4j.create(new double[] {1, 0}), null), 0);
  }

  @Test
  void crossEntropyIsStableForHugeLogits() {
    INDArray logits = Nd4j.create(new double[][] {{1000, 0, -1000}});
    assertEquals(1000, SoftmaxCrossEntropy.loss(logits, new int[] {1}, null), 1e-9);
    assertEquals(0, SoftmaxCrossEntropy.loss(logits, new int[] {0}, null), 1e-12);
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(1);
    INDArray pred = RandomArrays.gaussian(rng, DataType.DOUBLE, 6, 3);
    INDArray target = RandomArrays.gaussian(rng, DataType.DOUBLE, 6, 3).muli(2);
    INDArray grad = Nd4j.zeros(DataType.DOUBLE, 6, 3);

    Mse.loss(pred, target, grad);
    assertTrue(GradientCheck.maxRelativeError(() -> Mse.loss(pred, target, null), pred, grad) < 1e-6);

    // keep every |pred − target| at least 0.05 away from δ = 1, where the Huber loss has no third derivative
    double[] p = pred.reshape(18).toDoubleVector();
    double[] t = target.reshape(18).toDoubleVector();
    for (int i = 0; i < 18; i++) {
      if (Math.abs(Math.abs(p[i] - t[i]) - 1) < 0.05) {
        pred.reshape(18).putScalar(i, t[i] + Math.copySign(1.2, p[i] - t[i]));
      }
    }
    Huber.loss(pred, target, grad);
    assertTrue(GradientCheck.maxRelativeError(() -> Huber.loss(pred, target, null), pred, grad) < 1e-6);

    int[] labels = {0, 2, 1, 1, 0, 2};
    SoftmaxCrossEntropy.loss(pred, labels, grad);
    assertTrue(GradientCheck.maxRelativeError(() -> SoftmaxCrossEntropy.loss(pred, labels, null), pred, grad) < 1e-6);
  }

  @Test
  void sizeMismatchIsAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Mse.loss(Nd4j.zeros(DataType.DOUBLE, 4, 1), Nd4j.zeros(DataType.DOUBLE, 5), null));
    assertEquals("prediction [4, 1] and target [5] differ in size", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> SoftmaxCrossEntropy.loss(Nd4j.zeros(DataType.DOUBLE, 2, 3), new int[] {0, 3}, null));
  }
}
