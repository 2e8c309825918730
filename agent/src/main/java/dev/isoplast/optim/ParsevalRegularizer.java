package dev.isoplast.optim;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

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

  /**
   * Its key.
   *
   * @param parsevalCoef {@code parseval_coef}: the coefficient c (0 = off)
   */
  public record Config(double parsevalCoef) implements PartConfig {
    public Config {
      ConfigValues.nonNegative("parseval_coef", parsevalCoef);
    }

    @Override
    public boolean on() {
      return parsevalCoef > 0;
    }
  }

  /** The Parseval regularizer as a method part, with its preset. */
  public static final RegularizerPart<Config> PART = new RegularizerPart<>("parseval", new Config(0.0),
      (c, params, rng) -> new ParsevalRegularizer(c.parsevalCoef()),
      List.of(new MethodPreset("parseval", "coupled Parseval regularizer c Σ‖WWᵀ − I‖²_F through Adam",
          "g ← g + 4c(WWᵀ − I)W on hidden weights, c = 1e-3",
          "Chung et al. 2024, \"Parseval regularization for continual reinforcement learning\"",
          kv("optimizer", "adam", "parseval_coef", 1e-3), kv(),
          Knob.of("parseval_coef", "decades around Chung et al. 2024's c = 1e-3", 1e-5, 1e-4, 1e-3, 1e-2, 1e-1))));

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
