package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019, Algorithm 2, as
 * {@code torch.optim.AdamW}: the decay is multiplied by the learning rate):
 *
 * <pre>
 *   θ ← θ − η (m̂ / (√v̂ + ε) + λ θ)        (λ θ only on parameters the mask selects)
 * </pre>
 *
 * The decay uses θ before this step's Adam update and never enters the moments. Default mask:
 * weights, not biases or normalisation parameters.
 */
public final class AdamW extends Adam {

  private final double weightDecay;
  private final ParamMask mask;

  public AdamW(List<Param> params, double learningRate, double weightDecay) {
    this(params, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, weightDecay, ParamMask.weights());
  }

  public AdamW(List<Param> params, double learningRate, double beta1, double beta2, double eps,
      double weightDecay, ParamMask mask) {
    super(params, learningRate, beta1, beta2, eps);
    this.weightDecay = checkNonNegative("weight decay", weightDecay);
    this.mask = mask;
  }

  @Override
  public String kind() {
    return "adamw";
  }

  @Override
  protected void update(Param p, Map<String, INDArray> slots, long t, double lr) {
    decoupledStage(p, t, lr);
    adamStep(p, slots, t, lr);
  }

  /** θ ← (1 − η λ) θ on the masked parameters. */
  @Override
  protected void decoupledStage(Param p, long t, double lr) {
    if (weightDecay > 0 && mask.test(p)) {
      p.value().muli(1 - lr * weightDecay);
    }
  }
}
