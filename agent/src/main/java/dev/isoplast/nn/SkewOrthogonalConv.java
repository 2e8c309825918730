package dev.isoplast.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A skew-orthogonal convolution (SOC, Singla &amp; Feizi 2021, "Skew Orthogonal Convolutions"): an
 * orthogonal map of C-channel images by construction, whatever its kernel. With K the stride-1
 * convolution by a k × k kernel W with zero "same" padding (k odd) on C → C channels, its adjoint
 * Kᵀ is the same kind of convolution by the flipped, channel-transposed kernel ΠW ({@code (ΠW)[o,
 * c, u, v] = W[c, o, k−1−u, k−1−v]}), so {@code S = K − Kᵀ} is the convolution by the skew kernel
 * {@code W_S = W − ΠW}: a skew-symmetric operator on the C·H·W image space, and {@code exp(S)} is
 * orthogonal:
 *
 * <pre>
 *   y = exp(S) [x; 0] + b        (x zero-padded from C_in to C channels; b per channel)
 * </pre>
 *
 * <p>The kernel's norm is capped, as in the SOC paper: with b = 2k‖W‖_F, a bound on ‖S‖ (‖K‖₂ ≤
 * Σ_{u,v} ‖W_uv‖₂ ≤ k‖W‖_F, W_uv the [C, C] matrix of tap (u, v), the zero padding only removing
 * terms), the convolution uses W_eff = c W with c = min(1, τ/b), τ = {@value #NORM_CAP}, so
 * ‖S‖ ≤ τ whatever the optimizer does to W (and dL/dW = c (G − ⟨G, W⟩ W/‖W‖²) while the cap acts,
 * G = dL/dW_eff). exp(S) is then the truncated Taylor series {@code Σ_{k=0}^{T} S^k / k!}, T the
 * first number of terms whose remainder bound ρ^{T+1}/(T+1)! (ρ = min(b, τ) ≤ 1) is below the
 * precision's rounding (10⁻¹⁶ in float64, 10⁻⁸ in float32), so the layer is orthogonal to rounding
 * at a cost of at most 18 (float64) or 11 (float32) convolutions forward and twice as many
 * backward (docs/methods.md, "Isometric convolutions", has the times). A widening layer (C_in &lt;
 * C) is an isometry onto its range (orthonormal Jacobian columns); a narrowing one is not built
 * (C ≥ C_in is required).
 *
 * <p>Backward: with z_k = S z_{k−1}/k the terms (z_0 = x), y = Σ z_k and δ_k = dL/dz_k, a = 1/k:
 * δ_{k−1} = g + a Sᵀ δ_k = g − a S δ_k (g = dL/dy, δ_T = g), and dL/dW_S = Σ_k a G(δ_k, z_{k−1}),
 * G(Δ, z) the convolution's kernel gradient for output gradient Δ at input z ({@link
 * Conv2D#addKernelGradient}); then dL/dW_eff = (I − Π) dL/dW_S (Π is a permutation and an
 * involution, so Πᵀ = Π). Every z is kept from the forward (T arrays of the batch's size).
 *
 * <p>Parameters: the kernel {@code <name>.W [C, C·k·k]} (a hidden weight: the isometry
 * regularizers and the Björck projection may act on it, which changes which orthogonal map the
 * layer is but not that it is one) and the bias {@code <name>.b [C]}. It is no {@link AffineLayer}:
 * its channels are not units for ReDo, Continual Backprop or the resets, which act on the Dense
 * layers after it.
 */
public final class SkewOrthogonalConv implements Layer {

  /** Remainder bounds below which the Taylor series stops, per precision. */
  private static final double EPS_DOUBLE = 1e-16;
  private static final double EPS_FLOAT = 1e-8;
  private static final int MAX_TERMS = 40;
  /** τ: the cap on the bound of ‖S‖. */
  public static final double NORM_CAP = 1.0;

  private final String name;
  private final int inChannels;
  private final int channels;
  private final int positions;
  private final Param weight;
  /** C → C, same padding, stride 1, holding W_S (its gradient: dL/dW_S); its own bias stays zero. */
  private final Conv2D conv;
  /** Π as an index table on the flattened kernel: flip[e] is the entry that lands on e. */
  private final int[] flip;
  private final Param bias;
  private final PerBatch<State> states;
  private INDArray lastInput;
  private int terms;
  private double scale; // c of the last forward
  private double normSquared; // ‖W‖²_F of the last forward
  private double[] kernelScratch = new double[0]; // plan(): W as read, reused
  private double[] planSkew = new double[0]; // plan(): W_S before it is written to the conv, reused
  private double[] gradScratch = new double[0]; // throughCap: its input rows, reused
  private double[] skewScratch = new double[0]; // throughCap: rows of (I − Π) G, reused

  /** Per batch size: the inputs of every application of S, and scratch. */
  private final class State {
    final int batch;
    final List<INDArray> z = new ArrayList<>();
    final INDArray acc;
    final INDArray tmp;
    final INDArray out;
    final INDArray gOut;
    final INDArray delta;
    final INDArray dx;

    State(int batch) {
      this.batch = batch;
      DataType t = dataType();
      acc = Nd4j.zeros(t, batch, outSize());
      tmp = Nd4j.zeros(t, batch, outSize());
      out = Nd4j.zeros(t, batch, outSize());
      gOut = Nd4j.zeros(t, batch, outSize());
      delta = Nd4j.zeros(t, batch, outSize());
      dx = Nd4j.zeros(t, batch, inSize());
    }

    /** The input of application i (= k − 1), made on first use. */
    INDArray z(int i) {
      while (z.size() <= i) {
        z.add(Nd4j.zeros(dataType(), batch, outSize()));
      }
      return z.get(i);
    }
  }

  /**
   * @param inChannels C_in, at most {@code channels}
   * @param channels C, the output channels
   * @param kernel an odd kernel size (the padding is "same")
   */
  public SkewOrthogonalConv(String name, int inChannels, int height, int width, int channels, int kernel,
      DataType dataType) {
    if (inChannels <= 0 || channels < inChannels) {
      throw new IllegalArgumentException("SkewOrthogonalConv " + name + " needs 0 < input channels <= output channels"
          + " (an orthogonal map cannot narrow), got " + inChannels + " → " + channels);
    }
    this.name = name;
    this.inChannels = inChannels;
    this.channels = channels;
    this.positions = height * width;
    this.conv = new Conv2D(name + ".conv", channels, height, width, channels, kernel, 1,
        Conv2D.padding("same", kernel), false, dataType);
    this.weight = new Param(name + ".W", Param.Role.WEIGHT, false, Nd4j.zeros(dataType, channels,
        (long) channels * kernel * kernel));
    this.bias = new Param(name + ".b", Param.Role.BIAS, false, Nd4j.zeros(dataType, channels));
    this.flip = new int[channels * channels * kernel * kernel];
    for (int o = 0, e = 0; o < channels; o++) {
      for (int c = 0; c < channels; c++) {
        for (int u = 0; u < kernel; u++) {
          for (int v = 0; v < kernel; v++) {
            flip[e++] = ((c * channels + o) * kernel + kernel - 1 - u) * kernel + kernel - 1 - v;
          }
        }
      }
    }
    this.states = new PerBatch<>(State::new);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int inSize() {
    return inChannels * positions;
  }

  @Override
  public int outSize() {
    return channels * positions;
  }

  public int inChannels() {
    return inChannels;
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return conv.height();
  }

  public int width() {
    return conv.width();
  }

  public int kernel() {
    return conv.kernel();
  }

  public DataType dataType() {
    return conv.dataType();
  }

  /** The kernel {@code [C, C·k·k]}. */
  public Param weight() {
    return weight;
  }

  public Param bias() {
    return bias;
  }

  @Override
  public List<Param> params() {
    return List.of(weight, bias);
  }

  /** Fills the kernel by {@code init} (through its matricisation, as a Conv2D's) and zeroes the bias. */
  public void initialize(Init init, RandomGenerator rng) {
    init.apply(conv, rng);
    weight.value().assign(conv.weight().value());
    conv.bias().value().assign(0);
    bias.value().assign(0);
  }

  /** The Taylor terms T of the last forward's exp(S) (for tests and cost reports). */
  public int lastTerms() {
    return terms;
  }

  /** c = min(1, τ/(2k‖W‖_F)) of the last forward: W_eff = c W. */
  public double lastScale() {
    return scale;
  }

  @Override
  public INDArray forward(INDArray x) {
    Layers.checkInput(this, x, dataType());
    State st = states.get((int) x.rows());
    plan();
    INDArray h = st.z(0);
    if (inChannels == channels) {
      h.assign(x);
    } else {
      h.assign(0);
      h.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inSize())).assign(x);
    }
    st.acc.assign(h);
    for (int k = 1; k <= terms; k++) {
      INDArray next = k < terms ? st.z(k) : st.tmp;
      applyS(st.z(k - 1), next);
      next.muli(1.0 / k);
      st.acc.addi(next);
    }
    st.out.assign(st.acc);
    Broadcast.add(st.out.reshape('c', st.batch, channels, positions), bias.value(),
        st.out.reshape('c', st.batch, channels, positions), 1);
    lastInput = x;
    return st.out;
  }

  /** dst ← S v, the convolution by W_S. */
  private void applyS(INDArray v, INDArray dst) {
    dst.assign(conv.forward(v));
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    return backward(gradOut, null);
  }

  /**
   * The input gradient for {@code gradOut}, with each sample's parameter gradients added into row n
   * of {@code perSample [B, C·C·k·k + C]} (kernel, then bias, flattened as {@link #params()})
   * instead of their sum into the parameters' gradients: what the NTK needs.
   */
  public INDArray backwardPerSample(INDArray gradOut, INDArray perSample) {
    long width = weight.length() + channels;
    if (perSample == null || perSample.rows() != gradOut.rows() || perSample.columns() != width) {
      throw new IllegalArgumentException(name + ": per-sample gradients need [" + gradOut.rows() + ", " + width + "]");
    }
    return backward(gradOut, perSample);
  }

  private INDArray backward(INDArray gradOut, INDArray perSample) {
    Layers.checkGradOut(this, gradOut, lastInput);
    State st = states.get((int) gradOut.rows());
    INDArray byChannel = gradOut.reshape('c', st.batch, channels, positions);
    long kernelLength = weight.length();
    INDArray perSampleKernel = null;
    if (perSample == null) {
      bias.grad().addi(byChannel.sum(0, 2).reshape(bias.grad().shape()));
      conv.weight().grad().assign(0);
    } else {
      perSample.get(NDArrayIndex.all(), NDArrayIndex.interval(kernelLength, kernelLength + channels))
          .addi(byChannel.sum(2));
      perSampleKernel = Nd4j.zeros(dataType(), st.batch, kernelLength);
    }
    st.gOut.assign(gradOut);
    st.delta.assign(gradOut);
    for (int k = terms; k >= 1; k--) {
      INDArray z = st.z(k - 1);
      double a = 1.0 / k;
      applyS(st.delta, st.tmp);
      conv.forward(z); // z's patches for G(δ, z)
      kernelGradient(st.delta, a, perSampleKernel);
      st.delta.assign(st.gOut).subi(st.tmp.muli(a)); // δ_{k−1} = g − a S δ_k
    }
    if (perSample == null) {
      weight.grad().addi(throughCap(conv.weight().grad().reshape(1, kernelLength)).reshape(weight.grad().shape()));
    } else {
      perSample.get(NDArrayIndex.all(), NDArrayIndex.interval(0, kernelLength)).addi(throughCap(perSampleKernel));
    }
    if (inChannels == channels) {
      st.dx.assign(st.delta);
    } else {
      st.dx.assign(st.delta.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inSize())));
    }
    return st.dx;
  }

  /** The kernel gradient for {@code gradOut} on the inner convolution's last patches, times a. */
  private void kernelGradient(INDArray gradOut, double a, INDArray perSampleKernel) {
    if (perSampleKernel == null) {
      conv.addKernelGradient(gradOut, a, conv.weight().grad());
    } else {
      perSampleKernel.addi(conv.perSampleKernelGradients(gradOut).muli(a));
    }
  }

  /**
   * Rows of dL/dW_S [n, |W|] to dL/dW: G = (I − Π) G_S is dL/dW_eff, then c (G − (G·w) wᵀ/‖w‖²)
   * while the cap acts (c &lt; 1), c G otherwise (a new array).
   */
  private INDArray throughCap(INDArray gs) {
    int n = (int) gs.rows();
    int len = flip.length;
    double[] a = gradScratch = HostArrays.toDoubles(gs, gradScratch);
    double[] skew = skewScratch = skewScratch.length == a.length ? skewScratch : new double[a.length];
    for (int r = 0; r < n; r++) {
      for (int e = 0; e < len; e++) {
        skew[r * len + e] = a[r * len + e] - a[r * len + flip[e]];
      }
    }
    INDArray g = Nd4j.zeros(gs.dataType(), n, len);
    HostArrays.fromDoubles(skew, g);
    INDArray out = g.mul(scale);
    if (scale < 1) {
      INDArray w = weight.value().reshape(1, weight.length());
      INDArray dots = g.mmul(w.transpose()).muli(scale / normSquared); // [n, 1]
      out.subi(dots.mmul(w));
    }
    return out;
  }

  /** W_S ← (I − Π) c W, and T from ρ = min(b, τ) (see the class comment). */
  private void plan() {
    normSquared = weight.value().norm2Number().doubleValue();
    normSquared *= normSquared;
    double bound = 2 * conv.kernel() * Math.sqrt(normSquared);
    scale = bound > NORM_CAP ? NORM_CAP / bound : 1.0;
    double[] w = kernelScratch = HostArrays.toDoubles(weight.value(), kernelScratch);
    double[] ws = planSkew = planSkew.length == w.length ? planSkew : new double[w.length];
    for (int e = 0; e < w.length; e++) {
      ws[e] = scale * (w[e] - w[flip[e]]);
    }
    HostArrays.fromDoubles(ws, conv.weight().value());
    double rho = Math.min(bound, NORM_CAP);
    double eps = dataType() == DataType.DOUBLE ? EPS_DOUBLE : EPS_FLOAT;
    int t = 1;
    double remainder = rho * rho / 2; // ρ^{t+1}/(t+1)!
    while (remainder > eps && t < MAX_TERMS) {
      t++;
      remainder *= rho / (t + 1);
    }
    terms = t;
  }

  /**
   * The Jacobian {@code [C·H·W, C_in·H·W]}, the same at every input (the layer is affine): the
   * forward of the identity's rows, less the bias, transposed; one forward of C_in·H·W rows where
   * {@link Jacobians#inputOutput} would forward and backward C·H·W. A new array. Overwrites the
   * layer's cached forward for that batch size.
   */
  public INDArray jacobian() {
    INDArray identity = Nd4j.eye(inSize()).castTo(dataType());
    INDArray rows = forward(identity).dup();
    Broadcast.sub(rows.reshape('c', inSize(), channels, positions), bias.value(),
        rows.reshape('c', inSize(), channels, positions), 1);
    return rows.transpose().dup('c');
  }

  /** The input of the last forward, a reference to the caller's array. */
  public INDArray lastInput() {
    return lastInput;
  }

  @Override
  public String toString() {
    return "SkewOrthogonalConv(" + name + ": " + inChannels + "×" + conv.height() + "×" + conv.width() + "→" + channels
        + ", k=" + conv.kernel() + ")";
  }
}
