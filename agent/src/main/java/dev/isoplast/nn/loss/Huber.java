package dev.isoplast.nn.loss;

import dev.isoplast.nn.HostArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Huber loss (Huber 1964), mean over all N elements: with {@code d = pred − target},
 * {@code ℓ(d) = ½ d²} if {@code |d| ≤ δ}, else {@code δ (|d| − ½ δ)}; {@code ℓ′(d) = d} inside,
 * {@code δ·sign(d)} outside. With δ = 1 ({@link #DEFAULT_DELTA}) this is
 * {@code torch.nn.functional.smooth_l1_loss}, the DQN loss of Stable-Baselines3. pred and target
 * are compared element by element, row-major, as in {@link Mse}.
 */
public final class Huber {

  /** δ = 1: smooth L1, as SB3's DQN. */
  public static final double DEFAULT_DELTA = 1.0;

  private Huber() {}

  /** {@link #loss(INDArray, INDArray, double, INDArray)} with δ = 1. */
  public static double loss(INDArray pred, INDArray target, INDArray grad) {
    return loss(pred, target, DEFAULT_DELTA, grad);
  }

  /**
   * Returns L and, if {@code grad} is not null, writes dL/dpred into it (overwriting it).
   */
  public static double loss(INDArray pred, INDArray target, double delta, INDArray grad) {
    double[] p = HostArrays.toDoubles(pred, null);
    double loss = loss(p, Losses.targets(pred, target), delta, p);
    if (grad != null) {
      Losses.writeGrad(p, pred, grad);
    }
    return loss;
  }

  /**
   * The same on host arrays of equal length: returns L and writes dL/dpred into {@code grad}
   * (which may be {@code pred} itself, or null for no gradient).
   */
  public static double loss(double[] pred, double[] target, double delta, double[] grad) {
    if (!(delta > 0) || Double.isInfinite(delta)) {
      throw new IllegalArgumentException("Huber delta must be finite and > 0, got " + delta);
    }
    int n = pred.length;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double d = pred[i] - target[i];
      double a = Math.abs(d);
      double g;
      if (a <= delta) {
        sum += 0.5 * d * d;
        g = d / n;
      } else {
        sum += delta * (a - 0.5 * delta);
        g = Math.copySign(delta, d) / n;
      }
      if (grad != null) {
        grad[i] = g;
      }
    }
    return sum / n;
  }
}
