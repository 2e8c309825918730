package dev.isoplast.nn.loss;

import dev.isoplast.nn.HostArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Shape checks and gradient writes shared by the regression losses. */
final class Losses {

  private Losses() {}

  static double[] targets(INDArray pred, INDArray target) {
    if (pred.length() != target.length()) {
      throw new IllegalArgumentException("prediction " + Arrays.toString(pred.shape()) + " and target "
          + Arrays.toString(target.shape()) + " differ in size");
    }
    return HostArrays.toDoubles(target, null);
  }

  static void writeGrad(double[] g, INDArray pred, INDArray grad) {
    if (grad.length() != pred.length()) {
      throw new IllegalArgumentException("gradient buffer " + Arrays.toString(grad.shape())
          + " does not match the prediction " + Arrays.toString(pred.shape()));
    }
    HostArrays.fromDoubles(g, grad);
  }
}
