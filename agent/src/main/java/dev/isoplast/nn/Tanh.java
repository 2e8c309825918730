package dev.isoplast.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Hyperbolic tangent φ(z) = tanh z, with φ′ = 1 − tanh² z = 1 − h². */
public final class Tanh extends ElementwiseActivation {

  public Tanh(String name, int size) {
    super(name, size);
  }

  @Override
  protected void apply(INDArray x, INDArray out) {
    Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh(x, out));
  }

  @Override
  protected void derivativeTimes(float[] y, float[] g, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      float h = y[i];
      float d = 1f - h * h;
      out[i] = g == null ? d : d * g[i];
    }
  }

  @Override
  protected void derivativeTimes(double[] y, double[] g, double[] out, int n) {
    for (int i = 0; i < n; i++) {
      double h = y[i];
      double d = 1.0 - h * h;
      out[i] = g == null ? d : d * g[i];
    }
  }
}
