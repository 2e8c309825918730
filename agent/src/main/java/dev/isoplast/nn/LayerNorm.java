package dev.isoplast.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Layer normalisation (Ba, Kiros &amp; Hinton 2016) over the features of each row:
 * {@code μ = mean_j x_j}, {@code σ² = mean_j (x_j − μ)²}, {@code x̂ = (x − μ)/√(σ² + ε)},
 * {@code y = γ ⊙ x̂ + β}, with ε = {@link #EPS} as in PyTorch and learnable gain
 * {@code <name>.gamma} (NORM_GAIN, initially 1) and bias {@code <name>.beta} (NORM_BIAS, initially 0).
 *
 * <p>Backward, with {@code g = dL/dy}: {@code dγ += Σ_b g ⊙ x̂}, {@code dβ += Σ_b g}, and with
 * {@code ĝ = g ⊙ γ}: {@code dL/dx = (ĝ − mean_j ĝ − x̂ ⊙ mean_j(ĝ ⊙ x̂)) / √(σ² + ε)} (the
 * chain rule through μ and σ, as Ioffe &amp; Szegedy 2015 give it for batch normalisation, here
 * over the features of a row instead of the batch). Both are Java passes over the arrays' memory,
 * row by row, with the row statistics (μ, σ², mean_j ĝ, mean_j ĝ ⊙ x̂) and the batch sums of dγ, dβ
 * accumulated in double whatever the dtype; every buffer is made once per batch size. (The ND4J
 * form before, broadcast ops and gemms against a vector of ones, cost ~4 ms per step for two
 * 16 × 100 LayerNorms, ~15 broadcast ops of 100–300 µs each: docs/performance.md.)
 */
public final class LayerNorm implements Layer {

  /** PyTorch's default ε. */
  public static final double EPS = 1e-5;

  private final String name;
  private final int size;
  private final Param gain;
  private final Param bias;
  // [1, size] views of the parameters' arrays, made again if the network's buffers moved (rows())
  private INDArray gainRow;
  private INDArray biasRow;
  private INDArray gainGradRow;
  private INDArray biasGradRow;
  private INDArray rowsOf; // gain.value() when the rows were made
  private final DataType dataType;
  private final PerBatch<Buffers> buffers;
  private final double[] sumG; // Σ_b g_j and Σ_b g_j x̂_j of a backward, per feature
  private final double[] sumGx;
  private INDArray lastInput;

  private static final class Buffers {
    final INDArray xhat;
    final INDArray y;
    final INDArray dx;
    final double[] rstd; // 1/√(σ² + ε) per row
    final ContiguousCopy input = new ContiguousCopy();
    final ContiguousCopy grad = new ContiguousCopy();

    Buffers(DataType type, int rows, int size) {
      xhat = Nd4j.zeros(type, rows, size);
      y = Nd4j.zeros(type, rows, size);
      dx = Nd4j.zeros(type, rows, size);
      rstd = new double[rows];
    }
  }

  public LayerNorm(String name, int size, DataType dataType) {
    if (size <= 0) {
      throw new IllegalArgumentException("LayerNorm " + name + " needs a positive size, got " + size);
    }
    if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
      throw new IllegalArgumentException("LayerNorm " + name + " supports FLOAT or DOUBLE, got " + dataType);
    }
    this.name = name;
    this.size = size;
    this.dataType = dataType;
    this.gain = new Param(name + ".gamma", Param.Role.NORM_GAIN, false, Nd4j.ones(dataType, size));
    this.bias = new Param(name + ".beta", Param.Role.NORM_BIAS, false, Nd4j.zeros(dataType, size));
    this.buffers = new PerBatch<>(b -> new Buffers(dataType, b, size));
    this.sumG = new double[size];
    this.sumGx = new double[size];
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int inSize() {
    return size;
  }

  @Override
  public int outSize() {
    return size;
  }

  @Override
  public List<Param> params() {
    return List.of(gain, bias);
  }

  public Param gain() {
    return gain;
  }

  public Param bias() {
    return bias;
  }

  @Override
  public INDArray forward(INDArray x) {
    Layers.checkInput(this, x, dataType);
    rows();
    int batch = (int) x.rows();
    Buffers buf = buffers.get(batch);
    Host in = new Host(buf.input.of(x, dataType));
    Host xhat = new Host(buf.xhat);
    Host y = new Host(buf.y);
    Host gamma = new Host(gainRow);
    Host beta = new Host(biasRow);
    for (int b = 0; b < batch; b++) {
      int base = b * size;
      double sum = 0;
      for (int j = 0; j < size; j++) {
        sum += in.get(base + j);
      }
      double mean = sum / size;
      double squares = 0;
      for (int j = 0; j < size; j++) {
        double d = in.get(base + j) - mean;
        squares += d * d;
      }
      double rstd = 1 / Math.sqrt(squares / size + EPS);
      buf.rstd[b] = rstd;
      for (int j = 0; j < size; j++) {
        xhat.set(base + j, (in.get(base + j) - mean) * rstd);
        y.set(base + j, gamma.get(j) * xhat.get(base + j) + beta.get(j));
      }
    }
    lastInput = x;
    return buf.y;
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    Layers.checkGradOut(this, gradOut, lastInput);
    rows();
    int batch = (int) gradOut.rows();
    Buffers buf = buffers.get(batch);
    Host g = new Host(buf.grad.of(gradOut, dataType));
    Host xhat = new Host(buf.xhat);
    Host gamma = new Host(gainRow);
    Host dx = new Host(buf.dx);
    java.util.Arrays.fill(sumG, 0);
    java.util.Arrays.fill(sumGx, 0);
    for (int b = 0; b < batch; b++) {
      int base = b * size;
      double meanGh = 0;
      double meanGhXhat = 0;
      for (int j = 0; j < size; j++) {
        double gj = g.get(base + j);
        double xj = xhat.get(base + j);
        sumG[j] += gj;
        sumGx[j] += gj * xj;
        double gh = gj * gamma.get(j);
        meanGh += gh;
        meanGhXhat += gh * xj;
      }
      meanGh /= size;
      meanGhXhat /= size;
      double rstd = buf.rstd[b];
      for (int j = 0; j < size; j++) {
        double gh = g.get(base + j) * gamma.get(j);
        dx.set(base + j, (gh - meanGh - xhat.get(base + j) * meanGhXhat) * rstd);
      }
    }
    Host dGamma = new Host(gainGradRow);
    Host dBeta = new Host(biasGradRow);
    for (int j = 0; j < size; j++) {
      dGamma.set(j, dGamma.get(j) + sumGx[j]);
      dBeta.set(j, dBeta.get(j) + sumG[j]);
    }
    return buf.dx;
  }

  /** The elements of a contiguous FLOAT or DOUBLE array, read and written as doubles. */
  private static final class Host {
    private final FloatBuffer f;
    private final DoubleBuffer d;

    Host(INDArray a) {
      f = a.dataType() == DataType.DOUBLE ? null : HostArrays.floats(a);
      d = f == null ? HostArrays.doubles(a) : null;
    }

    double get(int i) {
      return f != null ? f.get(i) : d.get(i);
    }

    void set(int i, double v) {
      if (f != null) {
        f.put(i, (float) v);
      } else {
        d.put(i, v);
      }
    }
  }

  /** Makes the [1, size] row views of the parameters' arrays again if the network's buffers moved them. */
  private void rows() {
    if (rowsOf != gain.value()) {
      rowsOf = gain.value();
      gainRow = gain.value().reshape(1, size);
      biasRow = bias.value().reshape(1, size);
      gainGradRow = gain.grad().reshape(1, size);
      biasGradRow = bias.grad().reshape(1, size);
    }
  }

  /** x̂ of the last forward {@code [B, size]} (owned by the layer). */
  public INDArray lastNormalized() {
    return lastInput == null ? null : buffers.get((int) lastInput.rows()).xhat;
  }

  @Override
  public String toString() {
    return "LayerNorm(" + name + ": " + size + ")";
  }
}
