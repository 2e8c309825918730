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
 *       {@code init}.
 *   <li>{@code isometric} (the paper's isometric body): per hidden size, an orthogonally initialised
 *       Dense with gain 1 → (LayerNorm) → MaxMin. Both parts have Jacobians with all singular values
 *       1 (for non-decreasing widths), so the body starts dynamically isometric. The activation and
 *       init are fixed: leave them null (or give maxmin and orthogonal gain 1).
 * </ul>
 *
 * LayerNorm sits between the Dense layer and the activation, so the activation sees normalised
 * pre-activations (which keeps units from saturating or dying, the reason plasticity studies add it).
 *
 * @param type {@code mlp} or {@code isometric}
 * @param hiddenSizes the width of each hidden layer, in order
 * @param activation the nonlinearity of an mlp ({@code relu}, {@code tanh}, {@code leaky_relu}
 *     with slope 0.01, {@code maxmin})
 * @param layerNorm whether each hidden layer normalises its pre-activations
 * @param init how the hidden Dense layers are initialised: config keys {@code init} (a scheme of
 *     {@link Init.Scheme}) and {@code init_gain}; the heads keep each learner's own init
 */
public record BodyConfig(Kind type, List<Integer> hiddenSizes, Nonlinearity activation, boolean layerNorm, Init init) {

  /** The body types, with their names in configs. */
  public enum Kind {
    MLP,
    ISOMETRIC;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
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
      throw new IllegalArgumentException("body type must be given: mlp or isometric");
    }
    if (hiddenSizes == null || hiddenSizes.isEmpty()) {
      throw new IllegalArgumentException("body hidden sizes must list at least one layer width");
    }
    for (int i = 0; i < hiddenSizes.size(); i++) {
      Integer h = hiddenSizes.get(i);
      if (h == null || h <= 0) {
        throw new IllegalArgumentException("body hidden size " + i + " must be positive, got " + h);
      }
    }
    hiddenSizes = List.copyOf(hiddenSizes);
    if (type == Kind.ISOMETRIC) {
      if (activation != null && activation != Nonlinearity.MAXMIN) {
        throw new IllegalArgumentException("an isometric body uses MaxMin; activation '" + activation.configName()
            + "' is not allowed (leave it unset or use an mlp body)");
      }
      if (init != null && !init.equals(Init.orthogonal(1.0))) {
        throw new IllegalArgumentException("an isometric body is initialised orthogonal with gain 1; init " + init
            + " is not allowed (leave it unset or use an mlp body)");
      }
      activation = Nonlinearity.MAXMIN;
      init = Init.orthogonal(1.0);
    } else {
      if (activation == null) {
        throw new IllegalArgumentException("an mlp body needs an activation, one of "
            + Arrays.stream(Nonlinearity.values()).map(Nonlinearity::configName).toList());
      }
      if (init == null) {
        throw new IllegalArgumentException("an mlp body needs an init (scheme and gain)");
      }
    }
    if (activation == Nonlinearity.MAXMIN) {
      for (int i = 0; i < hiddenSizes.size(); i++) {
        if (hiddenSizes.get(i) % 2 != 0) {
          throw new IllegalArgumentException("MaxMin pairs units, so every hidden size of a"
              + (type == Kind.ISOMETRIC ? "n isometric" : " maxmin") + " body must be even; hidden size " + i
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
   * <p>The init of an mlp: the scheme named by {@code init}, else the reference init's scheme (the
   * reference is {@code base}'s init if {@code base} is an mlp, else {@code mlpInit}, the learner's
   * default); the gain given by {@code init_gain}, else the reference's gain when the scheme is the
   * reference's, else {@link Init#defaultGain}. So a learner's default init stays exactly as it was,
   * and {@code init: kaiming_uniform} alone on a PPO config gives gain √2, on DQN's too. An
   * isometric body is orthogonal with gain 1: an {@code init} or {@code init_gain} override that says
   * otherwise is an error; the values {@code base} carries are ignored.
   */
  public static BodyConfig fromMap(Map<String, Object> m, Map<String, Object> overrides, BodyConfig base,
      Init mlpInit) {
    Kind kind = Kind.fromName(asString(m, "body"));
    List<Integer> sizes = asIntList(m, "hidden_sizes");
    boolean layerNorm = asBool(m, "layer_norm");
    Init reference = kind == Kind.MLP && base.type() == Kind.MLP ? base.init() : mlpInit;
    boolean schemeGiven = overrides.get("init") != null;
    boolean gainGiven = overrides.get("init_gain") != null;
    Init.Scheme scheme = schemeGiven ? Init.Scheme.fromName(asString(overrides, "init")) : reference.scheme();
    double gain = gainGiven ? asDouble(overrides, "init_gain")
        : scheme == reference.scheme() ? reference.gain() : Init.defaultGain(scheme);
    if (kind == Kind.ISOMETRIC) {
      Init given = new Init(schemeGiven ? scheme : Init.Scheme.ORTHOGONAL, gainGiven ? gain : 1.0);
      return new BodyConfig(Kind.ISOMETRIC, sizes, null, layerNorm, given);
    }
    Nonlinearity act = Nonlinearity.fromName(asString(m, "activation"));
    return mlp(sizes, act, layerNorm, new Init(scheme, gain));
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

  /** The width of the body's output (its last hidden size). */
  public int outSize() {
    return hiddenSizes.get(hiddenSizes.size() - 1);
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
