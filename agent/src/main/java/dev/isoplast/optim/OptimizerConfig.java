package dev.isoplast.optim;

import java.util.Locale;

/**
 * The optimizer keys every learner config has: which optimizer (the name of an
 * {@link OptimizerPart}; each optimizer's own keys are in its part's config record) and Adam's β1,
 * β2 and ε, which AdamW and AdamO share. The learning rate and its schedule belong to the
 * algorithm, not to this record.
 *
 * @param optimizer {@code optimizer}: the chosen optimizer's name ({@code adam}, {@code adamw},
 *     {@code adamo}, {@code sgd}, ...; the registry's optimizers)
 * @param adamBeta1 {@code adam_beta1}: Adam's β1
 * @param adamBeta2 {@code adam_beta2}: Adam's β2
 * @param adamEps {@code adam_eps}: Adam's ε (CleanRL's PPO uses 1e-5, its DQN PyTorch's 1e-8)
 */
public record OptimizerConfig(String optimizer, double adamBeta1, double adamBeta2, double adamEps) {

  public OptimizerConfig {
    if (optimizer == null || optimizer.isBlank()) {
      throw new IllegalArgumentException("optimizer must be given");
    }
    optimizer = optimizer.trim().toLowerCase(Locale.ROOT);
    Adam.checkHyperParameters(adamBeta1, adamBeta2, adamEps);
  }

  /** Adam with its default β1, β2 and the given ε. */
  public static OptimizerConfig adam(double eps) {
    return new OptimizerConfig("adam", Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, eps);
  }

  /** A copy choosing {@code name}. */
  public OptimizerConfig withOptimizer(String name) {
    return new OptimizerConfig(name, adamBeta1, adamBeta2, adamEps);
  }
}
