package dev.isoplast.nn.dist;

import dev.isoplast.nn.HostArrays;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch of categorical distributions given by logits {@code z [B, n]}: {@code p = softmax(z)}.
 *
 * <ul>
 *   <li>log-prob, by the max-shifted log-sum-exp: {@code log p_a = z_a − m − log Σ_j exp(z_j − m)},
 *       {@code m = max_j z_j}; {@code ∂ log p_a / ∂z_j = 1[j = a] − p_j} (the score function of
 *       REINFORCE, Williams 1992).
 *   <li>entropy {@code H = −Σ_j p_j log p_j}; {@code ∂H/∂z_j = −p_j (log p_j + H)}.
 * </ul>
 *
 * {@link #backward} combines both for a loss that depends on them per sample, which is how PPO's
 * clipped objective and entropy bonus use them (Schulman et al. 2017). Per-sample values are Java
 * arrays: n is a handful of actions, and one pass in Java costs less than the ~13 µs each ND4J op
 * costs. Everything is computed in float64 whatever the logits' dtype. A {@code Categorical} is
 * reusable: {@link #set} overwrites it, reusing its arrays when the shape is unchanged.
 */
public final class Categorical {

  private int batch;
  private int n;
  private double[] logits = new double[0];
  private double[] logProbs = new double[0];
  private double[] entropies = new double[0];
  private int[] actionsBuffer = new int[0];

  /** A distribution over the rows of {@code logits [B, n]}. */
  public static Categorical fromLogits(INDArray logits) {
    return new Categorical().set(logits);
  }

  /** Reads {@code logits [B, n]} and computes log-probabilities and entropies; returns this. */
  public Categorical set(INDArray logits) {
    if (logits.rank() != 2 || logits.columns() < 1) {
      throw new IllegalArgumentException("Categorical needs logits [B, n], got " + Arrays.toString(logits.shape()));
    }
    batch = (int) logits.rows();
    n = (int) logits.columns();
    this.logits = HostArrays.toDoubles(logits, this.logits);
    if (logProbs.length != batch * n) {
      logProbs = new double[batch * n];
    }
    if (entropies.length != batch) {
      entropies = new double[batch];
    }
    for (int b = 0; b < batch; b++) {
      int o = b * n;
      double m = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        m = Math.max(m, this.logits[o + j]);
      }
      double s = 0;
      for (int j = 0; j < n; j++) {
        s += Math.exp(this.logits[o + j] - m);
      }
      double logZ = m + Math.log(s);
      double h = 0;
      for (int j = 0; j < n; j++) {
        double lp = this.logits[o + j] - logZ;
        logProbs[o + j] = lp;
        h -= Math.exp(lp) * lp;
      }
      entropies[b] = h;
    }
    return this;
  }

  public int batchSize() {
    return batch;
  }

  public int numCategories() {
    return n;
  }

  /** log p(action) for sample {@code row}. */
  public double logProb(int row, int action) {
    checkAction(row, action);
    return logProbs[row * n + action];
  }

  /** p(k) for sample {@code row}. */
  public double prob(int row, int k) {
    checkAction(row, k);
    return Math.exp(logProbs[row * n + k]);
  }

  /** log p(actions[b]) for every sample, into {@code out} if it has length B, else a new array. */
  public double[] logProb(int[] actions, double[] out) {
    checkBatch(actions.length, "actions");
    double[] r = out != null && out.length == batch ? out : new double[batch];
    for (int b = 0; b < batch; b++) {
      r[b] = logProb(b, actions[b]);
    }
    return r;
  }

  /** {@link #logProb(int[], double[])} with actions read from an array of B integer values. */
  public double[] logProb(INDArray actions, double[] out) {
    actionsBuffer = HostArrays.toInts(actions, actionsBuffer);
    return logProb(actionsBuffer, out);
  }

  /** The entropy of sample {@code row}. */
  public double entropy(int row) {
    return entropies[row];
  }

  /** Every sample's entropy, into {@code out} if it has length B, else a new array. */
  public double[] entropy(double[] out) {
    double[] r = out != null && out.length == batch ? out : new double[batch];
    System.arraycopy(entropies, 0, r, 0, batch);
    return r;
  }

  /**
   * Writes {@code dL/dz [B, n]} into {@code gradLogits} (overwriting it) for a loss
   * {@code L = Σ_b dLogProb[b] · log p_b(actions[b]) + dEntropy[b] · H_b}, i.e. given the loss's
   * derivatives with respect to each sample's log-prob and entropy:
   * {@code dL/dz_bj = dLogProb[b] (1[j = a_b] − p_bj) − dEntropy[b] p_bj (log p_bj + H_b)}.
   *
   * @param dLogProb per-sample dL/d(log p), or null if the loss does not use log-probs
   * @param actions the actions whose log-probs the loss uses (ignored when dLogProb is null)
   * @param dEntropy per-sample dL/dH, or null if the loss does not use the entropy
   */
  public void backward(double[] dLogProb, int[] actions, double[] dEntropy, INDArray gradLogits) {
    if (gradLogits.rows() != batch || gradLogits.columns() != n) {
      throw new IllegalArgumentException("gradLogits must be [" + batch + ", " + n + "], got "
          + Arrays.toString(gradLogits.shape()));
    }
    if (dLogProb != null) {
      checkBatch(dLogProb.length, "dLogProb");
      checkBatch(actions.length, "actions");
    }
    if (dEntropy != null) {
      checkBatch(dEntropy.length, "dEntropy");
    }
    double[] g = new double[batch * n];
    for (int b = 0; b < batch; b++) {
      int o = b * n;
      double wl = dLogProb == null ? 0 : dLogProb[b];
      double we = dEntropy == null ? 0 : dEntropy[b];
      if (dLogProb != null) {
        checkAction(b, actions[b]);
      }
      for (int j = 0; j < n; j++) {
        double lp = logProbs[o + j];
        double p = Math.exp(lp);
        g[o + j] = -wl * p - we * p * (lp + entropies[b]);
      }
      if (dLogProb != null) {
        g[o + actions[b]] += wl;
      }
    }
    HostArrays.fromDoubles(g, gradLogits);
  }

  /** {@link #backward(double[], int[], double[], INDArray)} with actions read from an array. */
  public void backward(double[] dLogProb, INDArray actions, double[] dEntropy, INDArray gradLogits) {
    actionsBuffer = HostArrays.toInts(actions, actionsBuffer);
    backward(dLogProb, actionsBuffer, dEntropy, gradLogits);
  }

  /** Draws an action for sample {@code row} by inverting the CDF with one uniform from {@code rng}. */
  public int sample(int row, RandomGenerator rng) {
    checkAction(row, 0);
    double u = rng.nextDouble();
    double c = 0;
    int o = row * n;
    for (int j = 0; j < n - 1; j++) {
      c += Math.exp(logProbs[o + j]);
      if (u < c) {
        return j;
      }
    }
    return n - 1;
  }

  /** One action per sample, into {@code out} if it has length B, else a new array. */
  public int[] sample(RandomGenerator rng, int[] out) {
    int[] r = out != null && out.length == batch ? out : new int[batch];
    for (int b = 0; b < batch; b++) {
      r[b] = sample(b, rng);
    }
    return r;
  }

  /** The most probable action of sample {@code row} (the first on ties). */
  public int mode(int row) {
    checkAction(row, 0);
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (logProbs[row * n + j] > logProbs[row * n + best]) {
        best = j;
      }
    }
    return best;
  }

  private void checkAction(int row, int action) {
    if (row < 0 || row >= batch) {
      throw new IndexOutOfBoundsException("sample " + row + " outside a batch of " + batch);
    }
    if (action < 0 || action >= n) {
      throw new IllegalArgumentException("action " + action + " of sample " + row + " outside [0, " + n + ")");
    }
  }

  private void checkBatch(int length, String what) {
    if (length != batch) {
      throw new IllegalArgumentException(what + " has " + length + " entries for a batch of " + batch);
    }
  }
}
