package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import java.util.List;

/**
 * Coupled isometry / Parseval regularization (Chung et al. 2024, "Parseval Regularization for
 * Continual Reinforcement Learning"):
 *
 * <pre>
 *   penalty = c Σ_W ‖W Wᵀ − s I‖²_F,     ∇_W = 4 c (W Wᵀ − s I) W
 * </pre>
 *
 * over the masked weights (default hidden weights), with c = 1e-3 or 1e-4 and s = 1 in the paper.
 * Unlike AdamO the gradient is added to the task gradient and so passes through Adam's moments.
 */
public final class ParsevalRegularizer implements Regularizer {

  private final double coef;
  private final ParamMask mask;
  private final IsometryPenalty penalty;

  public ParsevalRegularizer(double coef, double scale, ParamMask mask) {
    this.coef = Optimizer.checkNonNegative("Parseval coefficient", coef);
    this.mask = mask;
    this.penalty = new IsometryPenalty(IsometryPenalty.Gram.ROWS, scale);
  }

  public ParsevalRegularizer(double coef) {
    this(coef, 1.0, ParamMask.hiddenWeights());
  }

  @Override
  public double apply(List<Param> params) {
    double total = 0;
    for (Param p : params) {
      if (mask.test(p) && p.value().rank() == 2) {
        total += penalty.gradient(p.value(), p.grad(), coef, 1.0);
      }
    }
    return coef * total;
  }

  @Override
  public double value(List<Param> params) {
    double total = 0;
    for (Param p : params) {
      if (mask.test(p) && p.value().rank() == 2) {
        total += penalty.value(p.value());
      }
    }
    return coef * total;
  }

  @Override
  public String name() {
    return "parseval";
  }
}
