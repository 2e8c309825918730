package dev.isoplast.agents.ppo;

/**
 * The terms of PPO's loss on one minibatch of M samples (Schulman et al. 2017; CleanRL {@code ppo.py}),
 * with their gradients, computed in float64 on Java arrays (M is a few hundred, and the per-sample
 * work is a handful of flops, cheaper in Java than as ND4J ops):
 *
 * <pre>
 *   logratio = log π(a|s) − log π_old(a|s),   ratio = exp(logratio)
 *   pg_loss  = mean( max(−A · ratio, −A · clip(ratio, 1 − ε, 1 + ε)) )
 *   v_loss   = ½ mean( max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²) )   (clip_vloss)
 *            = ½ mean( (V − R)² )                                            (otherwise)
 *   entropy  = mean(H)
 *   loss     = pg_loss − ent_coef · entropy + vf_coef · v_loss
 *   old_approx_kl = mean(−logratio),   approx_kl = mean((ratio − 1) − logratio)
 *   clipfrac = mean(|ratio − 1| > ε)
 * </pre>
 *
 * Gradients follow PyTorch's autograd through these expressions exactly: {@code clamp} passes the
 * gradient where {@code lo ≤ x ≤ hi} and blocks it outside; the element-wise {@code max} sends it to
 * the larger argument and splits it half and half on a tie (which is the case whenever the
 * ratio — or V − V_old — lies inside the clip range, where both arguments are equal).
 */
public final class PpoLoss {

  private PpoLoss() {}

  /**
   * The clipped surrogate; writes {@code d pg_loss / d log π} per sample into {@code dLogProb}
   * (overwriting it; may be null). {@code ratio} receives exp(logratio) if not null.
   */
  public static double policyLoss(double[] newLogProb, double[] oldLogProb, double[] advantages, double clipCoef,
      double[] ratio, double[] dLogProb) {
    int m = newLogProb.length;
    double sum = 0;
    for (int b = 0; b < m; b++) {
      double r = Math.exp(newLogProb[b] - oldLogProb[b]);
      if (ratio != null) {
        ratio[b] = r;
      }
      double a = advantages[b];
      double clipped = Math.min(Math.max(r, 1 - clipCoef), 1 + clipCoef);
      double clipGrad = (r >= 1 - clipCoef && r <= 1 + clipCoef) ? 1 : 0;
      double l1 = -a * r;
      double l2 = -a * clipped;
      sum += Math.max(l1, l2);
      if (dLogProb != null) {
        double g1 = -a;
        double g2 = -a * clipGrad;
        double gRatio = l1 > l2 ? g1 : l1 < l2 ? g2 : 0.5 * (g1 + g2);
        dLogProb[b] = gRatio * r / m; // d ratio / d log π = ratio
      }
    }
    return sum / m;
  }

  /**
   * The value loss (clipped around the rollout's values if {@code clip}); writes
   * {@code d v_loss / d V} per sample into {@code dValue} (overwriting it; may be null).
   */
  public static double valueLoss(double[] newValues, double[] oldValues, double[] returns, double clipCoef,
      boolean clip, double[] dValue) {
    int m = newValues.length;
    double sum = 0;
    for (int b = 0; b < m; b++) {
      double v = newValues[b];
      double ret = returns[b];
      double du = v - ret;
      double lu = du * du;
      double gu = 2 * du;
      if (!clip) {
        sum += lu;
        if (dValue != null) {
          dValue[b] = 0.5 * gu / m;
        }
        continue;
      }
      double delta = v - oldValues[b];
      double clippedDelta = Math.min(Math.max(delta, -clipCoef), clipCoef);
      double clipGrad = (delta >= -clipCoef && delta <= clipCoef) ? 1 : 0;
      double dc = oldValues[b] + clippedDelta - ret;
      double lc = dc * dc;
      double gc = 2 * dc * clipGrad;
      sum += Math.max(lu, lc);
      if (dValue != null) {
        double g = lu > lc ? gu : lu < lc ? gc : 0.5 * (gu + gc);
        dValue[b] = 0.5 * g / m;
      }
    }
    return 0.5 * sum / m;
  }

  /** mean(H); d mean(H) / d H_b = 1/M. */
  public static double meanEntropy(double[] entropies) {
    double s = 0;
    for (double h : entropies) {
      s += h;
    }
    return s / entropies.length;
  }

  /** CleanRL's {@code old_approx_kl = (−logratio).mean()}. */
  public static double oldApproxKl(double[] newLogProb, double[] oldLogProb) {
    double s = 0;
    for (int b = 0; b < newLogProb.length; b++) {
      s -= newLogProb[b] - oldLogProb[b];
    }
    return s / newLogProb.length;
  }

  /** CleanRL's {@code approx_kl = ((ratio − 1) − logratio).mean()} (Schulman's k3 estimator). */
  public static double approxKl(double[] newLogProb, double[] oldLogProb) {
    double s = 0;
    for (int b = 0; b < newLogProb.length; b++) {
      double lr = newLogProb[b] - oldLogProb[b];
      s += Math.expm1(lr) - lr;
    }
    return s / newLogProb.length;
  }

  /** The fraction of samples whose ratio left [1 − ε, 1 + ε]: mean(|ratio − 1| > ε). */
  public static double clipFraction(double[] ratio, double clipCoef) {
    int c = 0;
    for (double r : ratio) {
      if (Math.abs(r - 1) > clipCoef) {
        c++;
      }
    }
    return (double) c / ratio.length;
  }

  /**
   * Normalises advantages in place: {@code (A − mean) / (std + 1e-8)} with the unbiased std
   * (PyTorch's {@code Tensor.std()} default), as CleanRL per minibatch. A single sample is left
   * centred at 0 (torch would give NaN).
   */
  public static void normalizeAdvantages(double[] a) {
    int m = a.length;
    double mean = 0;
    for (double x : a) {
      mean += x;
    }
    mean /= m;
    double ss = 0;
    for (double x : a) {
      ss += (x - mean) * (x - mean);
    }
    double std = m > 1 ? Math.sqrt(ss / (m - 1)) : 0;
    for (int i = 0; i < m; i++) {
      a[i] = (a[i] - mean) / (std + 1e-8);
    }
  }

  /**
   * {@code 1 − Var(y − ŷ) / Var(y)} (population variances, as numpy), NaN when Var(y) = 0: how much
   * of the returns' variance the critic explains.
   */
  public static double explainedVariance(double[] predicted, double[] actual) {
    int n = actual.length;
    double my = 0;
    double md = 0;
    for (int i = 0; i < n; i++) {
      my += actual[i];
      md += actual[i] - predicted[i];
    }
    my /= n;
    md /= n;
    double vy = 0;
    double vd = 0;
    for (int i = 0; i < n; i++) {
      double y = actual[i] - my;
      double d = actual[i] - predicted[i] - md;
      vy += y * y;
      vd += d * d;
    }
    return vy == 0 ? Double.NaN : 1 - vd / vy;
  }
}
