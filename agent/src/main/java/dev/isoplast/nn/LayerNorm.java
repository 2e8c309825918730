package dev.isoplast.nn;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
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
 * over the features of a row instead of the batch). Row means and batch sums are gemms against a
 * preallocated vector; every buffer is made once per batch size.
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
  private final INDArray meanWeights;
  private final PerBatch<Buffers> buffers;
  private INDArray lastInput;

  private record Buffers(INDArray xhat, INDArray y, INDArray tmp, INDArray dx, INDArray rowMean,
      INDArray rowMean2, INDArray rstd, INDArray ones) {}

  public LayerNorm(String name, int size, DataType dataType) {
    if (size <= 0) {
      throw new IllegalArgumentException("LayerNorm " + name + " needs a positive size, got " + size);
    }
    if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
      throw new IllegalArgumentException("LayerNorm " + name + " supports FLOAT or DOUBLE, got " + dataType);
    }
    this.name = name;
    this.size = size;
    this.gain = new Param(name + ".gamma", Param.Role.NORM_GAIN, false, Nd4j.ones(dataType, size));
    this.bias = new Param(name + ".beta", Param.Role.NORM_BIAS, false, Nd4j.zeros(dataType, size));
    this.meanWeights = Nd4j.zeros(dataType, size, 1).addi(1.0 / size);
    this.buffers = new PerBatch<>(b -> new Buffers(
        Nd4j.zeros(dataType, b, size), Nd4j.zeros(dataType, b, size), Nd4j.zeros(dataType, b, size),
        Nd4j.zeros(dataType, b, size), Nd4j.zeros(dataType, b, 1), Nd4j.zeros(dataType, b, 1),
        Nd4j.zeros(dataType, b, 1), Nd4j.ones(dataType, 1, b)));
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
    Layers.checkInput(this, x, gain.value().dataType());
    rows();
    Buffers buf = buffers.get((int) x.rows());
    INDArray xhat = buf.xhat.assign(x);
    Gemm.gemm(x, meanWeights, buf.rowMean, false, false, 1.0, 0.0);
    xhat.subiColumnVector(buf.rowMean);
    xhat.mul(xhat, buf.tmp);
    Gemm.gemm(buf.tmp, meanWeights, buf.rstd, false, false, 1.0, 0.0);
    buf.rstd.addi(EPS);
    Nd4j.exec(new RSqrt(buf.rstd, buf.rstd));
    xhat.muliColumnVector(buf.rstd);
    buf.y.assign(xhat).muliRowVector(gainRow).addiRowVector(biasRow);
    lastInput = x;
    return buf.y;
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    Layers.checkGradOut(this, gradOut, lastInput);
    rows();
    Buffers buf = buffers.get((int) gradOut.rows());
    Gemm.gemm(buf.ones, gradOut, biasGradRow, false, false, 1.0, 1.0);
    gradOut.mul(buf.xhat, buf.tmp);
    Gemm.gemm(buf.ones, buf.tmp, gainGradRow, false, false, 1.0, 1.0);
    INDArray dx = buf.dx.assign(gradOut).muliRowVector(gainRow);
    Gemm.gemm(dx, meanWeights, buf.rowMean, false, false, 1.0, 0.0);
    dx.mul(buf.xhat, buf.tmp);
    Gemm.gemm(buf.tmp, meanWeights, buf.rowMean2, false, false, 1.0, 0.0);
    buf.tmp.assign(buf.xhat).muliColumnVector(buf.rowMean2);
    dx.subiColumnVector(buf.rowMean).subi(buf.tmp).muliColumnVector(buf.rstd);
    return dx;
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
