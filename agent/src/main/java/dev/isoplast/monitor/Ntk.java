package dev.isoplast.monitor;

import dev.isoplast.nn.Gemm;
import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.LayerNorm;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.SkewOrthogonalConv;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The empirical neural tangent kernel (Jacot, Gabriel &amp; Hongler 2018) of a {@link Sequential}
 * f: R^in → R^O on B probe inputs, traced over the outputs:
 *
 * <pre>
 *   K_ij = Σ_o ⟨∇_θ f_o(x_i), ∇_θ f_o(x_j)⟩            [B, B], symmetric PSD
 * </pre>
 *
 * <p>Fast method (DESIGN.md §8; the layer-wise structure Novak, Sohl-Dickstein &amp; Schoenholz 2022,
 * "Fast finite width neural tangent kernel", exploit). For each output o, one backward pass of the
 * one-hot gradient e_o for all B rows at once gives at every layer the per-row deltas without
 * materialising a per-sample gradient. A Dense layer z = W a + b has ∂f_o/∂W = δ aᵀ and ∂f_o/∂b = δ,
 * so its share is
 *
 * <pre>
 *   K_Dense = (Σ_o Δ_{l,o} Δ_{l,o}ᵀ) ⊙ (A_{l−1} A_{l−1}ᵀ + 1)
 * </pre>
 *
 * with Δ_{l,o} = ∂f_o/∂z_l [B, out] and A_{l−1} the layer's input [B, in] (the "+1" is the bias).
 * The sum over o is accumulated by gemm (β = 1) before the one Hadamard product per layer. A
 * LayerNorm y = γ ⊙ x̂ + β has ∂f_o/∂γ = g ⊙ x̂ and ∂f_o/∂β = g with g = ∂f_o/∂y [B, n], so its share
 * is {@code Σ_o (g ⊙ X̂)(g ⊙ X̂)ᵀ + g gᵀ}, exactly. A Conv2D's kernel is shared over the output
 * positions, so each sample's gradient is a sum over them, Δ_{n,o} cols_n ([out, H'·W'] times the
 * sample's im2col patches): its share is {@code Σ_o G_o G_oᵀ + D_o D_oᵀ} with those per-sample
 * kernel and bias gradients materialised (small: out × C·k·k per sample). Activations and Flatten
 * have no parameters. A {@link SkewOrthogonalConv} (its kernel enters through every term of its
 * exponential) materialises each sample's gradient in its backward ({@link
 * SkewOrthogonalConv#backwardPerSample}) and adds {@code Σ_o G_o G_oᵀ}. Any other layer with
 * parameters is rejected. Cost: one forward, O backwards and O + 1 B×B gemms per
 * layer, i.e. O(O · B² · width) flops, against B · O single-row backward passes and a
 * B × (O · |θ|) Gram for {@link #bruteForce}.
 *
 * <p>Side effects of both methods: the parameter gradients are saved and restored, so the
 * optimizer sees exactly what it saw before; the layers' cached forward state is overwritten (for
 * batch size B, resp. 1), so call these between updates, not between a forward and its backward.
 *
 * <p>Metrics ({@link #metrics}): {@code plasticity/ntk_erank}, {@code plasticity/ntk_erank_frac}
 * (erank / B), {@code plasticity/ntk_rank} (eigenvalues above the floor: cond is taken over these
 * only, so a kernel collapsing towards rank 1, as a network whose first layer died, shows as
 * falling rank and erank while its cond falls to 1, not as a growing cond),
 * {@code plasticity/ntk_srank}, {@code plasticity/ntk_cond}, {@code plasticity/ntk_cond_rel} and
 * {@code plasticity/ntk_rank_rel} (λ_max/λ_min and the count over the eigenvalues ≥ 10⁻⁶ λ_max: a
 * conditioning that does not sit at float64's ceiling) and {@code plasticity/ntk_trace}, from the
 * eigenvalues of K with the floors of {@link SpectrumStats}.
 */
public final class Ntk {

  /** The network measured, and the one computed on: itself, or its copy in the working precision. */
  private final Sequential source;
  private final Sequential net;
  private final List<Layer> layers;
  private final List<Param> params;
  private final INDArray[] savedGrads;
  private int batch = -1;
  private DataType dataType;
  private INDArray kernel;
  private INDArray oneHot;
  private INDArray inputGram;
  /**
   * Per layer index: Σ_o Δ Δᵀ for a Dense, g ⊙ X̂ scratch for a LayerNorm, the per-sample gradients
   * of a SkewOrthogonalConv, else null.
   */
  private INDArray[] perLayer;
  private final boolean touchesGrads;

  /** The NTK of {@code net}, computed in its own precision. */
  public Ntk(Sequential net) {
    this(net, null);
  }

  /**
   * The NTK of {@code net} computed in {@code precision} (null: the net's own): for a float32 net
   * and DOUBLE, a float64 copy of the net, brought up to date at every {@link #kernel} call, runs
   * the forward and backward passes and accumulates the kernel, so that its small eigenvalues are
   * not lost to float32 round-off (the floor of {@link SpectrumStats} then is float64's). The
   * measured net itself is left untouched: not its gradients, not its cached forward state.
   */
  public Ntk(Sequential net, DataType precision) {
    for (Layer layer : net.layers()) {
      if (!layer.params().isEmpty() && !(layer instanceof Dense) && !(layer instanceof LayerNorm)
          && !(layer instanceof Conv2D) && !(layer instanceof SkewOrthogonalConv)) {
        throw new IllegalArgumentException("the NTK knows the parameters of Dense, Conv2D, SkewOrthogonalConv and "
            + "LayerNorm layers only; "
            + layer + " in " + net.name() + " has " + layer.params());
      }
    }
    this.source = net;
    DataType own = net.params().isEmpty() ? precision : net.params().get(0).value().dataType();
    this.net = precision == null || precision == own ? net : Networks.copy(net, precision);
    this.layers = this.net.layers();
    this.params = this.net.params();
    this.savedGrads = params.stream().map(p -> p.grad().dup()).toArray(INDArray[]::new);
    // Dense and Conv2D layers are passed through without parameter gradients (inputGradient); only
    // LayerNorm's backward adds some
    this.touchesGrads = this.net == net && layers.stream().anyMatch(l -> l instanceof LayerNorm);
  }

  /**
   * K on the probes {@code [B, in]} by the fast method. The returned {@code [B, B]} array is owned
   * by this object and overwritten by the next call; dup it to keep it.
   */
  public INDArray kernel(INDArray probes) {
    if (net != source) {
      Networks.copyValues(source, net);
      DataType working = net.params().get(0).value().dataType();
      probes = probes.dataType() == working ? probes : probes.castTo(working);
    }
    int b = checkProbes(net, probes);
    ensureBuffers(b, probes.dataType());
    saveGrads();
    try {
      net.forward(probes);
      kernel.assign(0);
      for (INDArray acc : perLayer) {
        if (acc != null) {
          acc.assign(0);
        }
      }
      for (int o = 0; o < net.outSize(); o++) {
        setOneHot(o);
        INDArray g = oneHot;
        for (int i = layers.size() - 1; i >= 0; i--) {
          Layer layer = layers.get(i);
          if (layer instanceof Dense) {
            Gemm.gemm(g, g, perLayer[i], false, true, 1.0, 1.0); // Σ_o Δ Δᵀ
          } else if (layer instanceof LayerNorm ln) {
            INDArray gx = g.mul(ln.lastNormalized(), perLayer[i]);
            Gemm.gemm(gx, gx, kernel, false, true, 1.0, 1.0); // γ: (g ⊙ X̂)(g ⊙ X̂)ᵀ
            Gemm.gemm(g, g, kernel, false, true, 1.0, 1.0); // β: g gᵀ
          } else if (layer instanceof Conv2D conv) {
            addConv(conv, g, b);
          }
          INDArray socInput = null;
          if (layer instanceof SkewOrthogonalConv soc) { // its per-sample gradients and dL/dx in one pass
            perLayer[i].assign(0);
            socInput = soc.backwardPerSample(g, perLayer[i]);
            Gemm.gemm(perLayer[i], perLayer[i], kernel, false, true, 1.0, 1.0);
          }
          if (i > 0) {
            g = socInput != null ? socInput : layer instanceof Dense d ? d.inputGradient(g)
                : layer instanceof Conv2D c ? c.inputGradient(g) : layer.backward(g);
          }
        }
      }
      for (int i = 0; i < layers.size(); i++) {
        if (layers.get(i) instanceof Dense d) {
          Gemm.gemm(d.lastInput(), d.lastInput(), inputGram, false, true, 1.0, 0.0);
          inputGram.addi(1.0);
          kernel.addi(perLayer[i].muli(inputGram));
        }
      }
      return kernel;
    } finally {
      restoreGrads();
    }
  }

  /**
   * A Conv2D's share for one output: sample n's kernel gradient is Δ_n cols_n ([out, P] times its
   * patches [P, C·k·k]) and its bias gradient Δ_n 1, since the kernel is shared over the P
   * positions; K += G Gᵀ + D Dᵀ with G [B, out·C·k·k] and D [B, out] those gradients flattened.
   * (No Dense-like factorisation: the sum over positions sits inside each sample's gradient.)
   */
  private void addConv(Conv2D conv, INDArray g, int b) {
    INDArray grads = conv.perSampleKernelGradients(g);
    Gemm.gemm(grads, grads, kernel, false, true, 1.0, 1.0);
    INDArray biasGrads = g.reshape('c', b, conv.outChannels(), (long) conv.outHeight() * conv.outWidth()).sum(2);
    Gemm.gemm(biasGrads, biasGrads, kernel, false, true, 1.0, 1.0);
  }

  /** {@link SpectrumStats#ofSymmetric} of {@link #kernel}. */
  public SpectrumStats spectrum(INDArray probes) {
    return SpectrumStats.ofSymmetric(kernel(probes));
  }

  /** The NTK metrics of a spectrum (see the class comment). */
  public static Map<String, Double> metrics(SpectrumStats stats) {
    return stats.metrics("plasticity/ntk_");
  }

  /**
   * The reference: for every probe row i and output o, a forward and backward pass of that single
   * row with the one-hot gradient e_o, every parameter gradient flattened into row i of
   * G [B, O·|θ|] (block o), then K = G Gᵀ. Returns a new array in the probes' dtype.
   */
  public static INDArray bruteForce(Sequential net, INDArray probes) {
    int b = checkProbes(net, probes);
    int outputs = net.outSize();
    List<Param> params = net.params();
    long width = 0;
    for (Param p : params) {
      width += p.length();
    }
    if ((long) b * outputs * width > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("brute-force NTK: " + b + " × " + outputs + " × " + width
          + " gradient entries do not fit in one array");
    }
    int rowLength = (int) (outputs * width);
    double[] g = new double[b * rowLength];
    List<INDArray> saved = params.stream().map(p -> p.grad().dup()).toList();
    try {
      INDArray e = Nd4j.zeros(probes.dataType(), 1, outputs);
      for (int i = 0; i < b; i++) {
        net.forward(probes.getRow(i, true));
        for (int o = 0; o < outputs; o++) {
          net.zeroGrad();
          e.assign(0).putScalar(0, o, 1.0);
          net.backward(e);
          int offset = i * rowLength + (int) (o * width);
          for (Param p : params) {
            double[] flat = HostArrays.toDoubles(p.grad(), null);
            System.arraycopy(flat, 0, g, offset, flat.length);
            offset += flat.length;
          }
        }
      }
    } finally {
      for (int k = 0; k < params.size(); k++) {
        params.get(k).grad().assign(saved.get(k));
      }
    }
    INDArray grads = Nd4j.zeros(probes.dataType(), b, rowLength);
    HostArrays.fromDoubles(g, grads);
    INDArray k = Nd4j.zeros(probes.dataType(), b, b);
    Gemm.gemm(grads, grads, k, false, true, 1.0, 0.0);
    return k;
  }

  /** Wall-clock medians of the fast and brute-force kernels on the same probes. */
  public record Timing(int batch, double fastMs, double bruteForceMs) {

    public double speedup() {
      return bruteForceMs / fastMs;
    }
  }

  /**
   * Times {@link #kernel} and {@link #bruteForce} on {@code probes}: one untimed warm-up each, then
   * the median of {@code reps} runs each (the eigen-decomposition, shared by both, is not timed).
   * For {@code bench monitors}.
   */
  public static Timing time(Sequential net, INDArray probes, int reps) {
    if (reps < 1) {
      throw new IllegalArgumentException("timing needs at least one repetition, got " + reps);
    }
    Ntk ntk = new Ntk(net);
    double[] fast = new double[reps];
    double[] brute = new double[reps];
    ntk.kernel(probes);
    bruteForce(net, probes);
    for (int r = 0; r < reps; r++) {
      long t0 = System.nanoTime();
      ntk.kernel(probes);
      long t1 = System.nanoTime();
      bruteForce(net, probes);
      long t2 = System.nanoTime();
      fast[r] = (t1 - t0) / 1e6;
      brute[r] = (t2 - t1) / 1e6;
    }
    return new Timing((int) probes.rows(), median(fast), median(brute));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }

  private static int checkProbes(Sequential net, INDArray probes) {
    if (probes.rank() != 2 || probes.columns() != net.inSize() || probes.rows() == 0) {
      throw new IllegalArgumentException("the NTK of " + net.name() + " needs probes [B, " + net.inSize()
          + "] with B ≥ 1, got " + Arrays.toString(probes.shape()));
    }
    return (int) probes.rows();
  }

  private void ensureBuffers(int b, DataType type) {
    if (b == batch && type == dataType) {
      return;
    }
    kernel = Nd4j.zeros(type, b, b);
    oneHot = Nd4j.zeros(type, b, net.outSize());
    inputGram = Nd4j.zeros(type, b, b);
    perLayer = new INDArray[layers.size()];
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = layers.get(i);
      if (layer instanceof Dense) {
        perLayer[i] = Nd4j.zeros(type, b, b);
      } else if (layer instanceof LayerNorm) {
        perLayer[i] = Nd4j.zeros(type, b, layer.outSize());
      } else if (layer instanceof SkewOrthogonalConv soc) {
        perLayer[i] = Nd4j.zeros(type, b, soc.weight().length() + soc.channels());
      }
    }
    batch = b;
    dataType = type;
  }

  /** oneHot ← e_o in every row (a Java pass over the buffer; it is tiny). */
  private void setOneHot(int o) {
    int outputs = net.outSize();
    int n = batch * outputs;
    if (dataType == DataType.FLOAT) {
      FloatBuffer f = HostArrays.floats(oneHot);
      for (int k = 0; k < n; k++) {
        f.put(k, k % outputs == o ? 1f : 0f);
      }
    } else {
      DoubleBuffer d = HostArrays.doubles(oneHot);
      for (int k = 0; k < n; k++) {
        d.put(k, k % outputs == o ? 1.0 : 0.0);
      }
    }
  }

  private void saveGrads() {
    if (!touchesGrads) {
      return;
    }
    for (int k = 0; k < params.size(); k++) {
      savedGrads[k].assign(params.get(k).grad());
    }
  }

  private void restoreGrads() {
    if (!touchesGrads) {
      return;
    }
    for (int k = 0; k < params.size(); k++) {
      params.get(k).grad().assign(savedGrads[k]);
    }
  }
}
