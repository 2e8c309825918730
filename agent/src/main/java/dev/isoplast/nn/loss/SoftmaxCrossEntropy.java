package dev.isoplast.nn.loss;

import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.dist.Categorical;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Softmax cross-entropy from logits with integer labels, mean over the batch:
 * {@code L = −(1/B) Σ_b log softmax(z_b)[y_b]} ({@code torch.nn.functional.cross_entropy});
 * {@code dL/dz_b = (softmax(z_b) − onehot(y_b)) / B}. The log-softmax is {@link Categorical}'s
 * (max-shifted, so large logits do not overflow).
 */
public final class SoftmaxCrossEntropy {

  private SoftmaxCrossEntropy() {}

  /**
   * Returns L for {@code logits [B, n]} and labels in [0, n); if {@code grad} is not null, writes
   * dL/dlogits into it (overwriting it).
   */
  public static double loss(INDArray logits, int[] labels, INDArray grad) {
    Categorical dist = Categorical.fromLogits(logits);
    int b = dist.batchSize();
    if (labels.length != b) {
      throw new IllegalArgumentException(labels.length + " labels for " + b + " rows of logits "
          + Arrays.toString(logits.shape()));
    }
    double[] logp = dist.logProb(labels, null);
    double sum = 0;
    for (double lp : logp) {
      sum -= lp;
    }
    if (grad != null) {
      double[] w = new double[b];
      Arrays.fill(w, -1.0 / b);
      dist.backward(w, labels, null, grad);
    }
    return sum / b;
  }

  /** {@link #loss(INDArray, int[], INDArray)} with labels read from an array of B integer values. */
  public static double loss(INDArray logits, INDArray labels, INDArray grad) {
    return loss(logits, HostArrays.toInts(labels, null), grad);
  }
}
