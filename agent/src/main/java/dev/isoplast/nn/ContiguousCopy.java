package dev.isoplast.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A scratch array that makes an input contiguous for the layers' host loops: {@link #of} returns the
 * array itself when it is already contiguous (the usual case), else its copy in a buffer allocated
 * on first need and reused after.
 */
final class ContiguousCopy {

  private INDArray scratch;

  /** {@code a} if contiguous, else its copy in a scratch array of {@code dataType}. */
  INDArray of(INDArray a, DataType dataType) {
    if (HostArrays.isContiguous(a)) {
      return a;
    }
    if (scratch == null) {
      scratch = Nd4j.zeros(dataType, a.shape());
    }
    return scratch.assign(a);
  }
}
