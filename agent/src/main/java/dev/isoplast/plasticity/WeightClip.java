package dev.isoplast.plasticity;

import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.AffineLayer;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weight clipping (Elsayed, Lan, Lyle &amp; Mahmood 2024, "Weight clipping for deep continual and
 * reinforcement learning", RLJ, arXiv 2407.01704): after every optimizer step, every weight and
 * bias of every Dense and Conv2D layer of every network (heads included) is clipped to κ times
 * PyTorch's default-init bound of its layer,
 *
 * <pre>
 *   θ ← clamp(θ, −κ s, κ s),   s = 1/√fan_in   (fan_in: a Dense layer's input size, a Conv2D's
 *                                                C·k·k; for W and b)
 * </pre>
 *
 * as the authors' code does ({@code mohmdelsayed/weight-clipping} @ 0d3db49,
 * {@code core/optim/weight_clipping.py}: clamp after the base optimizer's step, with {@code s} from
 * {@code InitBounds}, a bias taking the fan-in of the weight before it; {@code clip_last_layer=1},
 * the default, so the head is clipped too). Stateless, no random draws.
 *
 * <p>Defaults (the preset): κ = 3 for PPO (the authors' {@code rl_experiments/ppo_continuous_action_clipped.py},
 * {@code weight_clipping_kappa = 3.0}) and DQN (the paper's Atari value not verified; chosen here),
 * κ = 2 supervised (their best Adam runs: input-permuted MNIST κ = 1–2, label-permuted EMNIST
 * 3–4; chosen here within that range). Knob: κ ∈ {1, 2, 3, 4, 5}, exactly the authors' grid
 * ({@code experiments/ex1_input_permuted_mnist.py}).
 *
 * <p>Deliberate differences: LayerNorm gains and biases are not clipped (the paper's nets have no
 * LayerNorm; their code would clip a gain at κ/√fan_in of the previous weight, 0.375 &lt; 1 at κ = 3
 * and width 64, which is not what a bound from the init means); PPO's {@code actor.log_std} is not
 * clipped (the project's policy, {@code optim.ParamMask}; their PPO script clips it as a weight).
 * The bound is PyTorch's default-init range whatever this layer's actual init: with the PPO
 * learner's orthogonal gain √2 a 64×64 hidden weight has ≈ 3% of its entries beyond the κ = 3
 * bound (16% at κ = 2, 48% at κ = 1), which the first step clips, as it would in their code with
 * CleanRL's init. Logged: {@code plasticity/weight_clip_clipped} (entries that were outside their
 * bound, summed over the steps since the previous row).
 */
public final class WeightClip implements Intervention {

  /**
   * Its keys.
   *
   * @param weightClipKappa {@code weight_clip_kappa}: κ, the bound in units of 1/√fan_in (0 = off)
   */
  public record Config(double weightClipKappa) implements PartConfig {
    public Config {
      ConfigValues.nonNegative("weight_clip_kappa", weightClipKappa);
    }

    @Override
    public boolean on() {
      return weightClipKappa > 0;
    }
  }

  /** Weight clipping as a method part, with its preset (after every gradient step). */
  public static final InterventionPart<Config> PART = new InterventionPart<>("weight_clip", new Config(0),
      (c, networks, seed) -> new WeightClip(networks, c.weightClipKappa()),
      List.of(new MethodPreset("weight-clip", "weight clipping to ±κ times the default-init bound after every step",
          "after each step θ ← clamp(θ, ±κ/√fan_in) on every Dense and Conv2D weight and bias; κ = 3 (RL), 2 (supervised)",
          "Elsayed et al. 2024 (arXiv 2407.01704) and their code; κ = 3 as their PPO script, κ = 2 supervised "
              + "(their best Adam runs use 1–4) and κ = 3 for DQN chosen here",
          kv("optimizer", "adam"),
          kv("ppo", kv("weight_clip_kappa", 3.0), "dqn", kv("weight_clip_kappa", 3.0), "supervised",
              kv("weight_clip_kappa", 2.0)),
          Knob.of("weight_clip_kappa", "the authors' grid κ ∈ {1, 2, 3, 4, 5} (Elsayed et al. 2024)", 1.0, 2.0, 3.0,
              4.0, 5.0))));

  /** A parameter and its bound. */
  private record Clipped(Param param, double bound) {}

  private final List<Clipped> clipped = new ArrayList<>();
  private final Map<Param, double[]> buffers = new LinkedHashMap<>();
  private long sinceLog;

  WeightClip(Map<String, Sequential> networks, double kappa) {
    for (Sequential net : networks.values()) {
      for (AffineLayer d : net.layersOf(AffineLayer.class)) {
        double bound = kappa * Init.torchDefaultBound(d.fanIn());
        clipped.add(new Clipped(d.weight(), bound));
        clipped.add(new Clipped(d.bias(), bound));
      }
    }
  }

  @Override
  public String name() {
    return "weight_clip";
  }

  @Override
  public void afterStep(Learner learner, long step) {
    clip();
  }

  /** Clamps every Dense and Conv2D weight and bias to its bound now; returns how many entries were outside it. */
  long clip() {
    long count = 0;
    for (Clipped c : clipped) {
      double[] v = HostArrays.toDoubles(c.param().value(), buffers.get(c.param()));
      buffers.put(c.param(), v);
      long before = count;
      for (int i = 0; i < v.length; i++) {
        if (v[i] > c.bound()) {
          v[i] = c.bound();
          count++;
        } else if (v[i] < -c.bound()) {
          v[i] = -c.bound();
          count++;
        }
      }
      if (count > before) {
        HostArrays.fromDoubles(v, c.param().value());
      }
    }
    sinceLog += count;
    return count;
  }

  @Override
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("plasticity/weight_clip_clipped", (double) sinceLog);
    sinceLog = 0;
    return m;
  }

  @Override
  public Snapshot state() {
    return new Snapshot().put("kind", name()).put("clipped_since_log", sinceLog);
  }

  @Override
  public void restore(Snapshot state) {
    Intervention.checkKind(state, name());
    sinceLog = state.getLong("clipped_since_log");
  }
}
