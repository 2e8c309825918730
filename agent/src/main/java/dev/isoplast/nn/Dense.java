package dev.isoplast.nn;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fully connected layer {@code z = x Wᵀ + b} on a batch of rows, i.e. {@code z = W a + b} per
 * sample as in the papers, with {@code W [out, in]} ({@code <name>.W}) and {@code b [out]}
 * ({@code <name>.b}).
 *
 * <p>Backward (standard backpropagation, Rumelhart et al. 1986), with {@code δ = dL/dz [B, out]}:
 * {@code dW += δᵀ x}, {@code db += 1ᵀ δ}, {@code dL/dx = δ W}. The products are BLAS gemms into
 * preallocated arrays (the weight gradient accumulates through gemm's β = 1); the bias broadcast
 * and the bias gradient's column sums are Java loops ({@link Kernels}), so a step allocates
 * nothing.
 *
 * <p>For the monitors (DESIGN.md §8): {@link #lastInput()} is A_{l−1} and {@link #lastDelta()} is
 * Δ_l, the two factors of the empirical NTK {@code K = Σ_l (Δ_l Δ_lᵀ) ⊙ (A_{l−1} A_{l−1}ᵀ + 1)}.
 * Parameters are created zero; an {@link Init} fills them.
 */
public final class Dense implements AffineLayer {

  /**
   * System property: the largest product (rows · in · out multiply-adds) that {@link #forward}
   * computes in one Java pass instead of a BLAS gemm (default 20,000: the rollout's layers on a
   * few envs' rows; 0 = always BLAS, as before that pass existed), read when a layer is made. The
   * two sum in different orders, so results differ in the last bits between settings, never between
   * runs with one setting.
   */
  public static final String SMALL_AFFINE_PROPERTY = "isoplast.smallAffineMax";

  private final String name;
  private final int in;
  private final int out;
  private final Param weight;
  private final Param bias;
  private final RowView biasGradRow = new RowView(); // a [1, out] view of bias.grad()
  private final PerBatch<Buffers> buffers;
  private final int smallAffineMax = Kernels.smallAffineMax(); // read once per layer, not per forward
  private INDArray lastInput;
  private INDArray lastDelta;
  private Init init;

  private record Buffers(INDArray z, INDArray dx, INDArray ones) {}

  /**
   * @param head true for an output head: its parameters are marked {@link Param#isHead()} and so
   *     excluded from the isometry regularizer by default
   */
  public Dense(String name, int in, int out, boolean head, DataType dataType) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException("Dense " + name + " needs positive sizes, got in=" + in + ", out=" + out);
    }
    if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
      throw new IllegalArgumentException("Dense " + name + " supports FLOAT or DOUBLE, got " + dataType);
    }
    this.name = name;
    this.in = in;
    this.out = out;
    this.weight = new Param(name + ".W", Param.Role.WEIGHT, head, Nd4j.zeros(dataType, out, in));
    this.bias = new Param(name + ".b", Param.Role.BIAS, head, Nd4j.zeros(dataType, out));
    this.buffers = new PerBatch<>(b -> new Buffers(
        Nd4j.zeros(dataType, b, out), Nd4j.zeros(dataType, b, in), Nd4j.ones(dataType, 1, b)));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int inSize() {
    return in;
  }

  @Override
  public int outSize() {
    return out;
  }

  @Override
  public List<Param> params() {
    return List.of(weight, bias);
  }

  public Param weight() {
    return weight;
  }

  public Param bias() {
    return bias;
  }

  /**
   * The {@link Init} that last filled this layer ({@link Init#apply}), or null if none did: what
   * interventions that re-initialise units or layers draw fresh weights from.
   */
  public Init init() {
    return init;
  }

  void initializedBy(Init init) {
    this.init = init;
  }

  public boolean isHead() {
    return weight.isHead();
  }

  public DataType dataType() {
    return weight.value().dataType();
  }

  @Override
  public INDArray forward(INDArray x) {
    Layers.checkInput(this, x, dataType());
    Buffers buf = buffers.get((int) x.rows());
    if (!Kernels.smallAffine(x, weight.value(), bias.value(), buf.z, smallAffineMax)) {
      Gemm.gemm(x, weight.value(), buf.z, false, true, 1.0, 0.0);
      Kernels.addRowVector(buf.z, bias.value());
    }
    lastInput = x;
    return buf.z;
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    return backward(gradOut, true);
  }

  /**
   * {@link #backward(INDArray)}, optionally skipping dL/dx (one gemm) when nothing upstream needs
   * it, as for the first layer of a network during training; then returns null.
   */
  public INDArray backward(INDArray gradOut, boolean inputGradient) {
    Layers.checkGradOut(this, gradOut, lastInput);
    Buffers buf = buffers.get((int) gradOut.rows());
    Gemm.gemm(gradOut, lastInput, weight.grad(), true, false, 1.0, 1.0);
    Kernels.addColumnSums(gradOut, bias.grad(), buf.ones, biasGradRow.of(bias.grad()));
    lastDelta = gradOut;
    if (!inputGradient) {
      return null;
    }
    Gemm.gemm(gradOut, weight.value(), buf.dx, false, false, 1.0, 0.0);
    return buf.dx;
  }

  /**
   * dL/dx = gradOut · W alone, leaving the parameter gradients untouched (for the NTK, which needs
   * the deltas of every output but no gradient). Same buffer as {@link #backward(INDArray)}'s.
   */
  public INDArray inputGradient(INDArray gradOut) {
    Layers.checkGradOut(this, gradOut, lastInput);
    Buffers buf = buffers.get((int) gradOut.rows());
    Gemm.gemm(gradOut, weight.value(), buf.dx, false, false, 1.0, 0.0);
    return buf.dx;
  }

  /**
   * The input of the last forward, A_{l−1} {@code [B, in]}: a reference to the caller's array,
   * valid as long as the caller leaves it alone (inside a {@link Sequential}, until the previous
   * layer's next forward).
   */
  public INDArray lastInput() {
    return lastInput;
  }

  /**
   * The dL/dz {@code [B, out]} of the last backward (Δ_l): a reference to the array that was passed
   * in, valid as long as its owner leaves it alone (inside a {@link Sequential}, until the next
   * layer's next backward).
   */
  public INDArray lastDelta() {
    return lastDelta;
  }

  @Override
  public String toString() {
    return "Dense(" + name + ": " + in + "→" + out + (isHead() ? ", head" : "") + ")";
  }
}
