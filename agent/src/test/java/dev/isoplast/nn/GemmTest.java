package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GemmTest {

  private static INDArray gaussian(SplittableRandom rng, DataType type, int rows, int cols) {
    double[] v = new double[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextGaussian() * 0.2;
    }
    return Nd4j.createFromArray(v).reshape(rows, cols).castTo(type);
  }

  @Test
  void gemmAgreesWithNd4jAndTheThreadPolicyHasItsThreshold() {
    SplittableRandom rng = new SplittableRandom(7);
    INDArray a = gaussian(rng, DataType.DOUBLE, 9, 11);
    INDArray b = gaussian(rng, DataType.DOUBLE, 13, 11);
    INDArray c = gaussian(rng, DataType.DOUBLE, 9, 13);
    INDArray expected = a.mmul(b.transpose()).muli(0.5).addi(c.mul(2));
    Gemm.gemm(a, b, c, false, true, 0.5, 2.0);
    assertArrayEquals(expected.data().asDouble(), c.data().asDouble(), 1e-12);
    assertEquals(1, Gemm.threadsFor(16L * 784 * 100));
    assertEquals(1, Gemm.threadsFor(Gemm.THREADED_MIN - 1));
    assertTrue(Gemm.threadsFor(512L * 512 * 512) >= 1);
  }
}
