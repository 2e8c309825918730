package dev.isoplast.monitor;

import dev.isoplast.nn.Activation;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.NetworkParts;
import dev.isoplast.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Dormant and dead units (Sokar, Agarwal, Castro &amp; Evci 2023, "The dormant neuron phenomenon in
 * deep reinforcement learning", Def. 3.1). For a hidden layer with H units and post-activations
 * h_i(x) on the probe batch:
 *
 * <pre>
 *   s_i = E_x |h_i(x)| / ( (1/H) Σ_k E_x |h_k(x)| )
 *   τ-dormant  ⇔  s_i ≤ τ           (τ = {@link #DORMANT_TAU} = 0.025)
 *   dead       ⇔  E_x |h_i(x)| = 0   (τ = 0: the unit outputs exactly 0 on every probe)
 * </pre>
 *
 * Expectations are means over the probe rows. A layer whose units are all silent (the denominator
 * is 0) has every s_i = 0, so all its units count as dead and dormant.
 *
 * <p>A unit of a convolutional layer is a channel ({@link NetworkParts.HiddenLayer}): E|h_i| is the
 * mean of |h| over the probe rows <em>and</em> the channel's H'·W' positions, and the score is
 * normalised over the layer's channels, as Sokar et al.'s code does for conv layers (the mean over
 * every axis but the channel one); a channel is dead when it outputs 0 at every position of every
 * probe.
 *
 * <p>Which layers are hidden: the outputs of every {@link Activation} layer (ReLU, Tanh, LeakyReLU,
 * MaxMin) in the body, i.e. before the first head Dense ({@link Dense#isHead()}). A unit of MaxMin is
 * an output slot (the max or the min of its pair). LayerNorm outputs are not counted: they are
 * pre-activations, standardised within each row (zero mean, unit variance over the units), so
 * their magnitude reflects γ and β rather than unit activity; in our bodies a LayerNorm always feeds
 * an activation, whose outputs are counted. The head is the output, not a hidden layer.
 *
 * <p>Totals are unit-weighted: dead_frac = Σ_layers dead / Σ_layers H. Metric names:
 * {@code plasticity/dead_frac/<layer>}, {@code plasticity/dormant_frac/<layer>} (layer = the
 * activation layer's name, e.g. {@code actor.body.1}), {@code plasticity/dead_frac},
 * {@code plasticity/dormant_frac}.
 */
public final class Dormancy {

  /** Sokar et al.'s threshold for a dormant unit. */
  public static final double DORMANT_TAU = 0.025;

  private Dormancy() {}

  /** One hidden layer: its units' scores s_i and how many are dead and τ-dormant. */
  public record LayerResult(String layer, double[] scores, int dead, int dormant) {

    public int units() {
      return scores.length;
    }

    public double deadFraction() {
      return (double) dead / scores.length;
    }

    public double dormantFraction() {
      return (double) dormant / scores.length;
    }
  }

  /** Every hidden layer, in order, and the unit-weighted totals. */
  public record Result(List<LayerResult> layers) {

    public Result {
      layers = List.copyOf(layers);
    }

    public int units() {
      return layers.stream().mapToInt(LayerResult::units).sum();
    }

    public double deadFraction() {
      return units() == 0 ? 0 : (double) layers.stream().mapToInt(LayerResult::dead).sum() / units();
    }

    public double dormantFraction() {
      return units() == 0 ? 0 : (double) layers.stream().mapToInt(LayerResult::dormant).sum() / units();
    }

    /** Per layer then the totals, under the names in the class comment. */
    public Map<String, Double> metrics() {
      Map<String, Double> m = new LinkedHashMap<>();
      for (LayerResult l : layers) {
        m.put("plasticity/dead_frac/" + l.layer(), l.deadFraction());
        m.put("plasticity/dormant_frac/" + l.layer(), l.dormantFraction());
      }
      m.put("plasticity/dead_frac", deadFraction());
      m.put("plasticity/dormant_frac", dormantFraction());
      return m;
    }
  }

  /** {@link #measure(Sequential, INDArray, double)} with τ = {@link #DORMANT_TAU}. */
  public static Result measure(Sequential net, INDArray probes) {
    return measure(net, probes, DORMANT_TAU);
  }

  /**
   * Runs {@code net} forward on the probes {@code [B, in]} and scores every hidden layer. Side
   * effect: the layers' cached forward state for batch size B is overwritten.
   */
  public static Result measure(Sequential net, INDArray probes, double tau) {
    net.forward(probes);
    List<LayerResult> layers = new ArrayList<>();
    List<Layer> body = NetworkParts.body(net);
    for (int i = 0; i < body.size(); i++) {
      if (body.get(i) instanceof Activation act) {
        layers.add(layer(act.name(), act.lastOutput(), NetworkParts.positionsPerUnit(net, i), tau));
      }
    }
    return new Result(layers);
  }

  /** One layer's result from its post-activations {@code h [B, H]}, one entry per unit. */
  public static LayerResult layer(String name, INDArray h, double tau) {
    return layer(name, h, 1, tau);
  }

  /**
   * One layer's result from its post-activations {@code h [B, U·P]}, unit i being the {@code
   * positions} = P consecutive entries {@code i·P … (i+1)·P − 1} (a conv channel's H'·W' pixels).
   */
  public static LayerResult layer(String name, INDArray h, int positions, double tau) {
    double[] s = scores(h, positions);
    int dead = 0;
    int dormant = 0;
    for (double v : s) {
      dead += v <= 0 ? 1 : 0;
      dormant += v <= tau ? 1 : 0;
    }
    return new LayerResult(name, s, dead, dormant);
  }

  /** The scores s_i of the H units of {@code h [B, H]} (all 0 if every unit is silent). */
  public static double[] scores(INDArray h) {
    return scores(h, 1);
  }

  /**
   * The scores s_i of the U units of {@code h [B, U·P]}, unit i's activity being the mean of
   * |h| over the batch and its P = {@code positions} entries (all 0 if every unit is silent).
   */
  public static double[] scores(INDArray h, int positions) {
    if (h.rank() != 2 || h.rows() == 0 || positions < 1 || h.columns() % positions != 0) {
      throw new IllegalArgumentException("dormancy scores need post-activations [B, U·P] with B ≥ 1 and P = "
          + positions + " entries per unit, got " + Arrays.toString(h.shape()));
    }
    int rows = (int) h.rows();
    int width = (int) h.columns();
    int units = width / positions;
    double[] v = HostArrays.toDoubles(h, null);
    double[] s = new double[units];
    for (int r = 0, o = 0; r < rows; r++, o += width) {
      for (int e = 0; e < width; e++) {
        s[e / positions] += Math.abs(v[o + e]);
      }
    }
    double layerMean = 0;
    for (double x : s) {
      layerMean += x;
    }
    layerMean /= units;
    for (int i = 0; i < units; i++) {
      // E|h_i| / mean_k E|h_k|: the 1/(B·P) of both expectations cancels
      s[i] = layerMean > 0 ? s[i] / layerMean : 0;
    }
    return s;
  }
}
