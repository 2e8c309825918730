package dev.isoplast.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.loss.Mse;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** End to end: networks, MSE, backward and the optimizers learn a small fixed regression problem. */
class FitRegressionTest {

  /** y = sin(2 x1) + 0.5 x2² on 256 fixed points of [−1.5, 1.5]²; its variance is ≈ 0.55. */
  private static INDArray[] data() {
    SplittableRandom rng = new SplittableRandom(3);
    int n = 256;
    float[] x = new float[2 * n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      double a = rng.nextDouble(-1.5, 1.5);
      double b = rng.nextDouble(-1.5, 1.5);
      x[2 * i] = (float) a;
      x[2 * i + 1] = (float) b;
      y[i] = (float) (Math.sin(2 * a) + 0.5 * b * b);
    }
    return new INDArray[] {Nd4j.createFromArray(x).reshape(n, 2), Nd4j.createFromArray(y).reshape(n, 1)};
  }

  private static double fit(BodyConfig body, java.util.function.Function<Sequential, Optimizer> opt, int steps) {
    INDArray[] d = data();
    Sequential net = Networks.build(2, body, 1, Init.orthogonal(1.0), new SplittableRandom(7), DataType.FLOAT);
    Optimizer o = opt.apply(net);
    INDArray grad = Nd4j.zeros(DataType.FLOAT, 256, 1);
    double loss = Double.NaN;
    for (int t = 0; t < steps; t++) {
      net.zeroGrad();
      loss = Mse.loss(net.forward(d[0]), d[1], grad);
      net.backwardParams(grad);
      o.step();
    }
    return Mse.loss(net.forward(d[0]), d[1], null);
  }

  @Test
  void adamFitsToMseBelowOnePercentOfTheTargetVariance() {
    double loss = fit(BodyConfig.cleanRlPpo().withHiddenSizes(List.of(32, 32)), n -> new Adam(n.params(), 1e-2), 1500);
    assertTrue(loss < 5e-3, "Adam 2-32-32-1 tanh MLP: final MSE " + loss + " (target variance ≈ 0.55)");
  }

  @Test
  void adamOOnAnIsometricBodyFitsToo() {
    double loss = fit(BodyConfig.isometric(List.of(32, 32), false), n -> new AdamO(n.params(), 1e-2, 1e-3), 1500);
    assertTrue(loss < 2e-2, "AdamO 2-32-32-1 isometric (MaxMin) net: final MSE " + loss);
  }
}
