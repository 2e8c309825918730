package dev.isoplast.envs.spaces;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** {@code gymnasium.spaces.MultiDiscrete(nvec)}: element i in {0, ..., nvec[i] - 1}; nvec flattened row-major. */
public record MultiDiscrete(long[] nvec, int[] shape) implements Space {

  public MultiDiscrete {
    shape = Space.checkedShape(shape, "MultiDiscrete");
    nvec = nvec.clone();
    int size = 1;
    for (int d : shape) {
      size *= d;
    }
    if (size != nvec.length) {
      throw new IllegalArgumentException("nvec has " + nvec.length + " entries but shape "
          + Arrays.toString(shape) + " needs " + size);
    }
    for (long k : nvec) {
      if (k <= 0) {
        throw new IllegalArgumentException(
            "nvec (counts) have to be positive, actual value: " + Arrays.toString(nvec));
      }
    }
  }

  public MultiDiscrete(long... nvec) {
    this(nvec, new int[] {nvec.length});
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public long[] nvec() {
    return nvec.clone();
  }

  @Override
  public boolean isContinuous() {
    return false;
  }

  public boolean contains(long[] x) {
    if (x.length != nvec.length) {
      return false;
    }
    for (int i = 0; i < x.length; i++) {
      if (x[i] < 0 || x[i] >= nvec[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean containsBatch(double[] batch, int numEnvs) {
    if (batch.length != numEnvs * nvec.length) {
      return false;
    }
    for (int i = 0; i < batch.length; i++) {
      double v = batch[i];
      if (v != Math.rint(v) || v < 0 || v >= nvec[i % nvec.length]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public double[] sampleBatch(RandomGenerator rng, int numEnvs) {
    double[] out = new double[numEnvs * nvec.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = rng.nextLong(nvec[i % nvec.length]);
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MultiDiscrete m && Arrays.equals(nvec, m.nvec) && Arrays.equals(shape, m.shape);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(nvec) + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "MultiDiscrete(" + Arrays.toString(nvec) + ")";
  }
}
