package dev.isoplast.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D convolution (cross-correlation, as PyTorch's {@code nn.Conv2d} and every deep-learning
 * library) on images in NCHW order: {@code z[o, i, j] = b[o] + Σ_{c,u,v} W[o, c, u, v] ·
 * x[c, s·i + u − p, s·j + v − p]}, with kernel k × k, stride s and zero padding p, so the output is
 * {@code [out, H', W']} with {@code H' = ⌊(H + 2p − k)/s⌋ + 1}.
 *
 * <p>Under the {@link Layer} contract a sample is one row: the input {@code [B, C·H·W]} is each
 * image's NCHW tensor flattened row-major (channel, then row, then column), the output
 * {@code [B, out·H'·W']} likewise, so a conv layer chains into another or into a {@link Dense}
 * without a copy, and flattening is free ({@link Flatten} only turns a rank-4 batch into rows).
 *
 * <p>The kernel is stored as its matricisation {@code <name>.W [out, C·k·k]} (each row one output
 * channel's kernel, in (c, u, v) order: PyTorch's {@code weight.reshape(out, -1)}), the bias as
 * {@code <name>.b [out]}. Being a 2-D weight, the kernel is what the isometry regularizers and
 * Parseval/spectral act on through this reshape, as in the paper and Xiao et al. (2018); an
 * orthogonal row space of it is an isometry of the patches, not of the whole convolution.
 *
 * <p>Implementation: im2col and one gemm per direction (Chellapilla, Puri &amp; Simard 2006). Each
 * output position's receptive field becomes a row of {@code cols [B·H'·W', C·k·k]} (a Java gather
 * through an index table made once, zeros where the field overlaps the padding); then
 * {@code zᵀ = cols Wᵀ + b} is one {@link Gemm}, permuted to NCHW by one ND4J assign. Backward, with
 * {@code δᵀ [B·H'·W', out]} the permuted dL/dz: {@code dW += δ cols}, {@code db += 1ᵀ δᵀ},
 * {@code dcols = δᵀ W}, scattered back onto the image (col2im, the gather's adjoint). Measured 3–7×
 * faster than libnd4j's native {@code conv2d}/{@code conv2d_bp} ops at MinAtar's and the
 * Nature-CNN's sizes (docs/performance.md, "Convolutions"). Every buffer is made once per batch size.
 */
public final class Conv2D implements AffineLayer {

  private final String name;
  private final int inChannels;
  private final int height;
  private final int width;
  private final int outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final int outHeight;
  private final int outWidth;
  private final Param weight;
  private final Param bias;
  private final int[] source; // per sample: for each entry of cols, its offset in the image, or -1 in the padding
  private final RowView biasGradRow = new RowView(); // a [1, out] view of bias.grad()
  private final PerBatch<Buffers> buffers;
  private INDArray lastInput;
  private Init init;

  /** cols and dcols [B·P, C·k·k]; zT and dT [B·P, out] (P = H'·W'); z [B, out·P]; dx [B, C·H·W]. */
  private record Buffers(INDArray cols, INDArray zT, INDArray z, INDArray dT, INDArray dcols, INDArray dx,
      INDArray ones, ContiguousCopy inCopy) {}

  /** The padding of a k × k kernel by name: {@code valid} = 0; {@code same} = (k − 1)/2, odd k only. */
  public static int padding(String name, int kernel) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "valid" -> 0;
      case "same" -> {
        if (kernel % 2 == 0) {
          throw new IllegalArgumentException("padding 'same' needs an odd kernel size, got " + kernel);
        }
        yield (kernel - 1) / 2;
      }
      default -> throw new IllegalArgumentException("padding must be 'same', 'valid' or a number, got '" + name + "'");
    };
  }

  /**
   * @param padding zero padding on each side of each spatial dimension ({@link #padding(String, int)}
   *     for {@code same}/{@code valid})
   * @param head true for an output head (excluded from the isometry regularizer by default)
   */
  public Conv2D(String name, int inChannels, int height, int width, int outChannels, int kernel, int stride,
      int padding, boolean head, DataType dataType) {
    if (inChannels <= 0 || height <= 0 || width <= 0 || outChannels <= 0 || kernel <= 0 || stride <= 0
        || padding < 0) {
      throw new IllegalArgumentException("Conv2D " + name + " needs positive channels, image size, kernel and stride"
          + " and padding >= 0, got in=" + inChannels + "×" + height + "×" + width + ", out=" + outChannels
          + ", kernel=" + kernel + ", stride=" + stride + ", padding=" + padding);
    }
    if (height + 2 * padding < kernel || width + 2 * padding < kernel) {
      throw new IllegalArgumentException("Conv2D " + name + ": a " + kernel + "×" + kernel + " kernel does not fit a "
          + height + "×" + width + " image with padding " + padding);
    }
    if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
      throw new IllegalArgumentException("Conv2D " + name + " supports FLOAT or DOUBLE, got " + dataType);
    }
    this.name = name;
    this.inChannels = inChannels;
    this.height = height;
    this.width = width;
    this.outChannels = outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.outHeight = (height + 2 * padding - kernel) / stride + 1;
    this.outWidth = (width + 2 * padding - kernel) / stride + 1;
    int fanIn = inChannels * kernel * kernel;
    this.weight = new Param(name + ".W", Param.Role.WEIGHT, head, Nd4j.zeros(dataType, outChannels, fanIn));
    this.bias = new Param(name + ".b", Param.Role.BIAS, head, Nd4j.zeros(dataType, outChannels));
    this.source = im2colIndex();
    int in = inSize();
    long positions = (long) outHeight * outWidth;
    this.buffers = new PerBatch<>(b -> new Buffers(Nd4j.zeros(dataType, b * positions, fanIn),
        Nd4j.zeros(dataType, b * positions, outChannels), Nd4j.zeros(dataType, b, outSize()),
        Nd4j.zeros(dataType, b * positions, outChannels), Nd4j.zeros(dataType, b * positions, fanIn),
        Nd4j.zeros(dataType, b, in), Nd4j.ones(dataType, 1, b * positions), new ContiguousCopy()));
  }

  /** For output position (i, j) and kernel entry (c, u, v), the image offset it reads, or -1. */
  private int[] im2colIndex() {
    int fanIn = inChannels * kernel * kernel;
    int[] src = new int[outHeight * outWidth * fanIn];
    int at = 0;
    for (int i = 0; i < outHeight; i++) {
      for (int j = 0; j < outWidth; j++) {
        for (int c = 0; c < inChannels; c++) {
          for (int u = 0; u < kernel; u++) {
            for (int v = 0; v < kernel; v++) {
              int r = stride * i + u - padding;
              int q = stride * j + v - padding;
              src[at++] = r >= 0 && r < height && q >= 0 && q < width ? (c * height + r) * width + q : -1;
            }
          }
        }
      }
    }
    return src;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int inSize() {
    return inChannels * height * width;
  }

  @Override
  public int outSize() {
    return outChannels * outHeight * outWidth;
  }

  public int inChannels() {
    return inChannels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int outChannels() {
    return outChannels;
  }

  public int outHeight() {
    return outHeight;
  }

  public int outWidth() {
    return outWidth;
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  public int padding() {
    return padding;
  }

  @Override
  public List<Param> params() {
    return List.of(weight, bias);
  }

  /** The kernel as a matrix {@code [out, C·k·k]}. */
  public Param weight() {
    return weight;
  }

  public Param bias() {
    return bias;
  }

  public boolean isHead() {
    return weight.isHead();
  }

  public DataType dataType() {
    return weight.value().dataType();
  }

  /** The {@link Init} that last filled this layer, or null. */
  public Init init() {
    return init;
  }

  void initializedBy(Init init) {
    this.init = init;
  }

  @Override
  public INDArray forward(INDArray x) {
    Layers.checkInput(this, x, dataType());
    int batch = (int) x.rows();
    Buffers buf = buffers.get(batch);
    im2col(buf.inCopy.of(x, dataType()), buf.cols, batch);
    Gemm.gemm(buf.cols, weight.value(), buf.zT, false, true, 1.0, 0.0);
    int positions = outHeight * outWidth;
    if (HostArrays.isContiguous(bias.value())) {
      transposeSamples(buf.zT, buf.z, batch, positions, outChannels, bias.value());
    } else {
      Kernels.addRowVector(buf.zT, bias.value());
      buf.z.reshape('c', batch, outChannels, positions)
          .assign(buf.zT.reshape('c', batch, positions, outChannels).permute(0, 2, 1));
    }
    lastInput = x;
    return buf.z;
  }

  /**
   * Per sample, {@code dst[n, j, i] = src[n, i, j] + b[j]} with src's sample an [rows, cols]
   * row-major block and dst's the [cols, rows] block (b null: no bias): the permutation between one
   * row per (sample, position) and NCHW, with the bias added on the way, as one pass through Java
   * arrays instead of an ND4J permuted assign and a bias pass (docs/performance.md, "Element loops
   * through Java arrays"). Both arrays contiguous.
   */
  private static void transposeSamples(INDArray src, INDArray dst, int batch, int rows, int cols, INDArray b) {
    int per = rows * cols;
    if (src.dataType() == DataType.FLOAT) {
      FloatBuffer ss = HostArrays.floats(src);
      FloatBuffer ds = HostArrays.floats(dst);
      float[] sa = HostArrays.floatScratch(0, per);
      float[] da = HostArrays.floatScratch(1, per);
      float[] ba = b == null ? null : HostArrays.floatScratch(2, cols);
      if (b != null) {
        HostArrays.floats(b).get(0, ba, 0, cols);
      }
      for (int n = 0, o = 0; n < batch; n++, o += per) {
        ss.get(o, sa, 0, per);
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < cols; j++) {
            da[j * rows + i] = sa[i * cols + j];
          }
        }
        for (int j = 0; b != null && j < cols; j++) { // no bias: a plain copy, which keeps the sign of a zero
          for (int i = j * rows, end = i + rows; i < end; i++) {
            da[i] += ba[j];
          }
        }
        ds.put(o, da, 0, per);
      }
    } else {
      DoubleBuffer ss = HostArrays.doubles(src);
      DoubleBuffer ds = HostArrays.doubles(dst);
      double[] sa = HostArrays.doubleScratch(0, per);
      double[] da = HostArrays.doubleScratch(1, per);
      double[] ba = b == null ? null : HostArrays.doubleScratch(2, cols);
      if (b != null) {
        HostArrays.doubles(b).get(0, ba, 0, cols);
      }
      for (int n = 0, o = 0; n < batch; n++, o += per) {
        ss.get(o, sa, 0, per);
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < cols; j++) {
            da[j * rows + i] = sa[i * cols + j];
          }
        }
        for (int j = 0; b != null && j < cols; j++) { // no bias: a plain copy, which keeps the sign of a zero
          for (int i = j * rows, end = i + rows; i < end; i++) {
            da[i] += ba[j];
          }
        }
        ds.put(o, da, 0, per);
      }
    }
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    return backward(gradOut, true);
  }

  /**
   * {@link #backward(INDArray)}, optionally skipping dL/dx (a gemm as large as the forward's and
   * the col2im scatter) when nothing upstream needs it, as for the first layer of a network during
   * training; then returns null.
   */
  public INDArray backward(INDArray gradOut, boolean inputGradient) {
    Buffers buf = permuteGradient(gradOut);
    Gemm.gemm(buf.dT, buf.cols, weight.grad(), true, false, 1.0, 1.0);
    Kernels.addColumnSums(buf.dT, bias.grad(), buf.ones, biasGradRow.of(bias.grad()));
    return inputGradient ? inputGradientOf(buf, (int) gradOut.rows()) : null;
  }

  /**
   * {@code into += scale · Σ_n Δ_n cols_n}: the kernel gradient for output gradient {@code gradOut}
   * on the last forward's patches, scaled, without the bias's (for {@link SkewOrthogonalConv}, one
   * per term of its exponential). {@code into} is {@code [out, C·k·k]}.
   */
  void addKernelGradient(INDArray gradOut, double scale, INDArray into) {
    Gemm.gemm(permuteGradient(gradOut).dT, lastPatches(), into, true, false, scale, 1.0);
  }

  /**
   * Each sample's kernel gradient for output gradient {@code gradOut} on the last forward's
   * patches, {@code Δ_n cols_n} ([out, P] times its patches [P, C·k·k], the kernel being shared
   * over the P positions), flattened: a new {@code [B, out·C·k·k]} array (for the NTK).
   */
  public INDArray perSampleKernelGradients(INDArray gradOut) {
    Layers.checkGradOut(this, gradOut, lastInput);
    int b = (int) gradOut.rows();
    int positions = outHeight * outWidth;
    INDArray delta = gradOut.reshape('c', b, outChannels, positions);
    INDArray patches = lastPatches().reshape('c', b, positions, fanIn());
    return Nd4j.matmul(delta, patches).reshape('c', b, (long) outChannels * fanIn());
  }

  /**
   * dL/dx alone (one gemm and the col2im scatter), leaving the parameter gradients untouched (for
   * the NTK, which needs the deltas of every output but no gradient). Same buffer as
   * {@link #backward(INDArray)}'s.
   */
  public INDArray inputGradient(INDArray gradOut) {
    return inputGradientOf(permuteGradient(gradOut), (int) gradOut.rows());
  }

  /** dT ← gradOut permuted from NCHW rows to one row per (sample, position). */
  private Buffers permuteGradient(INDArray gradOut) {
    Layers.checkGradOut(this, gradOut, lastInput);
    int batch = (int) gradOut.rows();
    Buffers buf = buffers.get(batch);
    int positions = outHeight * outWidth;
    if (HostArrays.isContiguous(gradOut) && gradOut.dataType() == buf.dT.dataType()) {
      transposeSamples(gradOut, buf.dT, batch, outChannels, positions, null);
    } else {
      buf.dT.reshape('c', batch, positions, outChannels)
          .assign(gradOut.reshape('c', batch, outChannels, positions).permute(0, 2, 1));
    }
    return buf;
  }

  private INDArray inputGradientOf(Buffers buf, int batch) {
    Gemm.gemm(buf.dT, weight.value(), buf.dcols, false, false, 1.0, 0.0);
    col2im(buf.dcols, buf.dx, batch);
    return buf.dx;
  }

  /**
   * The im2col patches of the last forward {@code [B·H'·W', C·k·k]}: row n·P + p is sample n's
   * receptive field at output position p (zeros where it overlaps the padding), so that sample n's
   * kernel gradient is {@code Δ_n cols_n} with Δ_n its dL/dz as {@code [out, P]}. Owned by the
   * layer, valid until its next forward with the same batch size (for the NTK).
   */
  public INDArray lastPatches() {
    if (lastInput == null) {
      throw new IllegalStateException(name + ": patches before any forward");
    }
    return buffers.get((int) lastInput.rows()).cols;
  }

  /**
   * For output position p and kernel entry e (in (c, u, v) order), the offset in a sample's image
   * that entry {@code p·C·k·k + e} of the patches reads, or -1 in the padding: the convolution's
   * sparsity pattern, for {@link Jacobians#of(Conv2D)}. The layer's own array: do not modify it.
   */
  int[] patchSource() {
    return source;
  }

  /**
   * cols[n·P + p, e] = x[n, source[p·C·k·k + e]] (0 in the padding); x must be contiguous. Sample
   * by sample through Java arrays ({@link HostArrays#floatScratch}).
   */
  private void im2col(INDArray x, INDArray cols, int batch) {
    int in = inSize();
    int per = source.length;
    if (x.dataType() == DataType.FLOAT) {
      FloatBuffer xs = HostArrays.floats(x);
      FloatBuffer cs = HostArrays.floats(cols);
      float[] xa = HostArrays.floatScratch(0, in);
      float[] ca = HostArrays.floatScratch(1, per);
      for (int n = 0, xo = 0, co = 0; n < batch; n++, xo += in, co += per) {
        xs.get(xo, xa, 0, in);
        for (int e = 0; e < per; e++) {
          int s = source[e];
          ca[e] = s < 0 ? 0f : xa[s];
        }
        cs.put(co, ca, 0, per);
      }
    } else {
      DoubleBuffer xs = HostArrays.doubles(x);
      DoubleBuffer cs = HostArrays.doubles(cols);
      double[] xa = HostArrays.doubleScratch(0, in);
      double[] ca = HostArrays.doubleScratch(1, per);
      for (int n = 0, xo = 0, co = 0; n < batch; n++, xo += in, co += per) {
        xs.get(xo, xa, 0, in);
        for (int e = 0; e < per; e++) {
          int s = source[e];
          ca[e] = s < 0 ? 0.0 : xa[s];
        }
        cs.put(co, ca, 0, per);
      }
    }
  }

  /** The adjoint of {@link #im2col}: dx[n, source[e]] = Σ dcols[n·P + p, e] over the entries reading it. */
  private void col2im(INDArray dcols, INDArray dx, int batch) {
    int in = inSize();
    int per = source.length;
    if (dx.dataType() == DataType.FLOAT) {
      FloatBuffer ds = HostArrays.floats(dcols);
      FloatBuffer xs = HostArrays.floats(dx);
      float[] xa = HostArrays.floatScratch(0, in);
      float[] da = HostArrays.floatScratch(1, per);
      for (int n = 0, xo = 0, co = 0; n < batch; n++, xo += in, co += per) {
        ds.get(co, da, 0, per);
        java.util.Arrays.fill(xa, 0, in, 0f);
        for (int e = 0; e < per; e++) {
          int s = source[e];
          if (s >= 0) {
            xa[s] += da[e];
          }
        }
        xs.put(xo, xa, 0, in);
      }
    } else {
      DoubleBuffer ds = HostArrays.doubles(dcols);
      DoubleBuffer xs = HostArrays.doubles(dx);
      double[] xa = HostArrays.doubleScratch(0, in);
      double[] da = HostArrays.doubleScratch(1, per);
      for (int n = 0, xo = 0, co = 0; n < batch; n++, xo += in, co += per) {
        ds.get(co, da, 0, per);
        java.util.Arrays.fill(xa, 0, in, 0.0);
        for (int e = 0; e < per; e++) {
          int s = source[e];
          if (s >= 0) {
            xa[s] += da[e];
          }
        }
        xs.put(xo, xa, 0, in);
      }
    }
  }

  /** The input of the last forward {@code [B, C·H·W]}, a reference to the caller's array. */
  public INDArray lastInput() {
    return lastInput;
  }

  @Override
  public String toString() {
    return "Conv2D(" + name + ": " + inChannels + "×" + height + "×" + width + "→" + outChannels + "×" + outHeight
        + "×" + outWidth + ", k=" + kernel + ", s=" + stride + ", p=" + padding + (isHead() ? ", head" : "") + ")";
  }
}
