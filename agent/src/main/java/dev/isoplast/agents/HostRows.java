package dev.isoplast.agents;

import dev.isoplast.nn.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Moves host observation rows into network inputs. */
public final class HostRows {

  private HostRows() {}

  /** Writes host floats into a FLOAT (bulk) or DOUBLE array of the same length. */
  public static void write(float[] src, INDArray dst) {
    if (dst.dataType() == DataType.FLOAT) {
      HostArrays.floats(dst).put(0, src);
    } else {
      var d = HostArrays.doubles(dst);
      for (int i = 0; i < src.length; i++) {
        d.put(i, src[i]);
      }
    }
  }
}
