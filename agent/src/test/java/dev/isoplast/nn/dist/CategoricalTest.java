package dev.isoplast.nn.dist;

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
class CategoricalTest {


  @Test
  void uniformLogitsHaveEntropyLogN() {
    for (int n : new int[] {2, 3, 18}) {
      Categorical c = Categorical.fromLogits(Nd4j.zeros(DataType.DOUBLE, 2, n).addi(0.7));
      assertEquals(Math.log(n), c.entropy(0), 1e-14);
      assertEquals(-Math.log(n), c.logProb(1, n - 1), 1e-14);
    }
  }

  @Test
  void logProbsAndEntropyByHand() {
    // logits (0, log 2, log 5): p = (1, 2, 5)/8
    Categorical c = Categorical.fromLogits(Nd4j.create(new double[][] {{0, Math.log(2), Math.log(5)}}));
    assertArrayEquals(new double[] {Math.log(5.0 / 8)}, c.logProb(new int[] {2}, null), 1e-15);
    double h = -(1.0 / 8 * Math.log(1.0 / 8) + 2.0 / 8 * Math.log(2.0 / 8) + 5.0 / 8 * Math.log(5.0 / 8));
    assertEquals(h, c.entropy(0), 1e-15);
    assertEquals(2, c.mode(0));
  }

  @Test
  void stableForHugeLogitsInFloat32() {
    Categorical c = Categorical.fromLogits(Nd4j.create(new float[][] {{1e4f, 0f}}));
    assertEquals(0, c.logProb(0, 0), 0);
    assertEquals(-1e4, c.logProb(0, 1), 1e-9);
    assertEquals(0, c.entropy(0), 1e-12);
  }

  @Test
  void gradientsOfLogProbAndEntropyMatchFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(3);
    INDArray logits = RandomArrays.gaussian(rng, DataType.DOUBLE, 5, 4).muli(2);
    int[] actions = {0, 3, 1, 2, 3};
    double[] wLogp = {0.3, -1.2, 0.8, 2.0, -0.4};
    double[] wEnt = {-0.5, 0.1, 1.5, -0.9, 0.7};
    INDArray grad = Nd4j.zeros(DataType.DOUBLE, 5, 4);
    Categorical c = new Categorical();

    c.set(logits).backward(wLogp, actions, null, grad);
    assertTrue(GradientCheck.maxRelativeError(() -> dot(wLogp, c.set(logits).logProb(actions, null)), logits, grad) < 1e-6);

    c.set(logits).backward(null, (int[]) null, wEnt, grad);
    assertTrue(GradientCheck.maxRelativeError(() -> dot(wEnt, c.set(logits).entropy(null)), logits, grad) < 1e-6);

    c.set(logits).backward(wLogp, Nd4j.create(new double[] {0, 3, 1, 2, 3}), wEnt, grad);
    assertTrue(GradientCheck.maxRelativeError(
        () -> dot(wLogp, c.set(logits).logProb(actions, null)) + dot(wEnt, c.entropy(null)), logits, grad) < 1e-6);
  }

  @Test
  void samplesFollowTheProbabilities() {
    Categorical c = Categorical.fromLogits(Nd4j.create(new double[][] {{0, Math.log(3)}}));
    SplittableRandom rng = new SplittableRandom(4);
    int ones = 0;
    int draws = 20000;
    for (int i = 0; i < draws; i++) {
      ones += c.sample(0, rng);
    }
    // p(1) = 3/4, standard error √(3/16/20000) ≈ 0.003
    assertEquals(0.75, ones / (double) draws, 0.015);
  }

  @Test
  void rejectsOutOfRangeActions() {
    Categorical c = Categorical.fromLogits(Nd4j.zeros(DataType.DOUBLE, 2, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.logProb(new int[] {0, 3}, null));
    assertEquals("action 3 of sample 1 outside [0, 3)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> c.logProb(Nd4j.create(new double[] {0, 1.5}), null));
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
