package dev.isoplast.optim;

import dev.isoplast.nn.FlatParams;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}: with
 * n = √(Σ_p ‖g_p‖²), every gradient is scaled by max_norm / (n + 1e-6) when that is below 1.
 * Small gradients are summed and scaled by one Java pass each ({@link HostArrays#ONE_PASS_MAX}),
 * larger ones by ND4J ops.
 */
public final class GradClip {

  private GradClip() {}

  /** Clips in place; returns the norm before clipping. One pass or op per run of a flat buffer ({@link FlatParams#runs}). */
  public static double clipGlobalNorm(List<Param> params, double maxNorm) {
    return clip(FlatParams.gradArrays(params), maxNorm);
  }

  /** Clips gradient arrays ({@link FlatParams#gradArrays}) in place; returns the norm before clipping. */
  public static double clip(List<INDArray> grads, double maxNorm) {
    double sq = 0;
    for (INDArray g : grads) {
      if (HostArrays.smallForOnePass(g)) {
        sq += HostArrays.sumOfSquares(g);
      } else {
        double n = g.norm2Number().doubleValue();
        sq += n * n;
      }
    }
    double norm = Math.sqrt(sq);
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1) {
      for (INDArray g : grads) {
        if (HostArrays.smallForOnePass(g)) {
          HostArrays.scale(g, coef);
        } else {
          g.muli(coef);
        }
      }
    }
    return norm;
  }
}
