package dev.isoplast.plasticity;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.NetworkParts.HiddenLayer;
import dev.isoplast.nn.NetworkParts;
import dev.isoplast.nn.Sequential;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Continual Backprop (Dohare et al. 2024, "Loss of plasticity in deep continual learning", Nature;
 * the generate-and-test of lop/algos/gnt.py). After every gradient step, for each hidden layer
 * with post-activations h (the step's minibatch, B rows) and outgoing weights W_out:
 *
 * <pre>
 *   age_i ← age_i + 1
 *   f_i   ← η f_i + (1 − η) mean_b h_i                        (running mean activation)
 *   u_i   ← η u_i + (1 − η) mean_b |h_i| · Σ_k |W_out[k, i]|   (contribution utility)
 *   û_i   = u_i / (1 − η^age_i)                                (bias-corrected, as Adam's moments)
 *   eligible = { i : age_i > m },   acc ← acc + ρ · |eligible|,   n = ⌊acc⌋,   acc ← acc − n
 * </pre>
 *
 * and the n eligible units of lowest û (ties: lower index first) are replaced: the next layer's
 * bias absorbs their mean contribution, b_out ← b_out + W_out[:, i] f_i / (1 − η^age_i), then
 * fresh incoming weights from the layer's initialisation, zero bias, zero outgoing weights, zero
 * optimizer moments ({@link UnitSurgery}), and u_i = f_i = age_i = 0. Immature units (age ≤ m) are
 * never replaced; ρ × (#mature units) accumulates across steps, so a rate below one unit per step
 * still replaces units at the right average rate (gnt.py's {@code accumulate=True}).
 *
 * <p>Two choices differ from lop/algos/gnt.py, both deliberate: the utility multiplies by the sum
 * of outgoing magnitudes as the paper writes it (gnt.py takes their mean: the same ranking within a
 * layer); and the bias correction uses f_i before it is reset (gnt.py zeroes f_i first, so its
 * correction adds nothing). Adam moments of replaced entries are zeroed; AdamGnT's per-entry step
 * counts are not kept, so a new unit's first steps use the optimizer's global bias correction.
 *
 * <p>On a conv layer a unit is a channel ({@link dev.isoplast.nn.NetworkParts.HiddenLayer}), as in
 * Dohare et al.'s ConvGnT (lop/algos/convGnT.py): h_i is averaged over the batch and the channel's
 * H'·W' positions for f_i, and the utility is the channel's contribution to the next layer, Σ_p
 * mean_b |h_{i,p}| · Σ_k |W_out[k, i·P + p]| when a Dense reads it (each position by its own
 * column, P = H'·W'; ConvGnT's pairing, summed where it averages), mean_{b,p} |h_i| · Σ_k Σ_{uv}
 * |W_out[k, i, u, v]| when a Conv2D does. The replaced channel gets a fresh kernel row, zero bias
 * and zero outgoing columns ({@link UnitSurgery}); the next bias absorbs f_i times the sum of
 * those columns (ConvGnT does no such correction; it is exact after a Dense and away from a
 * Conv2D's zero padding).
 *
 * <p>Defaults (the method presets, from the paper): ρ = 1e-4, η = 0.99, maturity m = 100 for
 * supervised learners and 10,000 for RL. Elementwise activations only. Logged:
 * {@code plasticity/cbp_replaced} (units replaced since the previous row) and
 * {@code plasticity/cbp_replaced_total}.
 */
public final class ContinualBackprop implements Intervention {

  /**
   * Its keys.
   *
   * @param cbpRate {@code cbp_rate}: the replacement rate ρ (0 = off)
   * @param cbpMaturity {@code cbp_maturity}: the maturity threshold m in gradient steps
   * @param cbpDecay {@code cbp_decay}: the utility decay η
   */
  public record Config(double cbpRate, int cbpMaturity, double cbpDecay) implements PartConfig {
    public Config {
      if (!(cbpRate >= 0 && cbpRate < 1)) {
        throw new IllegalArgumentException("cbp_rate must be in [0, 1), got " + cbpRate);
      }
      ConfigValues.atLeast("cbp_maturity", cbpMaturity, 0);
      if (!(cbpDecay >= 0 && cbpDecay < 1)) {
        throw new IllegalArgumentException("cbp_decay must be in [0, 1), got " + cbpDecay);
      }
    }

    @Override
    public boolean on() {
      return cbpRate > 0;
    }
  }

  /** Continual Backprop as a method part, with its preset (after every gradient step). */
  public static final InterventionPart<Config> PART = new InterventionPart<>("cbp", new Config(0.0, 100, 0.99),
      (c, networks, seed) -> new ContinualBackprop(networks, c.cbpRate(), c.cbpMaturity(), c.cbpDecay(),
          seed ^ 0xCB9L),
      List.of(new MethodPreset("cbp", "Continual Backprop: replace low-utility mature units continually",
          "u ← ηu + (1 − η)|h|Σ|w_out|; replace ρ·#mature lowest-utility units per step; ρ = 1e-4, η = 0.99",
          "Dohare et al. 2024 (Nature); maturity 100 (supervised), 10,000 (RL)",
          kv("optimizer", "adam", "cbp_rate", 1e-4, "cbp_decay", 0.99),
          kv("ppo", kv("cbp_maturity", 10_000), "dqn", kv("cbp_maturity", 10_000),
              "supervised", kv("cbp_maturity", 100)),
          Knob.of("cbp_rate", "decades around Dohare et al. 2024's ρ = 1e-4", 1e-6, 1e-5, 1e-4, 1e-3, 1e-2))));

  private final List<HiddenLayer> layers = new ArrayList<>();
  private final double rate;
  private final long maturity;
  private final double decay;
  private final long seed;
  private final double[][] utility;
  private final double[][] meanAct;
  private final double[][] age;
  private final double[] accumulated;
  private long events;
  private long replacedTotal;
  private long replacedSinceLog;

  ContinualBackprop(Map<String, Sequential> networks, double rate, long maturity, double decay, long seed) {
    for (Sequential net : networks.values()) {
      for (HiddenLayer h : NetworkParts.hiddenLayers(net)) {
        UnitSurgery.checkReplaceable("cbp", h);
        layers.add(h);
      }
    }
    this.rate = rate;
    this.maturity = maturity;
    this.decay = decay;
    this.seed = seed;
    int n = layers.size();
    utility = new double[n][];
    meanAct = new double[n][];
    age = new double[n][];
    accumulated = new double[n];
    for (int l = 0; l < n; l++) {
      int units = layers.get(l).units();
      utility[l] = new double[units];
      meanAct[l] = new double[units];
      age[l] = new double[units];
    }
  }

  @Override
  public String name() {
    return "cbp";
  }

  /** Updates utilities from the activations of the step's forward pass and replaces the due units. */
  @Override
  public void afterStep(Learner learner, long step) {
    SplittableRandom rng = null;
    for (int l = 0; l < layers.size(); l++) {
      HiddenLayer h = layers.get(l);
      int[] chosen = testUnits(l, h);
      if (chosen.length > 0) {
        if (rng == null) {
          rng = Seeds.stream(seed, events++);
        }
        correctNextBias(l, h, chosen);
        UnitSurgery.replace(h, chosen, rng, learner);
        for (int i : chosen) {
          utility[l][i] = 0;
          meanAct[l][i] = 0;
          age[l][i] = 0;
        }
        replacedTotal += chosen.length;
        replacedSinceLog += chosen.length;
      }
    }
  }

  /** One step of the utility bookkeeping of layer {@code l}; returns the units to replace now. */
  private int[] testUnits(int l, HiddenLayer h) {
    INDArray act = h.activation().lastOutput();
    if (act == null) {
      return new int[0];
    }
    int units = h.units();
    int positions = h.positions();
    int width = units * positions;
    int rows = (int) act.rows();
    double[] a = HostArrays.toDoubles(act, null);
    double[] w = HostArrays.toDoubles(h.out().weight().value(), null);
    int outRows = (int) h.out().weight().value().rows();
    int outCols = (int) h.out().weight().value().columns();
    int span = h.outSpan();
    // a Dense reads each entry of the unit by its own column (span = positions); a Conv2D reads the
    // whole channel through each of its k·k kernel columns
    boolean perEntry = !(h.out() instanceof Conv2D);
    double[] u = utility[l];
    double[] f = meanAct[l];
    double[] ages = age[l];
    int eligible = 0;
    for (int i = 0; i < units; i++) {
      double mean = 0;
      double meanAbs = 0;
      double contribution = 0;
      for (int p = 0; p < positions; p++) {
        double entryAbs = 0;
        for (int b = 0; b < rows; b++) {
          double v = a[b * width + i * positions + p];
          mean += v;
          entryAbs += Math.abs(v);
        }
        meanAbs += entryAbs;
        if (perEntry) {
          contribution += entryAbs / rows * columnMagnitude(w, outRows, outCols, i * positions + p, 1);
        }
      }
      mean /= (double) rows * positions;
      meanAbs /= (double) rows * positions;
      if (!perEntry) {
        contribution = meanAbs * columnMagnitude(w, outRows, outCols, i * span, span);
      }
      ages[i] += 1;
      f[i] = decay * f[i] + (1 - decay) * mean;
      u[i] = decay * u[i] + (1 - decay) * contribution;
      if (ages[i] > maturity) {
        eligible++;
      }
    }
    if (eligible == 0 || rate == 0) {
      return new int[0];
    }
    accumulated[l] += rate * eligible;
    int n = (int) Math.min(Math.floor(accumulated[l]), eligible);
    accumulated[l] -= n;
    if (n == 0) {
      return new int[0];
    }
    // the n eligible units of lowest bias-corrected utility (stable: lower index first on ties)
    Integer[] idx = new Integer[eligible];
    int c = 0;
    for (int i = 0; i < units; i++) {
      if (ages[i] > maturity) {
        idx[c++] = i;
      }
    }
    java.util.Arrays.sort(idx, (x, y) -> Double.compare(corrected(u[x], ages[x]), corrected(u[y], ages[y])));
    int[] chosen = new int[n];
    for (int k = 0; k < n; k++) {
      chosen[k] = idx[k];
    }
    return chosen;
  }

  private double corrected(double value, double ageOf) {
    return value / (1 - Math.pow(decay, ageOf));
  }

  /** Σ_k Σ_{j < span} |w[k, first + j]| over the rows of the matrix w [rows, cols]. */
  private static double columnMagnitude(double[] w, int rows, int cols, int first, int span) {
    double sum = 0;
    for (int k = 0; k < rows; k++) {
      for (int j = 0; j < span; j++) {
        sum += Math.abs(w[k * cols + first + j]);
      }
    }
    return sum;
  }

  /**
   * b_out ← b_out + Σ_i (Σ_{j &lt; span} W_out[:, i·span + j]) f_i / (1 − η^age_i) over the replaced
   * units i (span = 1 for Dense units; a channel's columns for conv units, exact for a Dense reading
   * it and for a Conv2D away from its zero padding).
   */
  private void correctNextBias(int l, HiddenLayer h, int[] chosen) {
    INDArray w = h.out().weight().value();
    INDArray b = h.out().bias().value();
    int cols = (int) w.columns();
    int span = h.outSpan();
    for (int k = 0; k < w.rows(); k++) {
      double add = 0;
      for (int i : chosen) {
        double column = 0;
        for (int j = 0; j < span; j++) {
          column += HostArrays.get(w, (long) k * cols + (long) i * span + j);
        }
        add += column * corrected(meanAct[l][i], age[l][i]);
      }
      HostArrays.set(b, k, HostArrays.get(b, k) + add);
    }
  }

  @Override
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("plasticity/cbp_replaced", (double) replacedSinceLog);
    m.put("plasticity/cbp_replaced_total", (double) replacedTotal);
    replacedSinceLog = 0;
    return m;
  }

  /** Ages of layer {@code l}'s units (a copy; layers of all networks in order), for tests. */
  double[] ages(int l) {
    return age[l].clone();
  }

  @Override
  public Snapshot state() {
    Snapshot s = Intervention.counterState(name(), events).put("replaced_total", replacedTotal)
        .put("replaced_since_log", replacedSinceLog).put("accumulated", accumulated);
    for (int l = 0; l < layers.size(); l++) {
      s.put("utility/" + l, utility[l]).put("mean_act/" + l, meanAct[l]).put("age/" + l, age[l]);
    }
    return s;
  }

  @Override
  public void restore(Snapshot state) {
    Intervention.checkKind(state, name());
    events = state.getLong("events");
    replacedTotal = state.getLong("replaced_total");
    replacedSinceLog = state.getLong("replaced_since_log");
    System.arraycopy(state.getDoubles("accumulated", accumulated.length), 0, accumulated, 0, accumulated.length);
    for (int l = 0; l < layers.size(); l++) {
      int units = layers.get(l).units();
      utility[l] = state.getDoubles("utility/" + l, units);
      meanAct[l] = state.getDoubles("mean_act/" + l, units);
      age[l] = state.getDoubles("age/" + l, units);
    }
  }
}
