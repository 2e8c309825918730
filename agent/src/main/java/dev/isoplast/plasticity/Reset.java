package dev.isoplast.plasticity;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.AffineLayer;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.LayerNorm;
import dev.isoplast.nn.NetworkParts;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Resets (Nikishin et al. 2022, "The primacy bias in deep reinforcement learning"): the last
 * {@code layers} layers with weights (Dense and Conv2D, counted from the output) of every network
 * (0 = all of them), each with the LayerNorm that follows it, are re-initialised from their own
 * initialisation (a conv layer's whole kernel and bias; LayerNorm: γ = 1, β = 0) and their
 * optimizer moments zeroed, every {@code every} updates. Nikishin et al. reset the last layers of
 * an agent's networks periodically so that a learner that overfit its early data can learn again.
 *
 * <p>{@code atPhase} resets at every scenario phase start instead (or as well): an <em>oracle</em>,
 * since it is told when the task changed, which no other learner here is; runs that use it are
 * marked {@code oracle} in config.yaml and in every report. Logged: {@code plasticity/resets_total}.
 */
public final class Reset implements Intervention {

  /**
   * Its keys.
   *
   * @param resetEvery {@code reset_every}: updates between resets (0 = off)
   * @param resetLayers {@code reset_layers}: Dense and Conv2D layers reset, counted from the output (0 = all)
   * @param resetAtPhase {@code reset_at_phase}: also reset at every scenario phase start (an oracle)
   */
  public record Config(int resetEvery, int resetLayers, boolean resetAtPhase) implements PartConfig {
    public Config {
      ConfigValues.atLeast("reset_every", resetEvery, 0);
      ConfigValues.atLeast("reset_layers", resetLayers, 0);
    }

    @Override
    public boolean on() {
      return resetEvery > 0 || resetAtPhase;
    }

    @Override
    public boolean oracle() {
      return resetAtPhase;
    }
  }

  /** Resets as a method part, with the periodic head reset's preset. */
  public static final InterventionPart<Config> PART = new InterventionPart<>("reset", new Config(0, 1, false),
      (c, networks, seed) -> new Reset(networks, c.resetEvery(), c.resetLayers(), c.resetAtPhase(), seed ^ 0x4E5E7L),
      List.of(new MethodPreset("reset", "reset the last layer of every network periodically",
          "every F updates: the head is re-initialised and its moments zeroed",
          "Nikishin et al. 2022, \"The primacy bias in deep RL\"; F = 20,000 gradient steps (DQN), "
              + "200 iterations (PPO), 5,000 steps (supervised) chosen here",
          kv("optimizer", "adam", "reset_layers", 1),
          kv("ppo", kv("reset_every", 200), "dqn", kv("reset_every", 20_000), "supervised", kv("reset_every", 5_000)),
          Knob.perKind("reset_every", "the preset's period × 1/4, 1/2, 1, 2, 4 (chosen here)",
              "ppo", new Number[] {50, 100, 200, 400, 800},
              "dqn", new Number[] {5_000, 10_000, 20_000, 40_000, 80_000},
              "supervised", new Number[] {1_250, 2_500, 5_000, 10_000, 20_000}))));

  private final List<AffineLayer> chosenLayers = new ArrayList<>();
  private final List<LayerNorm> norms = new ArrayList<>();
  private final List<NetworkParts.HiddenLayer> hiddenReset = new ArrayList<>(); // whose units a reset re-initialises
  private final long every;
  private final boolean atPhase;
  private final long seed;
  private long events;

  /**
   * @param every updates between resets (0 = never on a schedule)
   * @param layers how many Dense and Conv2D layers from the output (0 = all)
   */
  Reset(Map<String, Sequential> networks, long every, int layers, boolean atPhase, long seed) {
    for (Sequential net : networks.values()) {
      List<AffineLayer> all = net.layersOf(AffineLayer.class);
      int first = layers == 0 ? 0 : Math.max(0, all.size() - layers);
      List<AffineLayer> chosen = all.subList(first, all.size());
      for (AffineLayer d : chosen) {
        if (d.init() == null) {
          throw new IllegalArgumentException("reset draws each layer's init, but " + d.name()
              + " was not initialised by an Init");
        }
      }
      chosenLayers.addAll(chosen);
      for (NetworkParts.HiddenLayer h : NetworkParts.hiddenLayers(net)) {
        if (chosen.contains(h.in())) {
          hiddenReset.add(h);
        }
      }
      List<Layer> seq = net.layers();
      for (int i = 0; i + 1 < seq.size(); i++) {
        if (seq.get(i + 1) instanceof LayerNorm ln && chosen.contains(seq.get(i))) {
          norms.add(ln);
        }
      }
    }
    this.every = every;
    this.atPhase = atPhase;
    this.seed = seed;
  }

  @Override
  public String name() {
    return "reset";
  }

  @Override
  public void afterUpdate(Learner learner, long update) {
    if (every > 0 && update % every == 0) {
      reset(learner);
    }
  }

  @Override
  public void onPhaseStart(Learner learner, int phase) {
    if (atPhase && phase > 0) {
      reset(learner);
    }
  }

  /** Re-initialises the chosen layers now and zeroes their optimizer moments. */
  void reset(Learner learner) {
    SplittableRandom rng = Seeds.stream(seed, events++);
    List<Param> touched = new ArrayList<>();
    for (AffineLayer d : chosenLayers) {
      d.init().apply(d, rng);
      touched.addAll(d.params());
    }
    for (LayerNorm ln : norms) {
      ln.gain().value().assign(1.0);
      ln.bias().value().assign(0.0);
      touched.addAll(ln.params());
    }
    for (Param p : touched) {
      for (INDArray s : learner.optimizer().slots(p).values()) {
        s.assign(0.0);
      }
    }
    for (NetworkParts.HiddenLayer h : hiddenReset) {
      learner.interventions().unitResets().addAll(h.activation().name(), h.units());
    }
  }

  @Override
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("plasticity/resets_total", (double) events);
    return m;
  }

  @Override
  public Snapshot state() {
    return Intervention.counterState(name(), events);
  }

  @Override
  public void restore(Snapshot state) {
    Intervention.checkKind(state, name());
    events = state.getLong("events");
  }
}
