package dev.isoplast.agents;

import static dev.isoplast.agents.ConfigValues.nonNegative;

import dev.isoplast.nn.Param;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.AdamO;
import dev.isoplast.optim.AdamW;
import dev.isoplast.optim.L2Regularizer;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.optim.ParamMask;
import dev.isoplast.optim.ParsevalRegularizer;
import dev.isoplast.optim.Regularizer;
import dev.isoplast.optim.Sgd;
import dev.isoplast.optim.SpectralRegularizer;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The optimizer and regularizer options every agent config has (same keys in each:
 * {@code optimizer}, {@code adam_beta1}, {@code adam_beta2}, {@code adam_eps}, {@code weight_decay},
 * {@code momentum}, {@code iso_coef}, {@code iso_lr}, {@code parseval_coef}, {@code l2_coef},
 * {@code l2_init_coef}, {@code spectral_coef}): their validation and the objects they build.
 */
public final class Optimization {

  /** The optimizers a config's {@code optimizer} can name. */
  public static final List<String> OPTIMIZERS = List.of("adam", "adamw", "adamo", "sgd");

  private Optimization() {}

  /** Range and consistency checks (an option of one optimizer given with another is an error). */
  public static void validate(String optimizer, double adamBeta1, double adamBeta2, double adamEps, double weightDecay,
      double momentum, double isoCoef, Double isoLr, double parsevalCoef, double l2Coef, double l2InitCoef,
      double spectralCoef) {
    if (optimizer == null || !OPTIMIZERS.contains(optimizer)) {
      throw new IllegalArgumentException("optimizer must be one of " + OPTIMIZERS + ", got '" + optimizer + "'");
    }
    if (!(adamBeta1 >= 0 && adamBeta1 < 1) || !(adamBeta2 >= 0 && adamBeta2 < 1)) {
      throw new IllegalArgumentException("adam_beta1 and adam_beta2 must be in [0, 1), got " + adamBeta1 + ", "
          + adamBeta2);
    }
    if (!(adamEps > 0)) {
      throw new IllegalArgumentException("adam_eps must be > 0, got " + adamEps);
    }
    nonNegative("weight_decay", weightDecay);
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    nonNegative("iso_coef", isoCoef);
    if (isoLr != null) {
      nonNegative("iso_lr", isoLr);
    }
    nonNegative("parseval_coef", parsevalCoef);
    nonNegative("l2_coef", l2Coef);
    nonNegative("l2_init_coef", l2InitCoef);
    nonNegative("spectral_coef", spectralCoef);
    if (weightDecay > 0 && !optimizer.equals("adamw")) {
      throw new IllegalArgumentException("weight_decay is AdamW's decoupled decay; it needs optimizer adamw (got "
          + optimizer + "); use l2_coef for a coupled L2 penalty");
    }
    if ((isoCoef > 0 || isoLr != null) && !optimizer.equals("adamo")) {
      throw new IllegalArgumentException("iso_coef / iso_lr belong to AdamO; they need optimizer adamo (got "
          + optimizer + ")");
    }
    if (momentum > 0 && !optimizer.equals("sgd")) {
      throw new IllegalArgumentException("momentum is SGD's; it needs optimizer sgd (got " + optimizer + ")");
    }
  }

  /**
   * The named optimizer over {@code params}: AdamW decays weights only, AdamO keeps hidden weights
   * isometric.
   */
  public static Optimizer optimizer(String name, List<Param> params, double learningRate, double adamBeta1,
      double adamBeta2, double adamEps, double weightDecay, double momentum, double isoCoef, Double isoLr) {
    return switch (name) {
      case "adam" -> new Adam(params, learningRate, adamBeta1, adamBeta2, adamEps);
      case "adamw" -> new AdamW(params, learningRate, adamBeta1, adamBeta2, adamEps, weightDecay, ParamMask.weights());
      case "adamo" -> new AdamO(params, learningRate, adamBeta1, adamBeta2, adamEps, isoCoef, isoLr,
          ParamMask.hiddenWeights());
      case "sgd" -> new Sgd(params, learningRate, momentum);
      default -> throw new IllegalArgumentException("unknown optimizer " + name);
    };
  }

  /**
   * The coupled regularizers whose coefficient is positive, in the order Parseval, L2, L2-Init
   * ({@code params} as at init), spectral (k = 3, one power iteration per step, from {@code rng}).
   */
  public static List<Regularizer> regularizers(double parsevalCoef, double l2Coef, double l2InitCoef,
      double spectralCoef, List<Param> params, RandomGenerator rng) {
    List<Regularizer> out = new ArrayList<>();
    if (parsevalCoef > 0) {
      out.add(new ParsevalRegularizer(parsevalCoef));
    }
    if (l2Coef > 0) {
      out.add(L2Regularizer.toZero(l2Coef, ParamMask.all()));
    }
    if (l2InitCoef > 0) {
      out.add(L2Regularizer.toInit(l2InitCoef, ParamMask.all(), params));
    }
    if (spectralCoef > 0) {
      out.add(new SpectralRegularizer(spectralCoef, 3, 1, ParamMask.hiddenWeights(), rng));
    }
    return out;
  }
}
