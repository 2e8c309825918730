package dev.isoplast.optim;

import static dev.isoplast.config.ConfigValues.asDouble;
import static dev.isoplast.config.ConfigValues.asInt;
import static dev.isoplast.config.ConfigValues.asNullableDouble;
import static dev.isoplast.config.ConfigValues.asString;
import static dev.isoplast.config.ConfigValues.nonNegative;

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
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The optimizer and regularizer options every agent config has, with the same flat keys in each
 * ({@link #KEYS}): their validation, their map form (config.yaml, {@code --set}) and the objects they
 * build. The learning rate and its schedule belong to the algorithm, not to this record.
 *
 * @param optimizer {@code optimizer}: adam | adamw | adamo | sgd
 * @param adamBeta1 {@code adam_beta1}: Adam's β1 (adam, adamw, adamo)
 * @param adamBeta2 {@code adam_beta2}: Adam's β2
 * @param adamEps {@code adam_eps}: Adam's ε (CleanRL's PPO uses 1e-5, its DQN PyTorch's 1e-8)
 * @param weightDecay {@code weight_decay}: AdamW's decoupled decay λ (adamw only; weights only)
 * @param momentum {@code momentum}: SGD momentum (sgd only)
 * @param isoCoef {@code iso_coef}: AdamO's isometry coefficient λ (adamo only; hidden weights)
 * @param isoLr {@code iso_lr}: AdamO's fixed isometry rate, or null to follow the learning rate
 * @param isoDecoupling {@code iso_decoupling}: what scales AdamO's isometry step, {@code lr} (η_t, as
 *     PyTorch's AdamW; the default) or {@code schedule} (the schedule's factor η_t/η₀ alone, as
 *     Loshchilov &amp; Hutter 2019); see {@link AdamO}
 * @param isoEvery {@code iso_every}: AdamO takes its isometry step every k-th update, k times as large
 *     (1 = every update, the paper's rule; a cheaper form of this project, see {@link AdamO})
 * @param isoSketch {@code iso_sketch}: AdamO's isometry gradient sketched from s Gaussian directions
 *     (0 = exact, the paper's rule; a cheaper form of this project, see {@link AdamO})
 * @param parsevalCoef {@code parseval_coef}: coupled Parseval regularizer c (0 = off)
 * @param l2Coef {@code l2_coef}: coupled L2 λ Σ‖θ‖² (0 = off)
 * @param l2InitCoef {@code l2_init_coef}: coupled L2-Init λ Σ‖θ − θ₀‖² (0 = off)
 * @param spectralCoef {@code spectral_coef}: coupled spectral regularizer c, k = 3 (0 = off)
 */
public record OptimizerConfig(String optimizer, double adamBeta1, double adamBeta2, double adamEps,
    double weightDecay, double momentum, double isoCoef, Double isoLr, AdamO.Decoupling isoDecoupling, int isoEvery,
    int isoSketch, double parsevalCoef, double l2Coef, double l2InitCoef, double spectralCoef) {

  /** The optimizers {@link #optimizer} can name. */
  public static final List<String> OPTIMIZERS = List.of("adam", "adamw", "adamo", "sgd");

  /** The keys of this record in an agent config, in the order {@link #putInto} writes them. */
  public static final List<String> KEYS = List.of("optimizer", "adam_beta1", "adam_beta2", "adam_eps",
      "weight_decay", "momentum", "iso_coef", "iso_lr", "iso_decoupling", "iso_every", "iso_sketch", "parseval_coef", "l2_coef", "l2_init_coef", "spectral_coef");

  /** Range and consistency checks (an option of one optimizer given with another is an error). */
  public OptimizerConfig {
    if (optimizer == null || !OPTIMIZERS.contains(optimizer)) {
      throw new IllegalArgumentException("optimizer must be one of " + OPTIMIZERS + ", got '" + optimizer + "'");
    }
    Adam.checkHyperParameters(adamBeta1, adamBeta2, adamEps);
    nonNegative("weight_decay", weightDecay);
    Optimizer.checkUnit("momentum", momentum);
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
    new IsometryStep(isoEvery, isoSketch); // the range checks
    AdamO.checkDecoupling(isoLr, isoDecoupling);
    if ((isoCoef > 0 || isoLr != null || isoDecoupling != AdamO.Decoupling.LR || isoEvery != 1 || isoSketch != 0)
        && !optimizer.equals("adamo")) {
      throw new IllegalArgumentException("iso_coef / iso_lr / iso_decoupling / iso_every / iso_sketch belong to AdamO; "
          + "they need optimizer adamo (got " + optimizer + ")");
    }
    if (momentum > 0 && !optimizer.equals("sgd")) {
      throw new IllegalArgumentException("momentum is SGD's; it needs optimizer sgd (got " + optimizer + ")");
    }
  }

  /** Plain Adam (Adam's default β1, β2) with the given ε and no regularizer. */
  public static OptimizerConfig adam(double eps) {
    return new OptimizerConfig("adam", Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, eps, 0.0, 0.0, 0.0, null, AdamO.Decoupling.LR, 1, 0,
        0.0, 0.0, 0.0, 0.0);
  }

  /** A copy with {@code optimizer} = {@code name}, the options of the other optimizers cleared. */
  public OptimizerConfig withOptimizer(String name) {
    return new OptimizerConfig(name, adamBeta1, adamBeta2, adamEps, name.equals("adamw") ? weightDecay : 0.0,
        name.equals("sgd") ? momentum : 0.0, name.equals("adamo") ? isoCoef : 0.0,
        name.equals("adamo") ? isoLr : null, name.equals("adamo") ? isoDecoupling : AdamO.Decoupling.LR,
        name.equals("adamo") ? isoEvery : 1, name.equals("adamo") ? isoSketch : 0,
        parsevalCoef, l2Coef, l2InitCoef, spectralCoef);
  }

  /** Writes the keys of {@link #KEYS} into {@code m}. */
  public void putInto(Map<String, Object> m) {
    m.put("optimizer", optimizer);
    m.put("adam_beta1", adamBeta1);
    m.put("adam_beta2", adamBeta2);
    m.put("adam_eps", adamEps);
    m.put("weight_decay", weightDecay);
    m.put("momentum", momentum);
    m.put("iso_coef", isoCoef);
    m.put("iso_lr", isoLr);
    m.put("iso_decoupling", isoDecoupling.configName());
    m.put("iso_every", isoEvery);
    m.put("iso_sketch", isoSketch);
    m.put("parseval_coef", parsevalCoef);
    m.put("l2_coef", l2Coef);
    m.put("l2_init_coef", l2InitCoef);
    m.put("spectral_coef", spectralCoef);
  }

  /** Reads the keys of {@link #KEYS} from a complete config map (values typed or as strings). */
  public static OptimizerConfig from(Map<String, Object> m) {
    return new OptimizerConfig(asString(m, "optimizer"), asDouble(m, "adam_beta1"), asDouble(m, "adam_beta2"),
        asDouble(m, "adam_eps"), asDouble(m, "weight_decay"), asDouble(m, "momentum"), asDouble(m, "iso_coef"),
        asNullableDouble(m, "iso_lr"), AdamO.Decoupling.fromName(asString(m, "iso_decoupling")), asInt(m, "iso_every"), asInt(m, "iso_sketch"), asDouble(m, "parseval_coef"),
        asDouble(m, "l2_coef"),
        asDouble(m, "l2_init_coef"), asDouble(m, "spectral_coef"));
  }

  /** {@link #build(List, double, long)} with seed 0 (only AdamO's sketches draw from it). */
  public Optimizer build(List<Param> params, double learningRate) {
    return build(params, learningRate, 0L);
  }

  /**
   * The named optimizer over {@code params}: AdamW decays weights only, AdamO keeps hidden weights
   * isometric. {@code seed} seeds AdamO's sketches ({@code iso_sketch > 0}), nothing else.
   */
  public Optimizer build(List<Param> params, double learningRate, long seed) {
    return switch (optimizer) {
      case "adam" -> new Adam(params, learningRate, adamBeta1, adamBeta2, adamEps);
      case "adamw" -> new AdamW(params, learningRate, adamBeta1, adamBeta2, adamEps, weightDecay, ParamMask.weights());
      case "adamo" -> new AdamO(params, learningRate, adamBeta1, adamBeta2, adamEps, isoCoef, isoLr,
          isoDecoupling, ParamMask.hiddenWeights(), new IsometryStep(isoEvery, isoSketch), seed);
      case "sgd" -> new Sgd(params, learningRate, momentum);
      default -> throw new IllegalStateException("unknown optimizer " + optimizer);
    };
  }

  /**
   * The coupled regularizers whose coefficient is positive, in the order Parseval, L2, L2-Init
   * ({@code params} as at init), spectral (k = 3, one power iteration per step, from {@code rng}).
   * L2 and L2-Init act on every layer parameter, the others on hidden weights; none on PPO's
   * log-std ({@link ParamMask}'s one policy).
   */
  public List<Regularizer> regularizers(List<Param> params, RandomGenerator rng) {
    List<Regularizer> out = new ArrayList<>();
    if (parsevalCoef > 0) {
      out.add(new ParsevalRegularizer(parsevalCoef));
    }
    if (l2Coef > 0) {
      out.add(L2Regularizer.toZero(l2Coef, ParamMask.layerParams()));
    }
    if (l2InitCoef > 0) {
      out.add(L2Regularizer.toInit(l2InitCoef, ParamMask.layerParams(), params));
    }
    if (spectralCoef > 0) {
      out.add(new SpectralRegularizer(spectralCoef, 3, 1, ParamMask.hiddenWeights(), rng));
    }
    return out;
  }
}
