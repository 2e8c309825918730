package dev.isoplast.optim;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

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

  /**
   * AdamW's own key.
   *
   * @param weightDecay {@code weight_decay}: the decoupled decay λ on weights (not biases or norms)
   */
  public record Config(double weightDecay) implements PartConfig {
    public Config {
      ConfigValues.nonNegative("weight_decay", weightDecay);
    }

    @Override
    public boolean on() {
      return weightDecay > 0;
    }
  }

  /** torch.optim.AdamW's default λ, the presets' value. */
  public static final double PRESET_DECAY = 1e-2;

  private static final Knob WEIGHT_DECAY = Knob.of("weight_decay",
      "decades around torch.optim.AdamW's λ = 1e-2 (Loshchilov & Hutter 2019 tune λ on a log scale)",
      1e-4, 1e-3, 1e-2, 1e-1, 1.0);

  /** AdamW as a method part, with its presets (alone, and with LayerNorm as Lyle et al. 2024). */
  public static final OptimizerPart<Config> PART = new OptimizerPart<>("adamw", new Config(0.0),
      (c, s, params, lr, seed) -> new AdamW(params, lr, s.adamBeta1(), s.adamBeta2(), s.adamEps(), c.weightDecay(),
          ParamMask.weights()),
      List.of(new MethodPreset("adamw", "AdamW: Adam with decoupled weight decay on the weights",
          "θ ← θ − η (m̂/(√v̂ + ε) + λθ), λ = 1e-2 on weights (not biases or norms)",
          "Loshchilov & Hutter 2019; λ = 1e-2 is torch.optim.AdamW's default",
          kv("optimizer", "adamw", "weight_decay", PRESET_DECAY), kv(), WEIGHT_DECAY),
          new MethodPreset("layernorm-wd", "LayerNorm plus weight decay",
          "LayerNorm as above and AdamW's decay λ = 1e-2 (the adamw preset's)",
          "Lyle et al. 2024, \"Disentangling the causes of plasticity loss\"; λ as the adamw preset",
          kv("optimizer", "adamw", "weight_decay", PRESET_DECAY, "layer_norm", true), kv(), WEIGHT_DECAY)));

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
