package dev.isoplast.continual;

import dev.isoplast.config.Seeds;
import java.util.SplittableRandom;

/**
 * The slowly-changing regression problem (Dohare et al. 2024, "Loss of plasticity in deep
 * continual learning", Nature; the "bit-flipping" problem of lop/slowly_changing_regression).
 * Inputs are m bits (0 or 1): the first f are flipping bits, held fixed except that every
 * {@code flipAfter} examples one of them, chosen at random, flips; the other m − f are drawn at
 * random for every example. The target is a fixed random network with one hidden layer of n
 * linear threshold units (lop/nets/fix_ltu_net.py):
 *
 * <pre>
 *   W ∈ {−1, +1}^{n×m}, b ∈ {−1, +1}^n, v ∈ {−1, +1}^n, c ∈ {−1, +1}      (uniform draws)
 *   S_i = (m − Σ_j W_ij + b_i) / 2,   τ_i = β (m + 1) − S_i
 *   h_i(x) = 1 if W_i·x + b_i &gt; τ_i else 0,   y(x) = v·h(x) + c
 * </pre>
 *
 * A task is one window of {@code flipAfter} examples between flips, in stream order; the reported
 * figure is the window's mean squared error of the predictions made before each update (online).
 * Defaults are Dohare et al.'s (cfg/prob.json): m = 20, f = 15, n = 100, β = 0.7, 10,000 examples
 * per window. The target network and the flips come from the seed; window k's random bits from
 * (seed, k), so window k is a pure function of (seed, k).
 */
public final class SlowlyChangingRegression implements TaskSequence {

  private final int flipAfter;
  private final int numInputs;
  private final int numFlipping;
  private final int features;
  private final double beta;
  private final long seed;
  private final double[] w;
  private final double[] b;
  private final double[] v;
  private final double c;
  private final double[] tau;

  public SlowlyChangingRegression(int flipAfter, int numInputs, int numFlipping, int features, double beta,
      long seed) {
    if (flipAfter < 1 || numInputs < 1 || features < 1) {
      throw new IllegalArgumentException("flip_after, num_inputs and target_features must be >= 1");
    }
    if (numFlipping < 0 || numFlipping > numInputs) {
      throw new IllegalArgumentException("num_flipping_bits must be in [0, num_inputs = " + numInputs + "], got "
          + numFlipping);
    }
    if (!(beta > 0 && beta <= 1)) {
      throw new IllegalArgumentException("beta must be in (0, 1], got " + beta);
    }
    this.flipAfter = flipAfter;
    this.numInputs = numInputs;
    this.numFlipping = numFlipping;
    this.features = features;
    this.beta = beta;
    this.seed = seed;
    SplittableRandom rng = Seeds.stream(seed, -1);
    w = signs(features * numInputs, rng);
    b = signs(features, rng);
    v = signs(features, rng);
    c = signs(1, rng)[0];
    tau = new double[features];
    for (int i = 0; i < features; i++) {
      double sumW = 0;
      for (int j = 0; j < numInputs; j++) {
        sumW += w[i * numInputs + j];
      }
      double s = (numInputs - sumW + b[i]) / 2;
      tau[i] = beta * (numInputs + 1) - s;
    }
  }

  private static double[] signs(int n, SplittableRandom rng) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = rng.nextBoolean() ? 1.0 : -1.0;
    }
    return out;
  }

  /** The target network's output for the bits {@code x} (m values, each 0 or 1). */
  public double target(float[] x, int offset) {
    double y = c;
    for (int i = 0; i < features; i++) {
      double z = b[i];
      for (int j = 0; j < numInputs; j++) {
        z += w[i * numInputs + j] * x[offset + j];
      }
      if (z > tau[i]) {
        y += v[i];
      }
    }
    return y;
  }

  /**
   * The flipping bits during window {@code k}: drawn at random for window 0, then one bit, chosen
   * at random, flipped per window (a walk from the seed, replayed up to k).
   */
  public int[] flippingBits(int k) {
    SplittableRandom rng = Seeds.stream(seed, -2);
    int[] bits = new int[numFlipping];
    for (int j = 0; j < numFlipping; j++) {
      bits[j] = rng.nextInt(2);
    }
    for (int window = 1; window <= k && numFlipping > 0; window++) {
      int j = rng.nextInt(numFlipping);
      bits[j] = 1 - bits[j];
    }
    return bits;
  }

  /** The target network's parameters {W (n×m, row-major), b, v, {c}} (copies, for tests). */
  double[][] targetParameters() {
    return new double[][] {w.clone(), b.clone(), v.clone(), {c}};
  }

  @Override
  public String name() {
    return "slowly-changing-regression";
  }

  @Override
  public int inSize() {
    return numInputs;
  }

  @Override
  public int outSize() {
    return 1;
  }

  @Override
  public boolean regression() {
    return true;
  }

  @Override
  public int epochs() {
    return 1;
  }

  @Override
  public boolean shuffle() {
    return false;
  }

  @Override
  public Measure measure() {
    return Measure.ONLINE;
  }

  @Override
  public Task task(int k) {
    int[] flipping = flippingBits(k);
    float[] x = new float[flipAfter * numInputs];
    float[] y = new float[flipAfter];
    SplittableRandom rng = Seeds.stream(seed, k);
    for (int e = 0; e < flipAfter; e++) {
      int o = e * numInputs;
      for (int j = 0; j < numInputs; j++) {
        x[o + j] = j < numFlipping ? flipping[j] : rng.nextInt(2);
      }
      y[e] = (float) target(x, o);
    }
    return new Task() {
      @Override
      public int size() {
        return flipAfter;
      }

      @Override
      public void input(int i, float[] dst, int offset) {
        System.arraycopy(x, i * numInputs, dst, offset, numInputs);
      }

      @Override
      public int label(int i) {
        throw new UnsupportedOperationException("the slowly-changing regression is a regression task");
      }

      @Override
      public float target(int i) {
        return y[i];
      }
    };
  }
}
