package dev.isoplast.nn.dist;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
class DiagGaussianTest {


  @Test
  void logProbAndEntropyOfATwoDimensionalExampleByHand() {
    // μ = (1, −1), σ = (2, 0.5), a = (2, 0): z = ((2 − 1)/2, (0 + 1)/0.5) = (0.5, 2)
    // log p = −½(0.25 + 4) − log 2 − log 0.5 − log 2π = −2.125 − log 2π
    INDArray mean = Nd4j.create(new double[][] {{1, -1}});
    INDArray logStd = Nd4j.create(new double[] {Math.log(2), Math.log(0.5)});
    DiagGaussian g = DiagGaussian.of(mean, logStd);
    double[] lp = g.logProb(Nd4j.create(new double[][] {{2, 0}}), null);
    assertEquals(-2.125 - Math.log(2 * Math.PI), lp[0], 1e-14);
    // H = Σ log σ_i + (d/2)(1 + log 2π) = 0 + 1 + log 2π
    assertEquals(1 + Math.log(2 * Math.PI), g.entropy(), 1e-14);
    // a standard normal at its mean: log p = −(d/2) log 2π
    DiagGaussian std = DiagGaussian.of(Nd4j.zeros(DataType.DOUBLE, 1, 2), Nd4j.zeros(DataType.DOUBLE, 2));
    assertEquals(-Math.log(2 * Math.PI), std.logProb(Nd4j.zeros(DataType.DOUBLE, 1, 2), null)[0], 1e-15);
  }

  @Test
  void gradientsWithRespectToMeanAndLogStdMatchFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(5);
    INDArray mean = RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 3);
    INDArray logStd = RandomArrays.uniform(rng, -1, 0.5, DataType.DOUBLE, 3);
    INDArray actions = RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 3);
    double[] wLogp = {0.5, -1, 2, 0.3};
    double[] wEnt = {0.2, -0.7, 0.1, 1.1};
    DiagGaussian g = new DiagGaussian();
    INDArray gradMean = Nd4j.zeros(DataType.DOUBLE, 4, 3);
    INDArray gradLogStd = Nd4j.zeros(DataType.DOUBLE, 3);
    g.set(mean, logStd).backward(wLogp, actions, wEnt, gradMean, gradLogStd);
    java.util.function.Supplier<Double> loss = () -> {
      g.set(mean, logStd);
      return dot(wLogp, g.logProb(actions, null)) + dot(wEnt, g.entropy(null));
    };
    assertTrue(GradientCheck.maxRelativeError(loss, mean, gradMean) < 1e-6);
    assertTrue(GradientCheck.maxRelativeError(loss, logStd, gradLogStd) < 1e-6);
  }

  @Test
  void logStdGradientIsAddedLikeAParameterGradient() {
    DiagGaussian g = DiagGaussian.of(Nd4j.zeros(DataType.DOUBLE, 2, 1), Nd4j.zeros(DataType.DOUBLE, 1));
    INDArray gradLogStd = Nd4j.create(new double[] {10});
    g.backward(null, null, new double[] {1, 2}, Nd4j.zeros(DataType.DOUBLE, 2, 1), gradLogStd);
    // ∂H/∂log σ = 1 per sample: 10 + 1 + 2
    assertArrayEquals(new double[] {13}, gradLogStd.toDoubleVector(), 0);
  }

  @Test
  void samplesHaveTheRightMeanAndStd() {
    int n = 20000;
    DiagGaussian g = DiagGaussian.of(Nd4j.zeros(DataType.DOUBLE, n, 1).addi(3), Nd4j.create(new double[] {Math.log(0.5)}));
    INDArray a = Nd4j.zeros(DataType.DOUBLE, n, 1);
    g.sample(new SplittableRandom(6), a);
    assertEquals(3, a.meanNumber().doubleValue(), 0.02);
    assertEquals(0.5, a.stdNumber().doubleValue(), 0.02);
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
