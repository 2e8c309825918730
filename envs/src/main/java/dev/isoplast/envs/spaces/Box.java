package dev.isoplast.envs.spaces;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * {@code gymnasium.spaces.Box(low, high, shape, dtype)}: arrays with {@code low <= x <= high}
 * elementwise. Bounds are flattened row-major; unbounded dimensions are infinite.
 */
public record Box(double[] low, double[] high, int[] shape, DType dtype) implements Space {

  public Box {
    shape = Space.checkedShape(shape, "Box");
    int size = 1;
    for (int d : shape) {
      size *= d;
    }
    if (low.length != size || high.length != size) {
      throw new IllegalArgumentException("Box low and high must have " + size + " entries for shape "
          + Arrays.toString(shape) + ", actual: " + low.length + " and " + high.length);
    }
    for (int i = 0; i < size; i++) {
      if (Double.isNaN(low[i]) || Double.isNaN(high[i]) || low[i] > high[i]) {
        throw new IllegalArgumentException("Box needs low <= high at every index, actual at index "
            + i + ": low " + low[i] + ", high " + high[i]);
      }
    }
    low = low.clone();
    high = high.clone();
  }

  /** A Box with the same bounds in every dimension. */
  public static Box uniform(double low, double high, DType dtype, int... shape) {
    int size = 1;
    for (int d : shape) {
      size *= d;
    }
    double[] lo = new double[size];
    double[] hi = new double[size];
    Arrays.fill(lo, low);
    Arrays.fill(hi, high);
    return new Box(lo, hi, shape, dtype);
  }

  @Override
  public double[] low() {
    return low.clone();
  }

  @Override
  public double[] high() {
    return high.clone();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public boolean isContinuous() {
    return dtype.isFloating();
  }

  public double low(int i) {
    return low[i];
  }

  public double high(int i) {
    return high[i];
  }

  /** Whether both bounds are finite in every dimension. */
  public boolean isBounded() {
    for (int i = 0; i < low.length; i++) {
      if (Double.isInfinite(low[i]) || Double.isInfinite(high[i])) {
        return false;
      }
    }
    return true;
  }

  public boolean contains(float[] x) {
    if (x.length != low.length) {
      return false;
    }
    for (int i = 0; i < x.length; i++) {
      if (!(x[i] >= low[i] && x[i] <= high[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean containsBatch(double[] batch, int numEnvs) {
    int d = low.length;
    if (batch.length != numEnvs * d) {
      return false;
    }
    for (int i = 0; i < batch.length; i++) {
      double v = batch[i];
      // NaN fails both comparisons, so it is never contained
      if (!(v >= low[i % d] && v <= high[i % d])) {
        return false;
      }
      if (!dtype.isFloating() && v != Math.rint(v)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Samples as Gymnasium does: uniform on bounded dimensions, normal on unbounded ones,
   * shifted exponential on half-bounded ones; integer dtypes are floored.
   */
  @Override
  public double[] sampleBatch(RandomGenerator rng, int numEnvs) {
    int d = low.length;
    double[] out = new double[numEnvs * d];
    for (int i = 0; i < out.length; i++) {
      double lo = low[i % d];
      double hi = high[i % d];
      boolean loInf = Double.isInfinite(lo);
      boolean hiInf = Double.isInfinite(hi);
      double v;
      if (!loInf && !hiInf) {
        v = lo + (hi - lo) * rng.nextDouble();
      } else if (loInf && hiInf) {
        v = rng.nextGaussian();
      } else if (!loInf) {
        v = lo + rng.nextExponential();
      } else {
        v = hi - rng.nextExponential();
      }
      if (!dtype.isFloating()) {
        v = Math.floor(v);
      } else if (dtype == DType.FLOAT32) {
        v = Math.min(Math.max((float) v, lo), hi);
      }
      out[i] = v;
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Box b && Arrays.equals(low, b.low) && Arrays.equals(high, b.high)
        && Arrays.equals(shape, b.shape) && dtype == b.dtype;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(low) * 31 + Arrays.hashCode(high) * 17 + Arrays.hashCode(shape) + dtype.hashCode();
  }

  @Override
  public String toString() {
    String lo = allEqual(low) ? fmt(low[0]) : fmtAll(low);
    String hi = allEqual(high) ? fmt(high[0]) : fmtAll(high);
    String sh = Arrays.toString(shape).replace('[', '(').replace(']', ')');
    if (shape.length == 1) {
      sh = "(" + shape[0] + ",)";
    }
    return "Box(" + lo + ", " + hi + ", " + sh + ", " + dtype.numpyName() + ")";
  }

  private static boolean allEqual(double[] a) {
    for (double v : a) {
      if (Double.compare(v, a[0]) != 0) {
        return false;
      }
    }
    return a.length > 0;
  }

  private static String fmtAll(double[] a) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < a.length; i++) {
      b.append(i == 0 ? "" : " ").append(fmt(a[i]));
    }
    return b.append(']').toString();
  }

  private static String fmt(double v) {
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return Float.toString((float) v);
  }
}
