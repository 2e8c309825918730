package dev.isoplast.plasticity;

import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.LayerNorm;
import dev.isoplast.nn.NetworkParts;
import dev.isoplast.nn.NetworkParts.HiddenLayer;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Normalize-and-Project, NaP (Lyle et al. 2024, "Normalization and effective learning rates in
 * reinforcement learning", NeurIPS, arXiv 2407.01800): a LayerNorm before every hidden nonlinearity (the preset turns on
 * {@code layer_norm}), and after every optimizer step each normalised layer's weight projected
 * back to its initial norm,
 *
 * <pre>
 *   W_l ← W_l · ‖W_l⁽⁰⁾‖_F / ‖W_l‖_F                       (every hidden Dense feeding a LayerNorm)
 *   (γ_l, β_l) ← (γ_l, β_l) · ‖(γ_l, β_l)⁽⁰⁾‖ / ‖(γ_l, β_l)‖   (that LayerNorm's gain and offset, jointly)
 * </pre>
 *
 * A layer followed by a normalisation is scale-invariant in W, so its effective learning rate is
 * ∝ η/‖W‖²; fixing ‖W‖ keeps it at η's schedule instead of letting a growing norm decay it
 * implicitly, which is the paper's point. So the preset's knob is the learning rate.
 *
 * <p>Sources: the paper alone (no official code found); the (γ, β) projection to their initial
 * joint norm (√width at γ = 1, β = 0) and leaving biases and heads unprojected follow secondary
 * re-implementations (a JAX one; Plasticine's {@code ppo_continual_dmc_base.py} projects every
 * "weight" tensor only every few iterations, not copied here); the paper's text on (γ, β) was not
 * verified. The Dense bias before the LayerNorm is not projected, so a projection is exactly
 * function-preserving only with zero biases (and up to LayerNorm's ε). The paper pairs NaP with
 * an explicit learning-rate schedule in single-task Atari; the preset keeps each learner's own.
 * A hidden Dense without a LayerNorm after it is not scale-invariant, and projecting it would
 * change the function: NaP refuses such a network (one line: set {@code layer_norm=true}). A
 * weight of norm 0 is left alone. State: the initial norms (they cannot be recomputed after
 * training); no random draws.
 */
public final class NormalizeProject implements Intervention {

  /**
   * Its keys.
   *
   * @param nap {@code nap}: project after every gradient step (needs {@code layer_norm=true})
   */
  public record Config(boolean nap) implements PartConfig {
    @Override
    public boolean on() {
      return nap;
    }
  }

  /** NaP as a method part, with its preset (LayerNorm on, projection after every step). */
  public static final InterventionPart<Config> PART = new InterventionPart<>("nap", new Config(false),
      (c, networks, seed) -> new NormalizeProject(networks),
      List.of(new MethodPreset("nap", "Normalize-and-Project: LayerNorm, and weight norms kept at their initial value",
          "LayerNorm before every hidden activation; after each step W ← W‖W⁽⁰⁾‖/‖W‖ per hidden layer, "
              + "(γ, β) jointly to their initial norm",
          "Lyle et al. 2024, \"Normalization and effective learning rates in RL\" (arXiv 2407.01800); (γ, β) "
              + "handling from secondary implementations",
          kv("optimizer", "adam", "layer_norm", true, "nap", true), kv(), Knob.LEARNING_RATE)));

  /** The tensors projected together and the norm they are held at. */
  private record Group(List<Param> params, double norm) {}

  private final List<Group> groups = new ArrayList<>();

  NormalizeProject(Map<String, Sequential> networks) {
    for (Sequential net : networks.values()) {
      for (HiddenLayer h : NetworkParts.hiddenLayers(net)) {
        LayerNorm ln = h.norm();
        if (ln == null) {
          throw new IllegalArgumentException("nap projects the weights of normalised layers, but " + net.name()
              + "'s hidden layer " + h.in().name() + " has no LayerNorm (set layer_norm=true)");
        }
        groups.add(new Group(List.of(h.in().weight()), norm(List.of(h.in().weight()))));
        groups.add(new Group(ln.params(), norm(ln.params())));
      }
    }
  }

  private static double norm(List<Param> params) {
    double sq = 0;
    for (Param p : params) {
      sq += HostArrays.sumOfSquares(p.value());
    }
    return Math.sqrt(sq);
  }

  @Override
  public String name() {
    return "nap";
  }

  @Override
  public void afterStep(Learner learner, long step) {
    project();
  }

  /** Projects every group back to its initial norm now. */
  void project() {
    for (Group g : groups) {
      double n = norm(g.params());
      if (n > 0) {
        for (Param p : g.params()) {
          HostArrays.scale(p.value(), g.norm() / n);
        }
      }
    }
  }

  @Override
  public Snapshot state() {
    double[] norms = new double[groups.size()];
    for (int i = 0; i < norms.length; i++) {
      norms[i] = groups.get(i).norm();
    }
    return new Snapshot().put("kind", name()).put("initial_norms", norms);
  }

  @Override
  public void restore(Snapshot state) {
    Intervention.checkKind(state, name());
    double[] norms = state.getDoubles("initial_norms", groups.size());
    for (int i = 0; i < norms.length; i++) {
      groups.set(i, new Group(groups.get(i).params(), norms[i]));
    }
  }
}
