package dev.isoplast.envs.spaces;

import java.util.random.RandomGenerator;

/** {@code gymnasium.spaces.Discrete(n, start)}: the integers {@code start, ..., start + n - 1}. */
public record Discrete(long n, long start) implements Space {

  public Discrete {
    if (n <= 0) {
      throw new IllegalArgumentException("n (counts) have to be positive, actual value: " + n);
    }
  }

  public Discrete(long n) {
    this(n, 0);
  }

  @Override
  public int[] shape() {
    return new int[0];
  }

  @Override
  public boolean isContinuous() {
    return false;
  }

  public boolean contains(long x) {
    return x >= start && x < start + n;
  }

  public long sample(RandomGenerator rng) {
    return start + rng.nextLong(n);
  }

  @Override
  public boolean containsBatch(double[] batch, int numEnvs) {
    if (batch.length != numEnvs) {
      return false;
    }
    for (double v : batch) {
      if (v != Math.rint(v) || !contains((long) v)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public double[] sampleBatch(RandomGenerator rng, int numEnvs) {
    double[] out = new double[numEnvs];
    for (int i = 0; i < numEnvs; i++) {
      out[i] = sample(rng);
    }
    return out;
  }

  @Override
  public String toString() {
    return start == 0 ? "Discrete(" + n + ")" : "Discrete(" + n + ", start=" + start + ")";
  }
}
