package dev.isoplast.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rectified linear unit φ(z) = max(z, 0) (Nair &amp; Hinton 2010), with φ′(0) = 0 as in PyTorch.
 */
public final class ReLU extends ElementwiseActivation {

  public ReLU(String name, int size) {
    super(name, size);
  }

  @Override
  protected void apply(INDArray x, INDArray out) {
    Nd4j.exec(new RectifiedLinear(x, out, 0.0));
  }

  @Override
  protected void derivativeTimes(FloatBuffer y, FloatBuffer g, FloatBuffer out, int n) {
    for (int i = 0; i < n; i++) {
      out.put(i, y.get(i) > 0 ? (g == null ? 1f : g.get(i)) : 0f);
    }
  }

  @Override
  protected void derivativeTimes(DoubleBuffer y, DoubleBuffer g, DoubleBuffer out, int n) {
    for (int i = 0; i < n; i++) {
      out.put(i, y.get(i) > 0 ? (g == null ? 1.0 : g.get(i)) : 0.0);
    }
  }
}
