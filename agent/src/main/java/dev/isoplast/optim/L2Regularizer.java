package dev.isoplast.optim;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.nn.Param;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * L2 penalties, coupled (added to the loss):
 *
 * <pre>
 *   L2 (weight decay):            λ Σ ‖θ‖²,        ∇ = 2 λ θ
 *   L2-Init (Kumar et al. 2023):  λ Σ ‖θ − θ₀‖²,   ∇ = 2 λ (θ − θ₀)
 * </pre>
 *
 * θ₀ is a copy of the parameters when the regularizer was made ({@link #toInit}); Kumar et al.
 * ("Maintaining Plasticity in Continual Learning via Regenerative Regularization") use λ = 1e-2.
 * Note PyTorch's {@code weight_decay = wd} equals λ = wd / 2 here.
 */
public final class L2Regularizer implements Regularizer {

  /**
   * The key of the L2 penalty towards zero.
   *
   * @param l2Coef {@code l2_coef}: λ in λ Σ‖θ‖² (0 = off)
   */
  public record Config(double l2Coef) implements PartConfig {
    public Config {
      ConfigValues.nonNegative("l2_coef", l2Coef);
    }

    @Override
    public boolean on() {
      return l2Coef > 0;
    }
  }

  /**
   * The key of the L2 penalty towards the initial parameters.
   *
   * @param l2InitCoef {@code l2_init_coef}: λ in λ Σ‖θ − θ₀‖² (0 = off)
   */
  public record InitConfig(double l2InitCoef) implements PartConfig {
    public InitConfig {
      ConfigValues.nonNegative("l2_init_coef", l2InitCoef);
    }

    @Override
    public boolean on() {
      return l2InitCoef > 0;
    }
  }

  /** L2 towards zero as a method part (every layer parameter), with its preset. */
  public static final RegularizerPart<Config> PART = new RegularizerPart<>("l2", new Config(0.0),
      (c, params, rng) -> toZero(c.l2Coef(), ParamMask.layerParams()),
      List.of(new MethodPreset("l2", "coupled L2 penalty λ Σ‖θ‖² through Adam",
          "g ← g + 2λθ, λ = 5e-4",
          "Dohare et al. 2024 (PPO+L2 on Ant: torch Adam weight_decay 1e-3, i.e. λ = 5e-4 here)",
          kv("optimizer", "adam", "l2_coef", 5e-4), kv(),
          Knob.of("l2_coef", "decades around Dohare et al. 2024's λ = 5e-4", 5e-6, 5e-5, 5e-4, 5e-3, 5e-2))));

  /** L2 towards θ₀ as a method part (every layer parameter, θ₀ as at init), with its preset. */
  public static final RegularizerPart<InitConfig> INIT_PART = new RegularizerPart<>("l2_init", new InitConfig(0.0),
      (c, params, rng) -> toInit(c.l2InitCoef(), ParamMask.layerParams(), params),
      List.of(new MethodPreset("l2-init", "L2 towards the initial parameters (regenerative regularization)",
          "g ← g + 2λ(θ − θ₀), λ = 1e-2",
          "Kumar, Marklund & Van Roy 2023, \"Maintaining plasticity via regenerative regularization\"",
          kv("optimizer", "adam", "l2_init_coef", 1e-2), kv(),
          Knob.of("l2_init_coef", "decades around Kumar et al. 2023's λ = 1e-2", 1e-4, 1e-3, 1e-2, 1e-1, 1.0))));

  private final double lambda;
  private final ParamMask mask;
  private final Map<Param, INDArray> anchors;
  private final Map<Param, INDArray> scratch = new IdentityHashMap<>();

  private L2Regularizer(double lambda, ParamMask mask, Map<Param, INDArray> anchors) {
    this.lambda = Optimizer.checkNonNegative("L2 coefficient λ", lambda);
    this.mask = mask;
    this.anchors = anchors;
  }

  /** λ Σ ‖θ‖² over the masked parameters. */
  public static L2Regularizer toZero(double lambda, ParamMask mask) {
    return new L2Regularizer(lambda, mask, null);
  }

  /** λ Σ ‖θ − θ₀‖², with θ₀ the current values of {@code params}. */
  public static L2Regularizer toInit(double lambda, ParamMask mask, List<Param> params) {
    Map<Param, INDArray> a = new IdentityHashMap<>();
    for (Param p : params) {
      if (mask.test(p)) {
        a.put(p, p.value().dup());
      }
    }
    return new L2Regularizer(lambda, mask, a);
  }

  /** θ − θ₀ (or θ) in a preallocated buffer. */
  private INDArray offset(Param p) {
    if (anchors == null) {
      return p.value();
    }
    INDArray anchor = anchors.get(p);
    if (anchor == null) {
      throw new IllegalArgumentException("L2-Init has no initial value for " + p.name());
    }
    INDArray d = scratch.computeIfAbsent(p, k -> k.value().ulike());
    return d.assign(p.value()).subi(anchor);
  }

  @Override
  public double apply(List<Param> params) {
    double total = 0;
    for (Param p : params) {
      if (mask.test(p)) {
        INDArray d = offset(p);
        double n = d.norm2Number().doubleValue();
        total += n * n;
        Optimizer.axpy(2 * lambda, d, p.grad());
      }
    }
    return lambda * total;
  }

  @Override
  public double value(List<Param> params) {
    double total = 0;
    for (Param p : params) {
      if (mask.test(p)) {
        double n = offset(p).norm2Number().doubleValue();
        total += n * n;
      }
    }
    return lambda * total;
  }

  @Override
  public String name() {
    return anchors == null ? "l2" : "l2_init";
  }
}
