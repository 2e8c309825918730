package dev.isoplast.plasticity;

import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.Part;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.AdamO;
import dev.isoplast.optim.AdamW;
import dev.isoplast.optim.L2Regularizer;
import dev.isoplast.optim.ParsevalRegularizer;
import dev.isoplast.optim.Sgd;
import dev.isoplast.optim.SpectralRegularizer;
import dev.isoplast.optim.Trac;
import dev.isoplast.optim.Upgd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of method parts and presets (DESIGN.md §13): every optimizer, coupled regularizer
 * and intervention a learner config can turn on, and every preset ({@code train --method NAME},
 * {@code isoplast methods}). Adding a method is one class declaring its {@link Part} (its config
 * record, how it is built, its presets with their tuning knob) and one line in {@link #PARTS}; its
 * row in docs/methods.md; its test.
 *
 * <p>Values marked "chosen here" have no single published value for this setting; they are this
 * project's, stated so that a study can say what it ran.
 */
public final class Methods {

  /**
   * Every part, one line each. The order is the order of the config keys and the order the parts
   * act in: regularizers add their gradients in this order; interventions act after each step and
   * update in this order (Shrink &amp; Perturb, CBP, weight clipping, NaP's projection, Hare &amp;
   * Tortoise's average — of the weights the steps before left — then the Björck projection, so
   * that a constrained body is orthonormal whatever came before; after each update Hare &amp;
   * Tortoise's reset, then ReDo, then resets).
   */
  public static final List<Part<?>> PARTS = List.of(
      Adam.PART,
      AdamW.PART,
      AdamO.PART,
      Sgd.PART,
      Upgd.PART,
      Trac.PART,
      ParsevalRegularizer.PART,
      L2Regularizer.PART,
      L2Regularizer.INIT_PART,
      SpectralRegularizer.PART,
      CChain.PART,
      ShrinkPerturb.PART,
      ContinualBackprop.PART,
      WeightClip.PART,
      NormalizeProject.PART,
      HareTortoise.PART,
      Orthonormalize.PART,
      Redo.PART,
      Reset.PART);

  /** Presets of the body alone (no part of their own), listed after the parts' presets. */
  private static final List<MethodPreset> BODY_PRESETS = List.of(
      new MethodPreset("layernorm", "LayerNorm before every hidden activation",
          "z ← γ(z − μ)/√(σ² + ε) + β per hidden layer",
          "Ba, Kiros & Hinton 2016; Lyle et al. 2023 for plasticity",
          kv("optimizer", "adam", "layer_norm", true), kv(), Knob.LEARNING_RATE),
      new MethodPreset("isometric", "isometric body (orthogonal Dense + MaxMin), trained with Adam",
          "body = isometric; Adam",
          "arXiv 2606.09762 (isometric bodies); Anil, Lucas & Grosse 2019 (MaxMin)",
          kv("optimizer", "adam", "body", "isometric"), kv(), Knob.LEARNING_RATE));

  private static final Map<String, MethodPreset> PRESETS = new LinkedHashMap<>();

  static {
    List<String> names = new ArrayList<>();
    for (Part<?> p : PARTS) {
      if (names.contains(p.name())) {
        throw new IllegalStateException("two method parts are named " + p.name());
      }
      names.add(p.name());
      p.presets().forEach(Methods::add);
    }
    BODY_PRESETS.forEach(Methods::add);
    List<String> keys = MethodConfig.keys();
    if (keys.size() != keys.stream().distinct().count()) {
      throw new IllegalStateException("two method parts share a config key: " + keys);
    }
  }

  private Methods() {}

  private static void add(MethodPreset p) {
    if (PRESETS.put(p.name(), p) != null) {
      throw new IllegalStateException("two presets are named " + p.name());
    }
  }

  /** Every preset: the parts' in registry order, then the body presets. */
  public static List<MethodPreset> all() {
    return List.copyOf(PRESETS.values());
  }

  /** The presets' names, in order. */
  public static List<String> names() {
    return new ArrayList<>(PRESETS.keySet());
  }

  /** The preset {@code name}; an unknown name is an error listing the known ones. */
  public static MethodPreset get(String name) {
    MethodPreset p = PRESETS.get(name);
    if (p == null) {
      throw new IllegalArgumentException("unknown method '" + name + "'; known methods: " + String.join(", ", names())
          + " (see `isoplast methods`)");
    }
    return p;
  }
}
