package dev.isoplast.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one backward contract every layer follows (Dense, activations, LayerNorm, whole networks).
 *
 * <ul>
 *   <li>{@link #forward} takes a batch {@code x [B, inSize]} and returns {@code [B, outSize]}; it
 *       caches what backward needs. The returned array belongs to the layer (preallocated per
 *       batch size) and stays valid until the next forward with the same batch size: copy it to
 *       keep it.
 *   <li>{@link #backward} takes {@code dL/dout [B, outSize]} for the most recent forward, ADDS
 *       {@code dL/dθ} into each {@link Param#grad()}, and returns {@code dL/dx [B, inSize]} (also
 *       owned by the layer). It must not modify its argument.
 * </ul>
 */
public interface Layer {

  String name();

  int inSize();

  int outSize();

  /** Trainable parameters (empty for activations). */
  List<Param> params();

  INDArray forward(INDArray x);

  INDArray backward(INDArray gradOut);
}
