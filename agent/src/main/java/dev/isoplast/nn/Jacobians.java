package dev.isoplast.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Input–output Jacobians of any {@link Layer} through its backward contract: forward the input
 * row repeated {@code out} times, backward the identity {@code I_out}; row k of dL/dx is then
 * {@code e_kᵀ J}, so dL/dx is the Jacobian {@code J = ∂f/∂x [out, in]}. This holds because every
 * layer here acts on each row independently (LayerNorm normalises within a row).
 */
public final class Jacobians {

  private Jacobians() {}

  /**
   * The Jacobian {@code [out·H'·W', C·H·W]} of a convolution, the same at every input (it is
   * linear): entry {@code (o·P + p, s)} is the sum of the kernel weights {@code W[o, e]} whose tap
   * e reads image offset s at output position p (P = H'·W'; taps in the zero padding read
   * nothing). Built from the kernel and the layer's im2col table in one pass over out·P·C·k·k
   * entries, where {@link #inputOutput} would forward and backward out·P rows. A new array in the
   * layer's dtype.
   */
  public static INDArray of(Conv2D conv) {
    int[] source = conv.patchSource();
    int fanIn = conv.fanIn();
    int positions = conv.outHeight() * conv.outWidth();
    int in = conv.inSize();
    double[] w = HostArrays.toDoubles(conv.weight().value(), null);
    double[] j = new double[conv.outSize() * in];
    for (int o = 0; o < conv.outChannels(); o++) {
      for (int p = 0; p < positions; p++) {
        int row = (o * positions + p) * in;
        for (int e = 0; e < fanIn; e++) {
          int s = source[p * fanIn + e];
          if (s >= 0) {
            j[row + s] += w[o * fanIn + e];
          }
        }
      }
    }
    INDArray out = Nd4j.zeros(conv.dataType(), conv.outSize(), in);
    HostArrays.fromDoubles(j, out);
    return out;
  }

  /**
   * The Jacobian {@code [out, in]} of {@code layer} at the single input {@code x} ({@code [in]} or
   * {@code [1, in]}), as a new array in the layer's dtype.
   *
   * <p>Side effects: the parameter gradients are saved and restored, so they are left exactly as
   * they were; the layer's cached forward state for batch size {@code out} is overwritten (run the
   * forward you need for backward after this call).
   */
  public static INDArray inputOutput(Layer layer, INDArray x) {
    int in = layer.inSize();
    int out = layer.outSize();
    if (x.length() != in) {
      throw new IllegalArgumentException(layer.name() + " takes " + in + " inputs, got an x of length " + x.length());
    }
    INDArray rows = Nd4j.zeros(x.dataType(), out, in).addiRowVector(x.reshape(1, in));
    INDArray identity = Nd4j.eye(out).castTo(x.dataType());
    List<INDArray> saved = new ArrayList<>();
    for (Param p : layer.params()) {
      saved.add(p.grad().dup());
    }
    try {
      layer.forward(rows);
      return layer.backward(identity).dup();
    } finally {
      List<Param> params = layer.params();
      for (int i = 0; i < params.size(); i++) {
        params.get(i).grad().assign(saved.get(i));
      }
    }
  }
}
