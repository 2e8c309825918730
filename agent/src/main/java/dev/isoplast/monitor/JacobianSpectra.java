package dev.isoplast.monitor;

import dev.isoplast.linalg.Spectral;
import dev.isoplast.nn.Activation;
import dev.isoplast.nn.AffineLayer;
import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.ElementwiseActivation;
import dev.isoplast.nn.Flatten;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Jacobians;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.NetworkParts;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.SkewOrthogonalConv;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * How far each hidden layer, and the whole body, is from an isometry: the singular values of their
 * input–output Jacobians on a few probe inputs (dynamical isometry, Pennington, Schoenholz &amp;
 * Ganguli 2017, "Resurrecting the sigmoid in deep learning through dynamical isometry"; DESIGN.md
 * §8).
 *
 * <p>A hidden layer l is a body Dense or Conv2D layer together with the parameter-free layers and
 * LayerNorms that follow it up to the next one: {@code Dense|Conv2D → (LayerNorm) → activation
 * (→ Flatten)}. Its Jacobian at the layer input a_{l−1}(x) is
 *
 * <pre>
 *   J_l(x) = ∂h_l/∂a_{l−1} = J_φ(z_l(x)) · J_LN(u_l(x)) · W_l          [out, in]
 * </pre>
 *
 * with J_φ = diag(φ′) for an elementwise activation, a permutation for MaxMin (each from {@link
 * Activation#jacobian}), and LayerNorm's full Jacobian when present, taken through its own backward
 * ({@link Jacobians#inputOutput}); for a plain mlp layer this is diag(φ′(z_l(x))) W_l. For a
 * Conv2D, W_l is the whole convolution as a matrix {@code [out·H'·W', C·H·W]} ({@link
 * Jacobians#of(Conv2D)}, zero padding included), not the matricised kernel, so a conv layer has
 * min(out·H'·W', C·H·W) singular values per probe; Flatten is the identity. A {@link
 * SkewOrthogonalConv} (no layer of its own in the per-layer spectra: orthogonal by construction)
 * enters the body's product through its Jacobian, the same at every input, made once per
 * measurement ({@link SkewOrthogonalConv#jacobian}). An elementwise φ′
 * scales rows rather than multiplying by a diagonal matrix. Networks whose Jacobians would exceed
 * {@link #MAX_JACOBIAN_ENTRIES} are refused ({@link #checkSize}). The body's
 * Jacobian (every layer before the head) is the chain-rule product of all its layers' Jacobians,
 * so one forward of the probes serves every layer and the body alike.
 *
 * <p>Counting: each Jacobian contributes its min(out, in) singular values (an orthogonal W_l,
 * widening or narrowing, then has all of them 1), pooled over the first {@code probes} rows of the
 * probe batch (the batch is already a uniform sample). With σ ranging over the pool:
 * sigma_mean, sigma_std (population), sigma_min, sigma_max and the isometry gap E[(σ − 1)²].
 *
 * <p>Metrics: {@code isometry/<layer>/sigma_mean}, {@code .../sigma_std}, {@code .../sigma_min},
 * {@code .../sigma_max}, {@code .../gap}, with layer = the hidden layer's Dense or Conv2D name (e.g.
 * {@code actor.body.0}, the layer that holds W_l), and the same for the whole body under
 * {@code isometry/<net>.body/} (e.g. {@code isometry/actor.body/gap}).
 *
 * <p>Side effects: parameter gradients are left as they were; the layers' cached forward state for
 * the subsample size (and a LayerNorm's for its width) is overwritten.
 */
public final class JacobianSpectra {

  /** The default number of probe inputs the spectra are pooled over. */
  public static final int DEFAULT_PROBES = 8;

  /**
   * The largest Jacobian, in entries, the monitor builds: 2^24 (64 MB in float32). MinAtar's conv
   * body (a 16-channel 3×3 conv on 10×10 images) needs 1600 × 700 at most; an Atari Nature-CNN's
   * first conv (32 × 20 × 20 outputs of 4 × 84 × 84 inputs) would need 361 M.
   */
  public static final long MAX_JACOBIAN_ENTRIES = 1L << 24;

  private JacobianSpectra() {}

  /** The pooled singular values of one Jacobian and their summaries. */
  public record Spectrum(String name, double[] sigmas) {

    public double mean() {
      double s = 0;
      for (double v : sigmas) {
        s += v;
      }
      return s / sigmas.length;
    }

    /** Population standard deviation. */
    public double std() {
      double m = mean();
      double s = 0;
      for (double v : sigmas) {
        s += (v - m) * (v - m);
      }
      return Math.sqrt(s / sigmas.length);
    }

    public double min() {
      double m = Double.POSITIVE_INFINITY;
      for (double v : sigmas) {
        m = Math.min(m, v);
      }
      return m;
    }

    public double max() {
      double m = Double.NEGATIVE_INFINITY;
      for (double v : sigmas) {
        m = Math.max(m, v);
      }
      return m;
    }

    /** The isometry gap E[(σ − 1)²]. */
    public double gap() {
      double s = 0;
      for (double v : sigmas) {
        s += (v - 1) * (v - 1);
      }
      return s / sigmas.length;
    }

    /** {@code isometry/<name>/sigma_mean}, ..., {@code isometry/<name>/gap}. */
    public Map<String, Double> metrics() {
      String p = "isometry/" + name + "/";
      Map<String, Double> m = new LinkedHashMap<>();
      m.put(p + "sigma_mean", mean());
      m.put(p + "sigma_std", std());
      m.put(p + "sigma_min", min());
      m.put(p + "sigma_max", max());
      m.put(p + "gap", gap());
      return m;
    }
  }

  /** Every hidden layer in order, then the whole body (named {@code body}). */
  public record Result(List<Spectrum> layers, Spectrum body) {

    public Result {
      layers = List.copyOf(layers);
    }

    public Map<String, Double> metrics() {
      Map<String, Double> m = new LinkedHashMap<>();
      layers.forEach(l -> m.putAll(l.metrics()));
      m.putAll(body.metrics());
      return m;
    }
  }

  /** {@link #measure(Sequential, INDArray, int)} over {@link #DEFAULT_PROBES} probes. */
  public static Result measure(Sequential net, INDArray probes) {
    return measure(net, probes, DEFAULT_PROBES);
  }

  /** The spectra on the first min(probes, B) rows of {@code probes [B, in]}. */
  public static Result measure(Sequential net, INDArray probes, int maxProbes) {
    if (maxProbes < 1 || probes.rank() != 2 || probes.rows() < 1 || probes.columns() != net.inSize()) {
      throw new IllegalArgumentException("Jacobian spectra of " + net.name() + " need probes [B ≥ 1, "
          + net.inSize() + "] and at least one probe to use, got " + Arrays.toString(probes.shape())
          + " and " + maxProbes);
    }
    checkSize(net);
    List<Layer> body = NetworkParts.body(net);
    int k = (int) Math.min(maxProbes, probes.rows());
    INDArray h = probes.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).dup();
    INDArray[] inputs = new INDArray[body.size()];
    for (int i = 0; i < body.size(); i++) {
      Layer layer = body.get(i);
      // layers with weights, Flatten and activations answer from their own state; any other layer's
      // Jacobian reruns it at another batch size, which may reuse buffers, so keep a copy of its input
      inputs[i] = layer instanceof AffineLayer || layer instanceof Flatten || layer instanceof Activation ? h : h.dup();
      h = layer.forward(h);
    }

    // a layer with weights has the same Jacobian at every input: W for a Dense, the convolution's
    // sparse operator for a Conv2D (built once here)
    List<String> names = new ArrayList<>();
    Map<Layer, INDArray> linear = new IdentityHashMap<>();
    Map<Layer, INDArray> fixed = new IdentityHashMap<>(); // parameterised layers that are affine but not AffineLayers
    for (Layer layer : body) {
      if (layer instanceof SkewOrthogonalConv soc) {
        fixed.put(soc, soc.jacobian());
      }
    }
    for (Layer layer : body) {
      if (layer instanceof AffineLayer a) {
        names.add(a.name());
        linear.put(a, a instanceof Conv2D conv ? Jacobians.of(conv) : a.weight().value());
      }
    }
    List<List<double[]>> layerSigmas = new ArrayList<>();
    names.forEach(n -> layerSigmas.add(new ArrayList<>()));
    List<double[]> bodySigmas = new ArrayList<>();
    for (int r = 0; r < k; r++) {
      INDArray bodyJ = null;
      INDArray layerJ = null;
      int hidden = -1;
      for (int i = 0; i < body.size(); i++) {
        Layer layer = body.get(i);
        if (layer instanceof Flatten) {
          continue; // the identity on rows
        }
        if (layer instanceof AffineLayer) {
          if (layerJ != null) {
            layerSigmas.get(hidden).add(Spectral.singularValues(layerJ));
          }
          hidden++;
          layerJ = linear.get(layer);
          bodyJ = bodyJ == null ? layerJ : layerJ.mmul(bodyJ);
        } else {
          if (layerJ != null) {
            layerJ = chain(layer, inputs[i], r, layerJ, fixed);
          }
          bodyJ = chain(layer, inputs[i], r, bodyJ, fixed);
        }
      }
      if (layerJ != null) {
        layerSigmas.get(hidden).add(Spectral.singularValues(layerJ));
      }
      bodySigmas.add(Spectral.singularValues(bodyJ));
    }
    List<Spectrum> layers = new ArrayList<>();
    for (int l = 0; l < names.size(); l++) {
      layers.add(new Spectrum(names.get(l), concat(layerSigmas.get(l))));
    }
    return new Result(layers, new Spectrum(net.name() + ".body", concat(bodySigmas)));
  }

  /**
   * Refuses, with one line naming the layer, a network whose hidden-layer or body Jacobian would
   * exceed {@link #MAX_JACOBIAN_ENTRIES}; the monitors call it when a run starts.
   */
  public static void checkSize(Sequential net) {
    List<Layer> body = NetworkParts.body(net);
    if (body.isEmpty()) {
      throw new IllegalArgumentException(net.name() + " has no body before its head: " + net);
    }
    for (Layer layer : body) {
      if (layer instanceof AffineLayer a) {
        checkEntries(net, a.name(), (long) a.outSize() * a.inSize());
      }
    }
    checkEntries(net, net.name() + ".body", (long) body.get(body.size() - 1).outSize() * net.inSize());
  }

  private static void checkEntries(Sequential net, String what, long entries) {
    if (entries > MAX_JACOBIAN_ENTRIES) {
      throw new IllegalArgumentException("the isometry monitor would build a " + entries + "-entry Jacobian for "
          + what + " of " + net.name() + " (at most " + MAX_JACOBIAN_ENTRIES + "): leave isometry out of --monitors "
          + "for this network");
    }
  }

  /**
   * {@code J_layer · j} at probe {@code row} (J_layer alone when j is null): an elementwise
   * activation scales j's rows by φ′ (no [n, n] diagonal matrix is built, which for a conv layer's
   * n = out·H'·W' would dominate the cost); any other layer multiplies by its own Jacobian ({@code
   * fixed}'s, made once per measurement, for a layer whose Jacobian is the same at every input).
   */
  private static INDArray chain(Layer layer, INDArray input, int row, INDArray j, Map<Layer, INDArray> fixed) {
    if (j != null && layer instanceof ElementwiseActivation act) {
      return scaleRows(j, act.derivative(), row);
    }
    INDArray own = fixed.containsKey(layer) ? fixed.get(layer) : ownJacobian(layer, input, row);
    return j == null ? own : own.mmul(j);
  }

  /**
   * diag(φ′) · j: row i of j times {@code d[row, i]}, into a new array (j may be a layer's weight),
   * as one Java pass when both are readable host arrays of one dtype, else ND4J's column-vector
   * product (the same products, element by element).
   */
  private static INDArray scaleRows(INDArray j, INDArray d, int row) {
    int rows = (int) j.rows();
    int cols = (int) j.columns();
    if (j.rank() != 2 || !HostArrays.readable(j) || !HostArrays.readable(d) || j.dataType() != d.dataType()) {
      return j.mulColumnVector(d.getRow(row).reshape(d.columns(), 1));
    }
    INDArray out = Nd4j.createUninitialized(j.dataType(), rows, cols);
    long at = (long) row * d.columns();
    if (j.dataType() == DataType.DOUBLE) {
      java.nio.DoubleBuffer src = HostArrays.doubles(j);
      java.nio.DoubleBuffer dv = HostArrays.doubles(d);
      java.nio.DoubleBuffer dst = HostArrays.doubles(out);
      for (int i = 0; i < rows; i++) {
        double s = dv.get((int) (at + i));
        for (int c = i * cols, end = c + cols; c < end; c++) {
          dst.put(c, src.get(c) * s);
        }
      }
    } else {
      java.nio.FloatBuffer src = HostArrays.floats(j);
      java.nio.FloatBuffer dv = HostArrays.floats(d);
      java.nio.FloatBuffer dst = HostArrays.floats(out);
      for (int i = 0; i < rows; i++) {
        float s = dv.get((int) (at + i));
        for (int c = i * cols, end = c + cols; c < end; c++) {
          dst.put(c, src.get(c) * s);
        }
      }
    }
    return out;
  }

  /**
   * Layer {@code layer}'s Jacobian at probe {@code row} of the last forward: the activation's own
   * {@link Activation#jacobian}, else (LayerNorm) through its backward at the layer's input row.
   */
  private static INDArray ownJacobian(Layer layer, INDArray input, int row) {
    if (layer instanceof Activation act) {
      return act.jacobian(row);
    }
    return Jacobians.inputOutput(layer, input.getRow(row));
  }

  private static double[] concat(List<double[]> parts) {
    int n = parts.stream().mapToInt(p -> p.length).sum();
    double[] all = new double[n];
    int offset = 0;
    for (double[] p : parts) {
      System.arraycopy(p, 0, all, offset, p.length);
      offset += p.length;
    }
    return all;
  }
}
