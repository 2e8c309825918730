package dev.isoplast.plasticity;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.monitor.Dormancy;
import dev.isoplast.nn.NetworkParts.HiddenLayer;
import dev.isoplast.nn.NetworkParts;
import dev.isoplast.nn.Sequential;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ReDo, Recycling Dormant neurons (Sokar, Agarwal, Castro &amp; Evci 2023, "The dormant neuron
 * phenomenon in deep reinforcement learning", Algorithm 1). Every {@code every} updates, each
 * hidden layer of each network is scored on up to {@code batch} recent inputs with the dormancy
 * score of {@link Dormancy} (s_i = E|h_i| / mean_k E|h_k|), and every unit with s_i ≤ τ is
 * recycled: fresh incoming weights from the layer's initialisation, zero bias, zero outgoing
 * weights, and zeroed optimizer moments of all of those ({@link UnitSurgery}). The output layer is
 * never recycled. All layers are scored on one forward pass before any is recycled, as in the
 * paper; with zero outgoing weights the network's outputs are unchanged by the recycle step. On a
 * conv layer a unit is a channel, scored on its mean |h| over the batch and its positions, as in
 * the authors' code ({@code dopamine/labs/redo/weight_recyclers.py}); recycling it redraws its
 * kernel row and zeroes the next layer's columns that read it ({@link UnitSurgery}).
 *
 * <p>Defaults (the method presets): τ = 0.025 (Plasticine; Sokar et al. also use 0.1, as does
 * Dohare et al.'s Ant ReDo), every 1000 gradient steps for DQN-style learners and every 10
 * iterations for PPO. Elementwise activations only (MaxMin pairs units). Logged:
 * {@code plasticity/redo_recycled} (units recycled since the previous row) and
 * {@code plasticity/redo_recycled_total}.
 */
public final class Redo implements Intervention {

  /**
   * Its keys.
   *
   * @param redoEvery {@code redo_every}: updates between recycles (0 = off)
   * @param redoTau {@code redo_tau}: the dormancy threshold τ
   * @param redoBatch {@code redo_batch}: recent inputs the dormancy scores are measured on
   */
  public record Config(int redoEvery, double redoTau, int redoBatch) implements PartConfig {
    public Config {
      ConfigValues.atLeast("redo_every", redoEvery, 0);
      if (!(redoTau >= 0 && redoTau <= 1)) {
        throw new IllegalArgumentException("redo_tau must be in [0, 1], got " + redoTau);
      }
      ConfigValues.atLeast("redo_batch", redoBatch, 2);
    }

    @Override
    public boolean on() {
      return redoEvery > 0;
    }
  }

  /** ReDo as a method part, with its preset (after every redo_every-th update). */
  public static final InterventionPart<Config> PART = new InterventionPart<>("redo", new Config(0, 0.025, 256),
      (c, networks, seed) -> new Redo(networks, c.redoEvery(), c.redoTau(), c.redoBatch(), seed ^ 0x4ED0L),
      List.of(new MethodPreset("redo", "ReDo: recycle τ-dormant units periodically",
          "every F updates: units with s_i ≤ τ get fresh incoming, zero outgoing weights and zero moments; τ = 0.025",
          "Sokar et al. 2023; τ = 0.025 as Plasticine; F = 1000 gradient steps (DQN, supervised), 10 iterations "
              + "(PPO)",
          kv("optimizer", "adam", "redo_tau", 0.025),
          kv("ppo", kv("redo_every", 10), "dqn", kv("redo_every", 1000), "supervised", kv("redo_every", 1000)),
          Knob.of("redo_tau", "Sokar et al. 2023 use τ ∈ {0, 0.025, 0.1} (Plasticine 0.025, Dohare's Ant 0.1); "
              + "0.05 and 0.2 added here", 0.0, 0.025, 0.05, 0.1, 0.2))));

  private final Map<String, Sequential> networks;
  private final Map<String, List<HiddenLayer>> hidden = new LinkedHashMap<>();
  private final long every;
  private final double tau;
  private final int batch;
  private final long seed;
  private long events;
  private long recycledTotal;
  private long recycledSinceLog;

  Redo(Map<String, Sequential> networks, long every, double tau, int batch, long seed) {
    this.networks = new LinkedHashMap<>(networks);
    this.every = every;
    this.tau = tau;
    this.batch = batch;
    this.seed = seed;
    networks.forEach((name, net) -> {
      List<HiddenLayer> layers = NetworkParts.hiddenLayers(net);
      layers.forEach(h -> UnitSurgery.checkReplaceable("redo", h));
      hidden.put(name, layers);
    });
  }

  @Override
  public String name() {
    return "redo";
  }

  @Override
  public void afterUpdate(Learner learner, long update) {
    if (update % every != 0) {
      return;
    }
    float[] x = learner.recentInputs(batch);
    int in = networks.values().iterator().next().inSize();
    if (x.length < in) {
      return; // no data yet
    }
    recycle(learner, x, in);
  }

  /**
   * Scores every hidden layer on the inputs {@code x} (rows of {@code in}) and recycles the
   * τ-dormant units; returns how many were recycled.
   */
  int recycle(Learner learner, float[] x, int in) {
    SplittableRandom rng = Seeds.stream(seed, events++);
    int count = 0;
    for (Map.Entry<String, Sequential> e : networks.entrySet()) {
      Sequential net = e.getValue();
      INDArray probes = Nd4j.create(x, new long[] {x.length / in, in}, 'c')
          .castTo(net.params().get(0).value().dataType());
      List<Dormancy.LayerResult> scores = Dormancy.measure(net, probes, tau).layers();
      List<HiddenLayer> layers = hidden.get(e.getKey());
      for (int l = 0; l < layers.size(); l++) {
        double[] s = scores.get(l).scores();
        List<Integer> dormant = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
          if (s[i] <= tau) {
            dormant.add(i);
          }
        }
        if (!dormant.isEmpty()) {
          UnitSurgery.replace(layers.get(l), dormant.stream().mapToInt(Integer::intValue).toArray(), rng, learner);
          count += dormant.size();
        }
      }
    }
    recycledTotal += count;
    recycledSinceLog += count;
    return count;
  }

  @Override
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("plasticity/redo_recycled", (double) recycledSinceLog);
    m.put("plasticity/redo_recycled_total", (double) recycledTotal);
    recycledSinceLog = 0;
    return m;
  }

  @Override
  public Snapshot state() {
    return Intervention.counterState(name(), events).put("recycled_total", recycledTotal)
        .put("recycled_since_log", recycledSinceLog);
  }

  @Override
  public void restore(Snapshot state) {
    Intervention.checkKind(state, name());
    events = state.getLong("events");
    recycledTotal = state.getLong("recycled_total");
    recycledSinceLog = state.getLong("recycled_since_log");
  }
}
