package dev.isoplast.testing;

import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Central finite differences against analytic gradients, in float64. The one gradient checker of
 * the test suite: layers, losses, distributions and regularizers all go through it.
 */
public final class GradientCheck {

  private GradientCheck() {}

  /**
   * Compares {@code analytic} with the central difference of {@code loss} with respect to every
   * entry of {@code x} (perturbed in place and restored), and returns the largest relative error
   * {@code |a - n| / max(|a| + |n|, floor)}.
   *
   * @param loss recomputes the scalar loss from the current contents of x
   * @param x a float64 array the loss reads
   * @param analytic dL/dx, same shape as x
   */
  public static double maxRelativeError(Supplier<Double> loss, INDArray x, INDArray analytic) {
    return maxRelativeError(loss, x, analytic, 1e-6, 1e-8);
  }

  public static double maxRelativeError(Supplier<Double> loss, INDArray x, INDArray analytic, double eps, double floor) {
    if (x.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException("gradient checks run in float64, got " + x.dataType());
    }
    INDArray flat = x.reshape(x.length());
    INDArray g = analytic.reshape(analytic.length());
    double worst = 0;
    for (long i = 0; i < flat.length(); i++) {
      double orig = flat.getDouble(i);
      flat.putScalar(i, orig + eps);
      double plus = loss.get();
      flat.putScalar(i, orig - eps);
      double minus = loss.get();
      flat.putScalar(i, orig);
      double numeric = (plus - minus) / (2 * eps);
      double a = g.getDouble(i);
      double rel = Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), floor);
      worst = Math.max(worst, rel);
    }
    return worst;
  }
}
