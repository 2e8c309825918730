package dev.isoplast.plasticity;

import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.ParamMask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hare &amp; Tortoise (Lee et al. 2024, "Slow and steady wins the race: maintaining plasticity with
 * Hare and Tortoise networks", ICML, arXiv 2406.02596): the network the
 * learner trains is the hare; a tortoise, an exponential moving average of it, is kept beside; every
 * R updates the hare is set to the tortoise:
 *
 * <pre>
 *   after every optimizer step:  θ_T ← α θ_T + (1 − α) θ_H          (θ_T starts as θ₀)
 *   after every R-th update:     θ_H ← θ_T
 * </pre>
 *
 * over every layer parameter of every network of the learner (PPO's actor and critic, DQN's online
 * network, the supervised net; LayerNorm gains and biases too; not PPO's {@code actor.log_std}, the
 * project's policy, {@code optim.ParamMask}). DQN's target network is not touched: it keeps copying
 * the hare on its own schedule. The optimizer's moments are kept at a reset, as in the authors'
 * code. The hare acts and is evaluated (it is the network the learner trains; the authors' code
 * reports both).
 *
 * <p>Source: the authors' code, {@code dojeon-ai/Hare-Tortoise} @ 4ec5ebb, {@code src/trainers/base.py}
 * (EMA after every optimizer step, l.152-157; the reset at the end of every R-th epoch, l.183-188);
 * α = 0.999 and R = 10 epochs ({@code scripts/paper/continual/hare_tortoise.sh}), which in their
 * continual CIFAR-10 setting (5,000 examples per task, batch 256: 20 steps per epoch) is R = 200
 * optimizer steps. Here R counts updates, the unit of {@code reset_every} and {@code redo_every}
 * (DQN and supervised gradient steps, PPO iterations): the presets take 200 steps (supervised, DQN)
 * and 12 PPO iterations (192 gradient steps at 4 epochs × 4 minibatches), chosen here to keep the
 * code's R ≈ 200 steps; the paper's RL (Atari-100k) values were not read.
 *
 * <p>Deliberate differences: their reset also fires after the first epoch of every task (the loop
 * index restarts per task) and aliases the two tensors until the next EMA; here it fires at updates
 * R, 2R, ... and copies. The tortoise is kept in double precision. Logged:
 * {@code plasticity/hare_tortoise_resets_total}. State: the tortoise and the reset count; no random
 * draws.
 */
public final class HareTortoise implements Intervention {

  /**
   * Its keys.
   *
   * @param hareTortoiseEvery {@code hare_tortoise_every}: updates between resets of the hare to the tortoise (0 = off)
   * @param hareTortoiseEma {@code hare_tortoise_ema}: the tortoise's EMA coefficient α ∈ [0, 1]
   */
  public record Config(int hareTortoiseEvery, double hareTortoiseEma) implements PartConfig {
    public Config {
      ConfigValues.atLeast("hare_tortoise_every", hareTortoiseEvery, 0);
      ConfigValues.unit("hare_tortoise_ema", hareTortoiseEma);
    }

    @Override
    public boolean on() {
      return hareTortoiseEvery > 0;
    }
  }

  /** Hare &amp; Tortoise as a method part, with its preset. */
  public static final InterventionPart<Config> PART = new InterventionPart<>("hare_tortoise", new Config(0, 0.999),
      (c, networks, seed) -> new HareTortoise(networks, c.hareTortoiseEvery(), c.hareTortoiseEma()),
      List.of(new MethodPreset("hare-tortoise", "Hare & Tortoise: an EMA copy, the network reset to it periodically",
          "after each step θ_T ← αθ_T + (1 − α)θ_H, α = 0.999; every R updates θ_H ← θ_T",
          "Lee et al. 2024 (arXiv 2406.02596) and their code (α = 0.999, R = 10 epochs = 200 steps); R = 200 "
              + "gradient steps (DQN, supervised), 12 iterations (PPO) chosen here",
          kv("optimizer", "adam", "hare_tortoise_ema", 0.999),
          kv("ppo", kv("hare_tortoise_every", 12), "dqn", kv("hare_tortoise_every", 200), "supervised",
              kv("hare_tortoise_every", 200)),
          Knob.perKind("hare_tortoise_every", "the preset's period × 1/4, 1/2, 1, 2, 4 (chosen here)",
              "ppo", new Number[] {3, 6, 12, 24, 48},
              "dqn", new Number[] {50, 100, 200, 400, 800},
              "supervised", new Number[] {50, 100, 200, 400, 800}))));

  private final List<Param> params = new ArrayList<>();
  private final List<double[]> tortoise = new ArrayList<>();
  private final long every;
  private final double ema;
  private double[] hare = new double[0];
  private long resets;

  HareTortoise(Map<String, Sequential> networks, long every, double ema) {
    ParamMask layers = ParamMask.layerParams();
    for (Sequential net : networks.values()) {
      for (Param p : net.params()) {
        if (layers.test(p)) {
          params.add(p);
          tortoise.add(HostArrays.toDoubles(p.value(), null));
        }
      }
    }
    this.every = every;
    this.ema = ema;
  }

  @Override
  public String name() {
    return "hare_tortoise";
  }

  @Override
  public void afterStep(Learner learner, long step) {
    for (int k = 0; k < params.size(); k++) {
      double[] t = tortoise.get(k);
      hare = HostArrays.toDoubles(params.get(k).value(), hare.length == t.length ? hare : null);
      for (int i = 0; i < t.length; i++) {
        t[i] = ema * t[i] + (1 - ema) * hare[i];
      }
    }
  }

  @Override
  public void afterUpdate(Learner learner, long update) {
    if (update % every == 0) {
      reset();
    }
  }

  /** Sets the hare to the tortoise now. */
  void reset() {
    for (int k = 0; k < params.size(); k++) {
      HostArrays.fromDoubles(tortoise.get(k), params.get(k).value());
    }
    resets++;
  }

  @Override
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("plasticity/hare_tortoise_resets_total", (double) resets);
    return m;
  }

  @Override
  public Snapshot state() {
    Snapshot t = new Snapshot();
    for (int k = 0; k < params.size(); k++) {
      t.put(String.valueOf(k), tortoise.get(k));
    }
    return new Snapshot().put("kind", name()).put("resets", resets).put("tortoise", t);
  }

  @Override
  public void restore(Snapshot state) {
    Intervention.checkKind(state, name());
    Snapshot t = state.getTree("tortoise");
    List<double[]> saved = new ArrayList<>();
    for (int k = 0; k < params.size(); k++) {
      saved.add(t.getDoubles(String.valueOf(k), tortoise.get(k).length));
    }
    for (int k = 0; k < params.size(); k++) {
      tortoise.set(k, saved.get(k));
    }
    resets = state.getLong("resets");
  }
}
