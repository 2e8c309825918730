package dev.isoplast.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A parameter-free layer {@code h = φ(z)} of one width whose Jacobian at each sample is sparse:
 * diagonal ({@link ElementwiseActivation}) or a permutation ({@link GroupSort}).
 *
 * <p>For the monitors (DESIGN.md §8): the layer Jacobian of a hidden layer is
 * {@code J_l = ∂φ/∂z (z_l) · W_l}, with {@code ∂φ/∂z} from {@link #jacobian(int)}; the dormant-unit
 * score uses the post-activations {@link #lastOutput()}.
 */
public interface Activation extends Layer {

  /** The width (input and output size). */
  int size();

  @Override
  default int inSize() {
    return size();
  }

  @Override
  default int outSize() {
    return size();
  }

  @Override
  default List<Param> params() {
    return List.of();
  }

  /** The pre-activations z of the last forward, a reference to the caller's array. */
  INDArray lastInput();

  /** The post-activations h of the last forward (the array forward returned). */
  INDArray lastOutput();

  /**
   * The Jacobian ∂h/∂z {@code [size, size]} of sample {@code row} of the last forward, as a new
   * array: {@code diag(φ′(z))} for an elementwise φ, a permutation matrix for GroupSort.
   */
  INDArray jacobian(int row);
}
