package dev.isoplast.testing;

import dev.isoplast.nn.HostArrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded test arrays drawn from a Java {@link RandomGenerator}, independent of ND4J's global RNG. */
public final class RandomArrays {

  private RandomArrays() {}

  /** Standard normal entries. */
  public static INDArray gaussian(RandomGenerator rng, DataType type, long... shape) {
    INDArray a = Nd4j.zeros(type, shape);
    double[] v = new double[(int) a.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextGaussian();
    }
    HostArrays.fromDoubles(v, a);
    return a;
  }

  /** Entries uniform in [lo, hi). */
  public static INDArray uniform(RandomGenerator rng, double lo, double hi, DataType type, long... shape) {
    INDArray a = Nd4j.zeros(type, shape);
    double[] v = new double[(int) a.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = lo + (hi - lo) * rng.nextDouble();
    }
    HostArrays.fromDoubles(v, a);
    return a;
  }

  /**
   * Standard normal entries pushed at least {@code margin} away from 0 (for finite differences
   * through ReLU-like kinks): |v| &lt; margin becomes ±margin with v's sign.
   */
  public static INDArray gaussianAwayFromZero(RandomGenerator rng, double margin, DataType type, long... shape) {
    INDArray a = Nd4j.zeros(type, shape);
    double[] v = new double[(int) a.length()];
    for (int i = 0; i < v.length; i++) {
      double g = rng.nextGaussian();
      v[i] = Math.abs(g) < margin ? Math.copySign(margin, g) : g;
    }
    HostArrays.fromDoubles(v, a);
    return a;
  }
}
