package dev.isoplast.nn;

import static dev.isoplast.config.ConfigValues.asBool;
import static dev.isoplast.config.ConfigValues.asDouble;
import static dev.isoplast.config.ConfigValues.asIntList;
import static dev.isoplast.config.ConfigValues.asString;

import dev.isoplast.config.RecordCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hidden part of a network (DESIGN.md §5); {@link Networks} builds it.
 *
 * <ul>
 *   <li>{@code mlp}: per hidden size h, Dense → (LayerNorm) → activation, Dense initialised by
 *       {@code init}. An image observation is flattened first (its NCHW row, as the env sends it).
 *   <li>{@code isometric} (the paper's isometric body): per hidden size, an orthogonally initialised
 *       Dense with gain 1 → (LayerNorm) → MaxMin. Both parts have Jacobians with all singular values
 *       1 (for non-decreasing widths), so the body starts dynamically isometric. The activation and
 *       init are fixed: leave them null (or give maxmin and orthogonal gain 1).
 *   <li>{@code conv} (CleanRL-style torso, for image observations C × H × W only): a convolutional
 *       torso chosen by the image size, each conv followed by the activation, then a flatten and
 *       per hidden size a Dense → (LayerNorm) → activation. Images smaller than 36 × 36 get the
 *       MinAtar network of Young &amp; Tian (2019, {@code examples/dqn.py}): one 16-channel 3 × 3
 *       stride-1 conv without padding; larger ones (84 × 84 Atari frames) the Nature CNN (Mnih et al.
 *       2015): 32 8 × 8 stride 4, 64 4 × 4 stride 2, 64 3 × 3 stride 1, no padding. So
 *       {@code hidden_sizes} are the Dense layers after the torso; empty (what a config gets when it
 *       switches to a conv body without naming them) means the reference network's own: 128 units
 *       after the MinAtar torso, 512 after the Nature CNN. Every conv and Dense is initialised by
 *       {@code init} (a conv through its kernel's reshape to [out, C·k·k], as {@code torch.nn.init}).
 *       Default activation ReLU (both references); {@code maxmin} makes the MaxMin variant.
 *   <li>{@code conv_isometric}: the same torso kept isometric at init: delta-orthogonal kernels with
 *       gain 1 (Xiao et al. 2018), "same" padding on the stride-1 convs, at least as many output as
 *       input channels (a conv with fewer is widened to its input's count), MaxMin after every conv
 *       and Dense, the Dense layers orthogonal with gain 1. Each stride-1 conv is then an exact
 *       isometry of its image (each output pixel is the orthogonal centre tap times the pixel under
 *       it) and MaxMin a permutation, so the whole MinAtar torso has all singular values 1 (the
 *       Dense after it narrows 16·H·W to 128 units: orthonormal rows, a projection, as a narrowing
 *       isometric mlp layer). The Nature CNN's strided convs read one pixel per stride × stride block
 *       (each alone a partial isometry: its non-zero singular values are 1); a down-sampling torso
 *       cannot be an isometry as a whole.
 *   <li>{@code conv_orthogonal}: the MinAtar torso (images under 36 × 36) with each conv a
 *       {@link SkewOrthogonalConv} (Singla &amp; Feizi 2021): exp(K − Kᵀ) of a 3 × 3 "same"
 *       convolution K, orthogonal by construction whatever its kernel, so the torso stays an
 *       isometry through training and under any optimizer (the Björck projection of
 *       {@code isometric-constrained} keeps the kernel matrix orthonormal, as a conv_isometric
 *       body's, which does not keep that body's singular values at 1: docs/methods.md, "Isometric
 *       convolutions"). Kernels start at {@link #SOC_KERNEL_INIT}, the rest as conv_isometric
 *       (MaxMin, orthogonal Dense with gain 1). Strided convs (the Nature CNN) have no form here.
 * </ul>
 *
 * <p>MaxMin pairs neighbouring entries of a layer's output row. After a conv that row is the NCHW
 * image flattened (channel, row, column), so the pairs are neighbouring columns of one row of one
 * channel (for an even output width; an odd width lets a pair wrap to the next row). Pairing the
 * channels at one position would be the other choice; either is a permutation of the outputs, so
 * either keeps the Jacobian an isometry, and this one needs no copy.
 *
 * LayerNorm sits between a Dense layer and its activation, so the activation sees normalised
 * pre-activations (which keeps units from saturating or dying, the reason plasticity studies add it);
 * in a conv body only the Dense layers after the torso get it.
 *
 * @param type {@code mlp}, {@code isometric}, {@code conv}, {@code conv_isometric} or {@code conv_orthogonal}
 * @param hiddenSizes the width of each hidden (Dense) layer, in order; for a conv body those after
 *     the torso, empty for the reference network's
 * @param activation the nonlinearity of an mlp or conv body ({@code relu}, {@code tanh},
 *     {@code leaky_relu} with slope 0.01, {@code maxmin})
 * @param layerNorm whether each hidden Dense layer normalises its pre-activations
 * @param init how the hidden Dense and conv layers are initialised: config keys {@code init} (a
 *     scheme of {@link Init.Scheme}) and {@code init_gain}; the heads keep each learner's own init
 */
public record BodyConfig(Kind type, List<Integer> hiddenSizes, Nonlinearity activation, boolean layerNorm, Init init) {

  /** The body types, with their names in configs. */
  public enum Kind {
    MLP,
    ISOMETRIC,
    CONV,
    CONV_ISOMETRIC,
    CONV_ORTHOGONAL;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the body starts with a convolutional torso (image observations only). */
    public boolean isConv() {
      return this == CONV || this == CONV_ISOMETRIC || this == CONV_ORTHOGONAL;
    }

    /** Whether activation and init are fixed to keep the body isometric at init. */
    public boolean isIsometric() {
      return this == ISOMETRIC || this == CONV_ISOMETRIC || this == CONV_ORTHOGONAL;
    }

    /**
     * The init an isometric kind is fixed to: orthogonal, or delta-orthogonal for conv_isometric's
     * convs, gain 1 (conv_orthogonal's skew-orthogonal convs start from {@link #SOC_KERNEL_INIT}).
     */
    Init isometricInit() {
      return this == CONV_ISOMETRIC ? Init.deltaOrthogonal(1.0) : Init.orthogonal(1.0);
    }

    public static Kind fromName(String name) {
      for (Kind k : values()) {
        if (k.configName().equals(name)) {
          return k;
        }
      }
      throw new IllegalArgumentException("body type must be one of "
          + Arrays.stream(values()).map(Kind::configName).toList() + ", got '" + name + "'");
    }
  }

  /** The activations a body can use, with their names in configs. */
  public enum Nonlinearity {
    RELU,
    TANH,
    LEAKY_RELU,
    MAXMIN;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Nonlinearity fromName(String name) {
      for (Nonlinearity n : values()) {
        if (n.configName().equals(name)) {
          return n;
        }
      }
      throw new IllegalArgumentException("activation must be one of "
          + Arrays.stream(values()).map(Nonlinearity::configName).toList() + ", got '" + name + "'");
    }

    /** A layer of this activation of width {@code size}. */
    public Activation create(String name, int size) {
      return switch (this) {
        case RELU -> new ReLU(name, size);
        case TANH -> new Tanh(name, size);
        case LEAKY_RELU -> new LeakyReLU(name, size, LeakyReLU.DEFAULT_SLOPE);
        case MAXMIN -> GroupSort.maxMin(name, size);
      };
    }
  }

  public BodyConfig {
    if (type == null) {
      throw new IllegalArgumentException("body type must be given, one of "
          + Arrays.stream(Kind.values()).map(Kind::configName).toList());
    }
    if (hiddenSizes == null || hiddenSizes.isEmpty() && !type.isConv()) {
      throw new IllegalArgumentException("body hidden sizes must list at least one layer width");
    }
    for (int i = 0; i < hiddenSizes.size(); i++) {
      Integer h = hiddenSizes.get(i);
      if (h == null || h <= 0) {
        throw new IllegalArgumentException("body hidden size " + i + " must be positive, got " + h);
      }
    }
    hiddenSizes = List.copyOf(hiddenSizes);
    String plain = type.isConv() ? "a conv" : "an mlp";
    String named = (type.isConv() ? "a " : "an ") + type.configName();
    if (type.isIsometric()) {
      if (activation != null && activation != Nonlinearity.MAXMIN) {
        throw new IllegalArgumentException(named + " body uses MaxMin; activation '" + activation.configName()
            + "' is not allowed (leave it unset or use " + plain + " body)");
      }
      Init fixed = type.isometricInit();
      if (init != null && !init.equals(fixed)) {
        throw new IllegalArgumentException(named + " body is initialised " + fixed.scheme().configName()
            + " with gain 1; init " + init + " is not allowed (leave it unset or use " + plain + " body)");
      }
      activation = Nonlinearity.MAXMIN;
      init = fixed;
    } else {
      if (activation == null) {
        throw new IllegalArgumentException(named + " body needs an activation, one of "
            + Arrays.stream(Nonlinearity.values()).map(Nonlinearity::configName).toList());
      }
      if (init == null) {
        throw new IllegalArgumentException(named + " body needs an init (scheme and gain)");
      }
    }
    if (activation == Nonlinearity.MAXMIN) {
      for (int i = 0; i < hiddenSizes.size(); i++) {
        if (hiddenSizes.get(i) % 2 != 0) {
          throw new IllegalArgumentException("MaxMin pairs units, so every hidden size of "
              + (type.isIsometric() ? named : "a maxmin") + " body must be even; hidden size " + i
              + " is " + hiddenSizes.get(i));
        }
      }
    }
  }

  /** The config keys of a body, in the order {@link #putInto} writes them. */
  public static final List<String> KEYS = List.of("body", "hidden_sizes", "activation", "layer_norm", "init",
      "init_gain");

  /**
   * The body from the keys {@code body}, {@code hidden_sizes}, {@code activation},
   * {@code layer_norm}, {@code init}, {@code init_gain} of a complete config map {@code m}
   * ({@code base}'s keys with the user's {@code overrides} on top).
   *
   * <p>The init of an mlp or conv body: the scheme named by {@code init}, else the reference init's
   * scheme (the reference is {@code base}'s init if {@code base} is of the same kind, else
   * {@code mlpInit}, the learner's default); the gain given by {@code init_gain}, else the
   * reference's gain when the scheme is the reference's, else {@link Init#defaultGain}. So a
   * learner's default init stays exactly as it was, and {@code init: kaiming_uniform} alone on a PPO
   * config gives gain √2, on DQN's too. An isometric body is orthogonal (conv_isometric:
   * delta-orthogonal) with gain 1: an {@code init} or {@code init_gain} override that says otherwise
   * is an error; the values {@code base} carries are ignored.
   *
   * <p>A config that switches from an mlp-like to a conv body (e.g. {@code --body conv} on a
   * learner's defaults) takes the conv references' {@code hidden_sizes} (empty: the torso's own
   * Dense layer) and activation (ReLU) unless it names them: the mlp's widths and tanh of CleanRL's
   * PPO are not the conv networks'.
   */
  public static BodyConfig fromMap(Map<String, Object> m, Map<String, Object> overrides, BodyConfig base,
      Init mlpInit) {
    Kind kind = Kind.fromName(asString(m, "body"));
    boolean toConv = kind.isConv() && !base.type().isConv();
    List<Integer> sizes = toConv && overrides.get("hidden_sizes") == null ? List.of() : asIntList(m, "hidden_sizes");
    boolean layerNorm = asBool(m, "layer_norm");
    Init reference = kind == base.type() && !kind.isIsometric() ? base.init() : mlpInit;
    boolean schemeGiven = overrides.get("init") != null;
    boolean gainGiven = overrides.get("init_gain") != null;
    Init.Scheme scheme = schemeGiven ? Init.Scheme.fromName(asString(overrides, "init")) : reference.scheme();
    double gain = gainGiven ? asDouble(overrides, "init_gain")
        : scheme == reference.scheme() ? reference.gain() : Init.defaultGain(scheme);
    if (kind.isIsometric()) {
      Init fixed = kind.isometricInit();
      Init given = new Init(schemeGiven ? scheme : fixed.scheme(), gainGiven ? gain : 1.0);
      return new BodyConfig(kind, sizes, null, layerNorm, given);
    }
    Nonlinearity act = toConv && overrides.get("activation") == null ? Nonlinearity.RELU
        : Nonlinearity.fromName(asString(m, "activation"));
    return new BodyConfig(kind, sizes, act, layerNorm, new Init(scheme, gain));
  }

  /**
   * The body's keys as a section of a learner's config record ({@link RecordCodec}): a body left
   * out of the overrides keeps the learner's, an mlp's init defaults to {@code mlpInit}.
   */
  public static RecordCodec.Section<BodyConfig> section(Init mlpInit) {
    return new RecordCodec.Section<>() {
      @Override
      public List<String> keys() {
        return KEYS;
      }

      @Override
      public void putInto(BodyConfig value, Map<String, Object> m) {
        value.putInto(m);
      }

      @Override
      public BodyConfig read(Map<String, Object> m, Map<String, Object> given, BodyConfig base) {
        return fromMap(m, given, base, mlpInit);
      }
    };
  }

  /** Writes the keys of {@link #KEYS} into {@code m}. */
  public void putInto(Map<String, Object> m) {
    m.put("body", type.configName());
    m.put("hidden_sizes", hiddenSizes);
    m.put("activation", activation.configName());
    m.put("layer_norm", layerNorm);
    m.put("init", init.scheme().configName());
    m.put("init_gain", init.gain());
  }

  /** An mlp body: Dense → (LayerNorm) → activation per hidden size. */
  public static BodyConfig mlp(List<Integer> hiddenSizes, Nonlinearity activation, boolean layerNorm, Init init) {
    return new BodyConfig(Kind.MLP, hiddenSizes, activation, layerNorm, init);
  }

  /** An isometric body: orthogonal Dense (gain 1) → (LayerNorm) → MaxMin per hidden size. */
  public static BodyConfig isometric(List<Integer> hiddenSizes, boolean layerNorm) {
    return new BodyConfig(Kind.ISOMETRIC, hiddenSizes, null, layerNorm, null);
  }

  /**
   * CleanRL's PPO body ({@code ppo.py}, {@code ppo_continuous_action.py}): 64-64 tanh, orthogonal
   * init with gain √2, zero biases. Its heads are orthogonal with gain 0.01 (actor) and 1 (critic):
   * {@link Networks#ACTOR_HEAD}, {@link Networks#CRITIC_HEAD}.
   */
  public static BodyConfig cleanRlPpo() {
    return mlp(List.of(64, 64), Nonlinearity.TANH, false, Init.orthogonal(Init.RELU_GAIN));
  }

  public BodyConfig withHiddenSizes(List<Integer> sizes) {
    return new BodyConfig(type, sizes, activation, layerNorm, init);
  }

  public BodyConfig withLayerNorm(boolean on) {
    return new BodyConfig(type, hiddenSizes, activation, on, init);
  }

  /** A conv body: the torso chosen by the image size, then Dense → (LayerNorm) → activation per hidden size. */
  public static BodyConfig conv(List<Integer> hiddenSizes, Nonlinearity activation, boolean layerNorm, Init init) {
    return new BodyConfig(Kind.CONV, hiddenSizes, activation, layerNorm, init);
  }

  /**
   * The kernel init of conv_orthogonal's skew-orthogonal convs: orthogonal rows of the matricised
   * kernel with gain 0.04, so each conv starts near the identity on its channels (near exp(0)),
   * under the norm cap for up to 16 channels (2·3·0.04·√16 &lt; 1); any kernel gives an orthogonal
   * conv.
   */
  public static final Init SOC_KERNEL_INIT = Init.orthogonal(0.04);

  /** A conv_isometric body: delta-orthogonal convs, orthogonal Dense (gain 1), MaxMin. */
  public static BodyConfig convIsometric(List<Integer> hiddenSizes, boolean layerNorm) {
    return new BodyConfig(Kind.CONV_ISOMETRIC, hiddenSizes, null, layerNorm, null);
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add(type.configName());
    parts.add(hiddenSizes.toString());
    parts.add(activation.configName());
    if (layerNorm) {
      parts.add("layer_norm");
    }
    parts.add(init.toString());
    return String.join(" ", parts);
  }
}
