package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import java.util.List;

/**
 * Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}: with
 * n = √(Σ_p ‖g_p‖²), every gradient is scaled by max_norm / (n + 1e-6) when that is below 1.
 */
public final class GradClip {

  private GradClip() {}

  /** Clips in place; returns the norm before clipping. */
  public static double clipGlobalNorm(List<Param> params, double maxNorm) {
    double sq = 0;
    for (Param p : params) {
      double n = p.grad().norm2Number().doubleValue();
      sq += n * n;
    }
    double norm = Math.sqrt(sq);
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1) {
      for (Param p : params) {
        p.grad().muli(coef);
      }
    }
    return norm;
  }
}
