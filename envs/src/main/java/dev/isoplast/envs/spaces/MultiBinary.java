package dev.isoplast.envs.spaces;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** {@code gymnasium.spaces.MultiBinary(n)}: arrays of 0/1 of the given shape. */
public record MultiBinary(int[] shape) implements Space {

  public MultiBinary {
    shape = Space.checkedShape(shape, "MultiBinary");
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public boolean isContinuous() {
    return false;
  }

  public boolean contains(long[] x) {
    if (x.length != flatSize()) {
      return false;
    }
    for (long v : x) {
      if (v != 0 && v != 1) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean containsBatch(double[] batch, int numEnvs) {
    if (batch.length != numEnvs * flatSize()) {
      return false;
    }
    for (double v : batch) {
      if (v != 0.0 && v != 1.0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public double[] sampleBatch(RandomGenerator rng, int numEnvs) {
    double[] out = new double[numEnvs * flatSize()];
    for (int i = 0; i < out.length; i++) {
      out[i] = rng.nextBoolean() ? 1 : 0;
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MultiBinary m && Arrays.equals(shape, m.shape);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "MultiBinary(" + (shape.length == 1 ? Integer.toString(shape[0]) : Arrays.toString(shape)) + ")";
  }
}
