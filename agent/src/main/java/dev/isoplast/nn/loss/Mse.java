package dev.isoplast.nn.loss;

import dev.isoplast.nn.HostArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mean squared error over all N elements, {@code L = (1/N) Σ (pred − target)²}, as
 * {@code torch.nn.functional.mse_loss} with mean reduction; {@code dL/dpred = 2 (pred − target) / N}.
 * pred and target must have the same number of elements, read row-major (no broadcasting, so a
 * [B, 1] value head against [B] returns is compared element by element).
 */
public final class Mse {

  private Mse() {}

  /**
   * Returns L and, if {@code grad} is not null, writes dL/dpred into it (overwriting it; same
   * shape as pred).
   */
  public static double loss(INDArray pred, INDArray target, INDArray grad) {
    double[] p = HostArrays.toDoubles(pred, null);
    double loss = loss(p, Losses.targets(pred, target), p);
    if (grad != null) {
      Losses.writeGrad(p, pred, grad);
    }
    return loss;
  }

  /**
   * The same on host arrays of equal length: returns L and writes dL/dpred into {@code grad}
   * (which may be {@code pred} itself, or null for no gradient).
   */
  public static double loss(double[] pred, double[] target, double[] grad) {
    int n = pred.length;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double d = pred[i] - target[i];
      sum += d * d;
      if (grad != null) {
        grad[i] = 2 * d / n;
      }
    }
    return sum / n;
  }
}
