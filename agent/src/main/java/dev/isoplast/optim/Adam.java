package dev.isoplast.optim;

import dev.isoplast.nn.FlatParams;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam (Kingma &amp; Ba 2015, Algorithm 1, in the form of {@code torch.optim.Adam}). With g the
 * gradient at step t (1-based):
 *
 * <pre>
 *   m ← β1 m + (1 − β1) g
 *   v ← β2 v + (1 − β2) g²
 *   m̂ = m / (1 − β1^t),   v̂ = v / (1 − β2^t)
 *   θ ← θ − η m̂ / (√v̂ + ε)
 * </pre>
 *
 * Defaults β1 = 0.9, β2 = 0.999; ε = 1e-8 (CleanRL's PPO uses ε = 1e-5).
 */
public class Adam extends Optimizer {

  public static final double DEFAULT_BETA1 = 0.9;
  public static final double DEFAULT_BETA2 = 0.999;
  public static final double DEFAULT_EPS = 1e-8;

  /**
   * Parameters (or flat segments) up to this many elements are updated by one Java loop, larger
   * ones by libnd4j's fused {@code adam_updater} op (one native call computes m, v and the step).
   * Measured on the 2-vCPU Intel Xeon (docs/performance.md, "Flat parameters"): the Java loop costs
   * 11–16 ns per element there (3.7 ns on the AMD EPYC of earlier measurements), the native op
   * ≈ 5–6 ns per element, with 1 or 2 OpenMP threads: the small MNIST net's update (89,610
   * elements) went from 1.7–2.0 to 0.5–0.8 ms. Before the fused op, large parameters took 13 ND4J
   * ops (≈ 6–12 ns per element up to 131k elements on the EPYC) and the loop ran up to 131,072.
   */
  static final long HOST_LOOP_MAX = 16_384;

  protected final double beta1;
  protected final double beta2;
  protected final double eps;

  public Adam(List<Param> params, double learningRate) {
    this(params, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS);
  }

  public Adam(List<Param> params, double learningRate, double beta1, double beta2, double eps) {
    super(params, learningRate, "m", "v");
    checkHyperParameters(beta1, beta2, eps);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
  }

  /**
   * The one range check of Adam's hyper-parameters (here and in {@link OptimizerConfig}): β1, β2 in
   * [0, 1), ε &gt; 0. Messages use the config keys.
   */
  static void checkHyperParameters(double beta1, double beta2, double eps) {
    checkUnit("adam_beta1", beta1);
    checkUnit("adam_beta2", beta2);
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("adam_eps must be finite and > 0, got " + eps);
    }
  }

  @Override
  public String kind() {
    return "adam";
  }

  @Override
  protected void update(Param p, Map<String, INDArray> slots, long t, double lr) {
    adamStep(p, slots, t, lr);
  }

  /**
   * A flat segment larger than {@link #HOST_LOOP_MAX}: each parameter's decoupled stage
   * ({@link #decoupledStage}) on θ before this step, then the Adam update of the whole segment as
   * one native call and one subtraction. Adam's own update does not depend on θ, so
   * θ ← f(θ) − η m̂/(√v̂ + ε) equals the per-parameter form (decoupled term fused into the update)
   * up to float rounding. Smaller segments take the per-parameter Java passes.
   */
  @Override
  protected void updateSegment(Segment segment, long t, double lr) {
    FlatParams.Run run = segment.run();
    if (!run.flat() || run.length() <= HOST_LOOP_MAX) {
      super.updateSegment(segment, t, lr);
      return;
    }
    for (Param p : run.params()) {
      decoupledStage(p, t, lr);
    }
    nativeStep(run.value(), run.grad(), segment.slot("m"), segment.slot("v"), segment.scratch(), t, lr);
  }

  /**
   * The part of this optimizer's update of {@code p} that acts on θ alone, decoupled from the
   * gradient (AdamW's decay, AdamO's isometry step), applied to θ before the Adam step of a flat
   * segment; plain Adam has none.
   */
  protected void decoupledStage(Param p, long t, double lr) {}

  /** The Adam update of p from its task gradient only; subclasses add decoupled stages around it. */
  protected final void adamStep(Param p, Map<String, INDArray> slots, long t, double lr) {
    adamStep(p, slots, t, lr, 0.0, null);
  }

  /**
   * The Adam update of p from its task gradient, fused with a decoupled term:
   * θ ← θ (1 + c) − η m̂ / (√v̂ + ε) − c·extra (nothing extra when {@code extra} is null).
   * AdamO passes c = 4 η_iso λ and extra = W Wᵀ W, evaluated at θ before this step.
   */
  protected final void adamStep(Param p, Map<String, INDArray> slots, long t, double lr, double c, INDArray extra) {
    INDArray g = p.grad();
    INDArray m = slots.get("m");
    INDArray v = slots.get("v");
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2 = 1 - Math.pow(beta2, t);
    INDArray theta = p.value();
    if (theta.length() <= HOST_LOOP_MAX && HostArrays.isContiguous(theta) && HostArrays.isContiguous(g)
        && theta.dataType() == g.dataType()) {
      hostStep(theta, g, m, v, bc1, bc2, lr, c, extra);
      return;
    }
    if (extra != null) {
      applyDecoupled(theta, c, extra);
    }
    nativeStep(theta, g, m, v, scratch(p, 1)[0], t, lr);
  }

  /** θ ← θ (1 + c) − c·extra as two ND4J ops: a decoupled term applied apart from the update. */
  protected static void applyDecoupled(INDArray theta, double c, INDArray extra) {
    theta.muli(1 + c);
    axpy(-c, extra, theta);
  }

  /**
   * θ ← θ − η m̂/(√v̂ + ε) with the moments updated, by libnd4j's fused {@code adam_updater} (one
   * native call; DL4J's form u = η √(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε′)). With ε′ = ε √(1−β2ᵗ) that is
   * η m̂ / (√v̂ + ε), torch.optim.Adam's step, exactly in real arithmetic. {@code step} is scratch
   * of θ's length.
   */
  private void nativeStep(INDArray theta, INDArray g, INDArray m, INDArray v, INDArray step, long t, double lr) {
    double bc2 = 1 - Math.pow(beta2, t);
    Nd4j.exec(new AdamUpdater(g, v, m, step, v, m, lr, beta1, beta2, eps * Math.sqrt(bc2), Math.toIntExact(t - 1)));
    theta.subi(step);
  }

  /**
   * The same update as one Java pass over the arrays' memory, in double precision: at the sizes
   * of RL networks one ND4J op costs ~4-60 µs and the update above takes 13 of them per
   * parameter, while this loop costs a few ns per element (measured: see docs/optimizers.md).
   */
  private void hostStep(INDArray theta, INDArray g, INDArray m, INDArray v, double bc1, double bc2, double lr,
      double c, INDArray extra) {
    int n = (int) theta.length();
    double step = lr / bc1;
    double keep = 1 + c;
    if (theta.dataType() == DataType.FLOAT) {
      FloatBuffer th = HostArrays.floats(theta);
      FloatBuffer gg = HostArrays.floats(g);
      FloatBuffer mm = HostArrays.floats(m);
      FloatBuffer vv = HostArrays.floats(v);
      FloatBuffer ex = extra == null ? null : HostArrays.floats(extra);
      for (int i = 0; i < n; i++) {
        double gi = gg.get(i);
        double mi = beta1 * mm.get(i) + (1 - beta1) * gi;
        double vi = beta2 * vv.get(i) + (1 - beta2) * gi * gi;
        mm.put(i, (float) mi);
        vv.put(i, (float) vi);
        double adam = step * mi / (Math.sqrt(vi / bc2) + eps);
        th.put(i, (float) (ex == null ? th.get(i) - adam : th.get(i) * keep - adam - c * ex.get(i)));
      }
    } else {
      DoubleBuffer th = HostArrays.doubles(theta);
      DoubleBuffer gg = HostArrays.doubles(g);
      DoubleBuffer mm = HostArrays.doubles(m);
      DoubleBuffer vv = HostArrays.doubles(v);
      DoubleBuffer ex = extra == null ? null : HostArrays.doubles(extra);
      for (int i = 0; i < n; i++) {
        double gi = gg.get(i);
        double mi = beta1 * mm.get(i) + (1 - beta1) * gi;
        double vi = beta2 * vv.get(i) + (1 - beta2) * gi * gi;
        mm.put(i, mi);
        vv.put(i, vi);
        double adam = step * mi / (Math.sqrt(vi / bc2) + eps);
        th.put(i, ex == null ? th.get(i) - adam : th.get(i) * keep - adam - c * ex.get(i));
      }
    }
  }
}
