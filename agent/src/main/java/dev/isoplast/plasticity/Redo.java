package dev.isoplast.plasticity;

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
 * paper; with zero outgoing weights the network's outputs are unchanged by the recycle step.
 *
 * <p>Defaults (the method presets): τ = 0.025 (Plasticine; Sokar et al. also use 0.1, as does
 * Dohare et al.'s Ant ReDo), every 1000 gradient steps for DQN-style learners and every 10
 * iterations for PPO. Elementwise activations only (MaxMin pairs units). Logged:
 * {@code plasticity/redo_recycled} (units recycled since the previous row) and
 * {@code plasticity/redo_recycled_total}.
 */
final class Redo implements Intervention {

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
