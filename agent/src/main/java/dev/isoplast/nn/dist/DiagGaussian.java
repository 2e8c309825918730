package dev.isoplast.nn.dist;

import dev.isoplast.nn.HostArrays;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch of diagonal Gaussians with means {@code μ [B, d]} and a state-independent log standard
 * deviation {@code log σ [d]} (as CleanRL's {@code ppo_continuous_action.py} and SB3's
 * {@code DiagGaussianDistribution}). Per sample, with {@code a} an action:
 *
 * <ul>
 *   <li>{@code log p(a) = −Σ_i [(a_i − μ_i)² / (2σ_i²) + log σ_i + ½ log 2π]};
 *       {@code ∂/∂μ_i = (a_i − μ_i)/σ_i²}, {@code ∂/∂log σ_i = (a_i − μ_i)²/σ_i² − 1}.
 *   <li>{@code H = Σ_i [log σ_i + ½ (1 + log 2π)]}, the same for every sample;
 *       {@code ∂H/∂μ = 0}, {@code ∂H/∂log σ_i = 1}.
 * </ul>
 *
 * Computed in float64 in Java arrays; reusable through {@link #set}.
 */
public final class DiagGaussian {

  private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

  private int batch;
  private int d;
  private double[] mean = new double[0];
  private double[] logStd = new double[0];
  private double[] actions = new double[0];

  /** A distribution over the rows of {@code mean [B, d]} with log-std {@code [d]} (or [1, d]). */
  public static DiagGaussian of(INDArray mean, INDArray logStd) {
    return new DiagGaussian().set(mean, logStd);
  }

  /** Reads the means and the log-std; returns this. */
  public DiagGaussian set(INDArray mean, INDArray logStd) {
    if (mean.rank() != 2) {
      throw new IllegalArgumentException("DiagGaussian needs means [B, d], got " + Arrays.toString(mean.shape()));
    }
    if (logStd.length() != mean.columns()) {
      throw new IllegalArgumentException("log-std must have " + mean.columns() + " entries for means "
          + Arrays.toString(mean.shape()) + ", got " + Arrays.toString(logStd.shape()));
    }
    batch = (int) mean.rows();
    d = (int) mean.columns();
    this.mean = HostArrays.toDoubles(mean, this.mean);
    this.logStd = HostArrays.toDoubles(logStd, this.logStd);
    return this;
  }

  public int batchSize() {
    return batch;
  }

  public int dim() {
    return d;
  }

  /** log p(actions[b]) for every sample ({@code actions [B, d]}), into {@code out} if it has length B. */
  public double[] logProb(INDArray actions, double[] out) {
    readActions(actions);
    double[] r = out != null && out.length == batch ? out : new double[batch];
    for (int b = 0; b < batch; b++) {
      double s = 0;
      for (int i = 0; i < d; i++) {
        double z = (this.actions[b * d + i] - mean[b * d + i]) * Math.exp(-logStd[i]);
        s -= 0.5 * z * z + logStd[i] + HALF_LOG_2PI;
      }
      r[b] = s;
    }
    return r;
  }

  /** The entropy of each sample (all equal), into {@code out} if it has length B. */
  public double[] entropy(double[] out) {
    double h = entropy();
    double[] r = out != null && out.length == batch ? out : new double[batch];
    Arrays.fill(r, h);
    return r;
  }

  /** The entropy of one sample, {@code Σ_i log σ_i + d/2 (1 + log 2π)}. */
  public double entropy() {
    double h = 0;
    for (int i = 0; i < d; i++) {
      h += logStd[i] + 0.5 + HALF_LOG_2PI;
    }
    return h;
  }

  /**
   * Gradients of {@code L = Σ_b dLogProb[b] · log p_b(actions[b]) + dEntropy[b] · H_b}: writes
   * {@code dL/dμ [B, d]} into {@code gradMean} (overwriting it) and ADDS {@code dL/d log σ [d]} into
   * {@code gradLogStd}, like a parameter gradient (pass the log-std {@code Param}'s grad directly).
   *
   * @param dLogProb per-sample dL/d(log p), or null
   * @param actions {@code [B, d]}, used when dLogProb is given
   * @param dEntropy per-sample dL/dH, or null
   */
  public void backward(double[] dLogProb, INDArray actions, double[] dEntropy, INDArray gradMean,
      INDArray gradLogStd) {
    if (gradMean.rows() != batch || gradMean.columns() != d) {
      throw new IllegalArgumentException("gradMean must be [" + batch + ", " + d + "], got "
          + Arrays.toString(gradMean.shape()));
    }
    if (gradLogStd.length() != d) {
      throw new IllegalArgumentException("gradLogStd must have " + d + " entries, got " + gradLogStd.length());
    }
    double[] gm = new double[batch * d];
    double[] gs = HostArrays.toDoubles(gradLogStd, null);
    if (dLogProb != null) {
      checkBatch(dLogProb.length, "dLogProb");
      readActions(actions);
      for (int i = 0; i < d; i++) {
        double inv = Math.exp(-2 * logStd[i]);
        for (int b = 0; b < batch; b++) {
          double diff = this.actions[b * d + i] - mean[b * d + i];
          gm[b * d + i] = dLogProb[b] * diff * inv;
          gs[i] += dLogProb[b] * (diff * diff * inv - 1);
        }
      }
    }
    if (dEntropy != null) {
      checkBatch(dEntropy.length, "dEntropy");
      double sum = 0;
      for (double w : dEntropy) {
        sum += w;
      }
      for (int i = 0; i < d; i++) {
        gs[i] += sum;
      }
    }
    HostArrays.fromDoubles(gm, gradMean);
    HostArrays.fromDoubles(gs, gradLogStd);
  }

  /** Writes {@code μ + σ ⊙ ε}, ε ~ N(0, I) from {@code rng}, into {@code out [B, d]}. */
  public void sample(RandomGenerator rng, INDArray out) {
    if (out.rows() != batch || out.columns() != d) {
      throw new IllegalArgumentException("out must be [" + batch + ", " + d + "], got " + Arrays.toString(out.shape()));
    }
    double[] a = new double[batch * d];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < d; i++) {
        a[b * d + i] = mean[b * d + i] + Math.exp(logStd[i]) * rng.nextGaussian();
      }
    }
    HostArrays.fromDoubles(a, out);
  }

  private void readActions(INDArray a) {
    if (a.length() != (long) batch * d) {
      throw new IllegalArgumentException("actions must be [" + batch + ", " + d + "], got " + Arrays.toString(a.shape()));
    }
    actions = HostArrays.toDoubles(a, actions);
  }

  private void checkBatch(int length, String what) {
    if (length != batch) {
      throw new IllegalArgumentException(what + " has " + length + " entries for a batch of " + batch);
    }
  }
}
