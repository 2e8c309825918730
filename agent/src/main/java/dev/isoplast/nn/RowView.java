package dev.isoplast.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A [1, n] view of a parameter's array (for the gemms and row-vector kernels that want a row), made
 * again only when the array itself changed: building a network moves its parameters into flat
 * buffers ({@link FlatParams}), which replaces the arrays.
 */
final class RowView {

  private INDArray of;
  private INDArray row;

  INDArray of(INDArray a) {
    if (of != a) {
      of = a;
      row = a.reshape(1, a.length());
    }
    return row;
  }
}
