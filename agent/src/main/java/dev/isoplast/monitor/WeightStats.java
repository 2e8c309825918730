package dev.isoplast.monitor;

import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-layer parameter norms, gradient norms and drift since the start of the phase, the simplest
 * plasticity signals (Lyle et al. 2023, "Understanding plasticity in neural networks", track the
 * parameter norm; Dohare et al. 2024, "Loss of plasticity in deep continual learning", the weight
 * magnitude). For each layer with parameters (Dense, including the head, and LayerNorm), over all
 * of that layer's parameters θ_l (W and b; γ and β):
 *
 * <pre>
 *   norm      = ‖θ_l‖ = √(Σ_p ‖p‖²_F)
 *   grad_norm = ‖∇θ_l‖, the gradient currently held in {@link Param#grad()} (after an update: the
 *               last minibatch's)
 *   change    = ‖θ_l − θ_l^phaseStart‖, against the values copied by the last {@link #snapshot()}
 * </pre>
 *
 * and the same over all parameters of the network. Metrics: {@code weights/<layer>/norm},
 * {@code weights/<layer>/grad_norm}, {@code weights/<layer>/change}, {@code weights/<net>/norm},
 * {@code weights/<net>/grad_norm}, {@code weights/<net>/change} (layer names carry the network's).
 */
public final class WeightStats {

  private final String net;
  private final List<Layer> layers;
  private final List<List<INDArray>> start;

  /** Tracks {@code net}'s layers, taking the first snapshot now. */
  public WeightStats(Sequential net) {
    this.net = net.name();
    this.layers = net.layers().stream().filter(l -> !l.params().isEmpty()).toList();
    this.start = layers.stream().map(l -> l.params().stream().map(p -> p.value().dup()).toList()).toList();
  }

  /** Copies the current parameters as the phase start that {@code change} is measured from. */
  public void snapshot() {
    for (int l = 0; l < layers.size(); l++) {
      List<Param> params = layers.get(l).params();
      for (int k = 0; k < params.size(); k++) {
        start.get(l).get(k).assign(params.get(k).value());
      }
    }
  }

  /** The phase-start copies {@code change} is measured from (for a checkpoint). */
  public Snapshot state() {
    Snapshot s = new Snapshot();
    for (int l = 0; l < layers.size(); l++) {
      for (int k = 0; k < start.get(l).size(); k++) {
        s.put(l + "/" + k, HostArrays.toDoubles(start.get(l).get(k), null));
      }
    }
    return s;
  }

  /** Puts back the phase-start copies of {@link #state()}. */
  public void restore(Snapshot s) {
    for (int l = 0; l < layers.size(); l++) {
      for (int k = 0; k < start.get(l).size(); k++) {
        INDArray a = start.get(l).get(k);
        HostArrays.fromDoubles(s.getDoubles(l + "/" + k, (int) a.length()), a);
      }
    }
  }

  /** One layer's figures. */
  public record LayerWeights(String layer, double norm, double gradNorm, double change) {}

  /** Every layer with parameters, in order, and the totals of network {@code net}. */
  public record Result(String net, List<LayerWeights> layers, double norm, double gradNorm, double change) {

    public Result {
      layers = List.copyOf(layers);
    }

    public Map<String, Double> metrics() {
      Map<String, Double> m = new LinkedHashMap<>();
      for (LayerWeights l : layers) {
        m.put("weights/" + l.layer() + "/norm", l.norm());
        m.put("weights/" + l.layer() + "/grad_norm", l.gradNorm());
        m.put("weights/" + l.layer() + "/change", l.change());
      }
      m.put("weights/" + net + "/norm", norm);
      m.put("weights/" + net + "/grad_norm", gradNorm);
      m.put("weights/" + net + "/change", change);
      return m;
    }
  }

  /** The current norms, gradient norms and change since the snapshot. */
  public Result measure() {
    List<LayerWeights> out = new ArrayList<>();
    double norm2 = 0;
    double grad2 = 0;
    double change2 = 0;
    for (int l = 0; l < layers.size(); l++) {
      List<Param> params = layers.get(l).params();
      double n2 = 0;
      double g2 = 0;
      double c2 = 0;
      for (int k = 0; k < params.size(); k++) {
        Param p = params.get(k);
        n2 += sumOfSquares(p.value());
        g2 += sumOfSquares(p.grad());
        c2 += squaredDistance(p.value(), start.get(l).get(k));
      }
      out.add(new LayerWeights(layers.get(l).name(), Math.sqrt(n2), Math.sqrt(g2), Math.sqrt(c2)));
      norm2 += n2;
      grad2 += g2;
      change2 += c2;
    }
    return new Result(net, out, Math.sqrt(norm2), Math.sqrt(grad2), Math.sqrt(change2));
  }

  /**
   * Σ x² of one array in one Java pass, in double, in element order (ND4J's reductions cost an op
   * each, ~13 µs on the small layers of the RL nets, and split large arrays over OpenMP threads,
   * so their sums depended on the thread count); ND4J's norm for any other array.
   */
  private static double sumOfSquares(INDArray a) {
    if (HostArrays.readable(a)) {
      return HostArrays.sumOfSquares(a);
    }
    double n = a.norm2Number().doubleValue();
    return n * n;
  }

  private static double squaredDistance(INDArray a, INDArray b) {
    if (HostArrays.readable(a) && HostArrays.readable(b) && a.dataType() == b.dataType()) {
      return HostArrays.sumOfSquaredDifferences(a, b);
    }
    double d = a.distance2(b);
    return d * d;
  }
}
