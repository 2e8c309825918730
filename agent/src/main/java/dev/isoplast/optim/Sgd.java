package dev.isoplast.optim;

import dev.isoplast.config.PartConfig;

import dev.isoplast.nn.Param;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stochastic gradient descent with optional (heavy-ball) momentum, as {@code torch.optim.SGD}
 * with dampening 0:
 *
 * <pre>
 *   without momentum:  θ ← θ − η g
 *   with momentum μ:   b ← μ b + g;   θ ← θ − η b
 * </pre>
 */
public final class Sgd extends Optimizer {

  /**
   * SGD's own key.
   *
   * @param momentum {@code momentum}: the heavy-ball momentum μ ∈ [0, 1] (0 = none)
   */
  public record Config(double momentum) implements PartConfig {
    public Config {
      checkUnit("momentum", momentum);
    }

    @Override
    public boolean on() {
      return momentum > 0;
    }
  }

  /** SGD as a method part (no preset: a yardstick, not a plasticity method). */
  public static final OptimizerPart<Config> PART = new OptimizerPart<>("sgd", new Config(0.0),
      (c, s, params, lr, seed) -> new Sgd(params, lr, c.momentum()), List.of());

  private final double momentum;

  public Sgd(List<Param> params, double learningRate, double momentum) {
    super(params, learningRate, momentum > 0 ? new String[] {"momentum"} : new String[0]);
    this.momentum = checkUnit("momentum", momentum);
  }

  @Override
  public String kind() {
    return "sgd";
  }

  @Override
  protected void update(Param p, Map<String, INDArray> slots, long t, double lr) {
    if (momentum == 0) {
      axpy(-lr, p.grad(), p.value());
      return;
    }
    INDArray b = slots.get("momentum");
    b.muli(momentum).addi(p.grad());
    axpy(-lr, b, p.value());
  }
}
