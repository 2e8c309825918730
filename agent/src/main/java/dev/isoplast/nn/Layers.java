package dev.isoplast.nn;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Argument checks shared by the layers, with messages that name the layer and the shapes. */
final class Layers {

  private Layers() {}

  static void checkInput(Layer layer, INDArray x, DataType expected) {
    if (x.rank() != 2 || x.columns() != layer.inSize()) {
      throw new IllegalArgumentException(layer.name() + " expects input [B, " + layer.inSize() + "], got "
          + Arrays.toString(x.shape()));
    }
    if (expected != null && x.dataType() != expected) {
      throw new IllegalArgumentException(layer.name() + " holds " + expected + " parameters but got a "
          + x.dataType() + " input; cast it with castTo(" + expected + ")");
    }
  }

  static void checkGradOut(Layer layer, INDArray gradOut, INDArray lastInput) {
    if (lastInput == null) {
      throw new IllegalStateException(layer.name() + ": backward before any forward");
    }
    if (gradOut.rank() != 2 || gradOut.columns() != layer.outSize() || gradOut.rows() != lastInput.rows()) {
      throw new IllegalArgumentException(layer.name() + " expects dL/dout [" + lastInput.rows() + ", "
          + layer.outSize() + "] for its last forward, got " + Arrays.toString(gradOut.shape()));
    }
    if (gradOut.dataType() != lastInput.dataType()) {
      throw new IllegalArgumentException(layer.name() + " got a " + gradOut.dataType() + " gradient for a "
          + lastInput.dataType() + " forward");
    }
  }

  /** x's data type, which must be FLOAT or DOUBLE (layers follow their input's precision). */
  static DataType floatingType(Layer layer, INDArray x) {
    if (x.dataType() != DataType.FLOAT && x.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException(layer.name() + " supports FLOAT or DOUBLE inputs, got " + x.dataType());
    }
    return x.dataType();
  }
}
