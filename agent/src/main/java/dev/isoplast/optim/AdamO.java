package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamO: Adam with the isometry regularizer applied decoupled from the gradient step, as AdamW
 * decouples weight decay ("Preserving Plasticity in Continual Learning via Dynamical Isometry",
 * arXiv 2606.09762; DESIGN.md §6). With g the task gradient only:
 *
 * <pre>
 *   m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²          (moments from g only)
 *   θ ← θ − η m̂ / (√v̂ + ε) − η_iso λ ∇R(W)                  (∇R on masked weights)
 *   R(W) = ‖WᵀW − I‖²_F if out ≥ in, else ‖WWᵀ − I‖²_F
 *   ∇R   = 4 W (WᵀW − I),   resp.  4 (WWᵀ − I) W
 * </pre>
 *
 * ∇R is evaluated at θ before this step (as AdamW's decay). η_iso = η by default, so the isometry
 * step follows the learning-rate schedule; a fixed η_iso can be given instead. The default mask is
 * the hidden (body) weights: heads and biases are excluded. With λ = 0 AdamO is Adam exactly.
 */
public final class AdamO extends Adam {

  private final double isoCoef;
  private final Double isoLearningRate;
  private final ParamMask mask;
  private final IsometryPenalty penalty = new IsometryPenalty(IsometryPenalty.Gram.AUTO, 1.0);

  /** AdamO with Adam's defaults, λ = {@code isoCoef}, η_iso = η, hidden weights only. */
  public AdamO(List<Param> params, double learningRate, double isoCoef) {
    this(params, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, isoCoef, null, ParamMask.hiddenWeights());
  }

  /**
   * @param isoLearningRate fixed η_iso, or null to follow the learning rate (the default)
   */
  public AdamO(List<Param> params, double learningRate, double beta1, double beta2, double eps,
      double isoCoef, Double isoLearningRate, ParamMask mask) {
    super(params, learningRate, beta1, beta2, eps);
    this.isoCoef = checkNonNegative("iso coefficient λ", isoCoef);
    if (isoLearningRate != null) {
      checkNonNegative("iso learning rate", isoLearningRate);
    }
    this.isoLearningRate = isoLearningRate;
    this.mask = mask;
  }

  @Override
  public String kind() {
    return "adamo";
  }

  @Override
  protected void update(Param p, Map<String, INDArray> slots, long t, double lr) {
    if (!(isoCoef > 0 && mask.test(p) && p.value().rank() == 2)) {
      adamStep(p, slots, t, lr);
      return;
    }
    // ∇R(W) = 4 (W Wᵀ W − W) for either Gram side, at θ_{t−1}; the step −η_iso λ ∇R is applied as
    // θ (1 + c) − c W Wᵀ W with c = 4 η_iso λ, folded around Adam's update (which is θ-free).
    INDArray wwtw = scratch(p, 3)[2];
    penalty.cubic(p.value(), wwtw);
    double c = 4 * (isoLearningRate == null ? lr : isoLearningRate) * isoCoef;
    adamStep(p, slots, t, lr, c, wwtw);
  }

  /** Σ R(W) over the weights this optimizer's isometry stage acts on, at their current values. */
  public double penalty() {
    double total = 0;
    for (Param p : params()) {
      if (mask.test(p) && p.value().rank() == 2) {
        total += penalty.value(p.value());
      }
    }
    return total;
  }
}
