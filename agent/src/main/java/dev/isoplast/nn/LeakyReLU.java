package dev.isoplast.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Leaky ReLU φ(z) = z for z &gt; 0, else slope·z (Maas et al. 2013); PyTorch's default slope is
 * {@link #DEFAULT_SLOPE}. The slope must be ≥ 0 so that the sign of the output tells the branch.
 */
public final class LeakyReLU extends ElementwiseActivation {

  /** PyTorch's {@code negative_slope} default. */
  public static final double DEFAULT_SLOPE = 0.01;

  private final double slope;

  public LeakyReLU(String name, int size, double slope) {
    super(name, size);
    if (!(slope >= 0) || Double.isInfinite(slope)) {
      throw new IllegalArgumentException("LeakyReLU " + name + " needs a finite slope >= 0, got " + slope);
    }
    this.slope = slope;
  }

  public double slope() {
    return slope;
  }

  @Override
  protected void apply(INDArray x, INDArray out) {
    Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.LeakyReLU(x, out, slope));
  }

  @Override
  protected void derivativeTimes(float[] y, float[] g, float[] out, int n) {
    float s = (float) slope;
    for (int i = 0; i < n; i++) {
      float p = positive(y[i]);
      float d = p + (1f - p) * s;
      out[i] = g == null ? d : d * g[i];
    }
  }

  @Override
  protected void derivativeTimes(double[] y, double[] g, double[] out, int n) {
    for (int i = 0; i < n; i++) {
      double p = positive(y[i]);
      double d = p + (1.0 - p) * slope;
      out[i] = g == null ? d : d * g[i];
    }
  }
}
