package dev.isoplast.optim;

import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.nn.FlatParams;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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

  /** Adam's own keys: none (its β1, β2, ε are every optimizer's, {@link OptimizerConfig}). */
  public record Config() implements PartConfig {
    @Override
    public boolean on() {
      return false;
    }
  }

  /** Adam as a method part, with the baseline preset. */
  public static final OptimizerPart<Config> PART = new OptimizerPart<>("adam", new Config(),
      (c, s, params, lr, seed) -> new Adam(params, lr, s.adamBeta1(), s.adamBeta2(), s.adamEps()),
      List.of(new MethodPreset("adam", "Adam, no plasticity method: the baseline",
          "θ ← θ − η m̂/(√v̂ + ε)",
          "Kingma & Ba 2015; each learner keeps its own ε (CleanRL's PPO 1e-5, its DQN 1e-8)",
          kv("optimizer", "adam"), kv(), Knob.LEARNING_RATE)));

  public static final double DEFAULT_BETA1 = 0.9;
  public static final double DEFAULT_BETA2 = 0.999;
  /** PyTorch's default ε, the DQN and supervised learners' (PPO's is CleanRL's 1e-5). */
  public static final double DEFAULT_EPS = 1e-8;

  /**
   * Elements per chunk of the float32 pass ({@link #hostStep}): the chunks of θ, g, m, v (and the
   * decoupled term) are copied into Java arrays of this size, which stay in the L1 cache, updated
   * by one loop the JIT vectorises, and copied back.
   */
  static final int CHUNK = 1024;

  protected final double beta1;
  protected final double beta2;
  protected final double eps;

  /**
   * Moments below these magnitudes are set to zero every {@link #flushEvery} steps (float32,
   * float64). Without it a moment whose gradient has stopped (the weights of an input that is
   * always 0, a dead unit) decays by β each step into the subnormal range, where x86 arithmetic is
   * ~15× slower: measured, that made Adam's pass 5–6 ns per element instead of 0.4
   * (docs/performance.md, "Subnormal moments"). What it changes: a first moment below 2⁻¹⁰⁰
   * (≈ 8·10⁻³¹) moved θ by at most η·8·10⁻³¹/ε per step; √v below 2⁻⁵⁰ (≈ 9·10⁻¹⁶) changed a step
   * by a relative 9·10⁻¹⁶/ε, below float32's rounding for ε ≥ 10⁻⁸ (every preset's ε is 10⁻⁸ or
   * 10⁻⁵). Float64 moments are flushed below 2⁻⁹⁰⁰.
   */
  static final float FLUSH_BELOW_F = 0x1p-100f;

  static final double FLUSH_BELOW_D = 0x1p-900;

  /**
   * Steps between the flushes: the most that a moment at the flush threshold can decay (by the
   * smaller β per step, its gradient 0) and stay normal, at most 64; 1 for β = 0.
   */
  final int flushEvery;

  public Adam(List<Param> params, double learningRate) {
    this(params, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS);
  }

  public Adam(List<Param> params, double learningRate, double beta1, double beta2, double eps) {
    this(params, learningRate, beta1, beta2, eps, new String[0]);
  }

  /**
   * Adam with further per-parameter slots after {@code m} and {@code v}, for an optimizer built on
   * Adam's update that keeps state of its own per parameter (UPGD's utilities, TRAC's displacement).
   */
  protected Adam(List<Param> params, double learningRate, double beta1, double beta2, double eps,
      String... moreSlots) {
    super(params, learningRate, slotNames(moreSlots));
    checkHyperParameters(beta1, beta2, eps);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.flushEvery = flushInterval(Math.min(beta1, beta2));
  }

  /** {@link #flushEvery} for moments that decay by at least {@code beta} per step (float32, the tighter range). */
  static int flushInterval(double beta) {
    if (!(beta > 0)) {
      return 1;
    }
    double k = Math.log(Float.MIN_NORMAL / FLUSH_BELOW_F) / Math.log(beta); // β^k · threshold = smallest normal
    return (int) Math.max(1, Math.min(64, Math.floor(k)));
  }

  private static String[] slotNames(String[] more) {
    String[] all = new String[2 + more.length];
    all[0] = "m";
    all[1] = "v";
    System.arraycopy(more, 0, all, 2, more.length);
    return all;
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
   * A flat segment: each parameter's decoupled stage ({@link #decoupledStage}) on θ before this
   * step, then the Adam update of the whole segment as one pass. Adam's own update does not depend
   * on θ, so θ ← f(θ) − η m̂/(√v̂ + ε) equals the per-parameter form (decoupled term fused into the
   * update) up to float rounding.
   */
  @Override
  protected void updateSegment(Segment segment, long t, double lr) {
    FlatParams.Run run = segment.run();
    if (!run.flat()) {
      super.updateSegment(segment, t, lr);
      return;
    }
    for (Param p : run.params()) {
      decoupledStage(p, t, lr);
    }
    hostStep(run.value(), run.grad(), segment.slot("m"), segment.slot("v"), t, lr, 0.0, null);
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
   * θ ← θ + c (θ − extra) − η m̂ / (√v̂ + ε) (nothing extra when {@code extra} is null).
   * AdamO passes c = 4 η_iso λ and extra = W Wᵀ W, evaluated at θ before this step.
   */
  protected final void adamStep(Param p, Map<String, INDArray> slots, long t, double lr, double c, INDArray extra) {
    hostStep(p.value(), p.grad(), slots.get("m"), slots.get("v"), t, lr, c, extra);
  }

  /**
   * Adam's update with gradient {@code g} and moments {@code m}, {@code v} (updated in place)
   * applied to {@code target} instead of a parameter: target ← target − η m̂ / (√v̂ + ε). Adam's
   * step does not depend on θ, so an optimizer built on Adam can apply it to an array of its own
   * (TRAC: its displacement Δ; UPGD: a zero array, which then holds the step itself). Same
   * arithmetic as a parameter's update, float32 in float32.
   */
  protected final void adamStep(INDArray target, INDArray g, INDArray m, INDArray v, long t, double lr) {
    hostStep(target, g, m, v, t, lr, 0.0, null);
  }

  /** θ ← θ + c (θ − extra) as ND4J ops: a decoupled term applied apart from the update ({@code extra} is overwritten). */
  protected static void applyDecoupled(INDArray theta, double c, INDArray extra) {
    extra.rsubi(theta);
    axpy(c, extra, theta);
  }

  /**
   * The update as one Java pass over the arrays' memory: θ ← θ + c (θ − extra) − η m̂ / (√v̂ + ε)
   * with m and v updated in place. Float32 arrays are computed in float32 in chunks of
   * {@link #CHUNK} (as libnd4j's {@code adam_updater} and torch.optim.Adam compute a float32
   * parameter), float64 arrays in float64. Measured against libnd4j's fused {@code adam_updater},
   * which this replaced (docs/performance.md, "Thread policy and the Adam pass"): 1.2–3.3 ns per
   * element here against 7–17 for the native op on the same arrays.
   */
  private void hostStep(INDArray theta, INDArray g, INDArray m, INDArray v, long t, double lr, double c,
      INDArray extra) {
    if (!(HostArrays.isContiguous(theta) && HostArrays.isContiguous(g) && HostArrays.isContiguous(m)
        && HostArrays.isContiguous(v) && (extra == null || HostArrays.isContiguous(extra)))) {
      // never met by this project's parameters (views of flat buffers); kept correct for any array
      INDArray th = theta.dup('c');
      INDArray mc = m.dup('c');
      INDArray vc = v.dup('c');
      hostStep(th, g.dup('c'), mc, vc, t, lr, c, extra == null ? null : extra.dup('c'));
      theta.assign(th);
      m.assign(mc);
      v.assign(vc);
      return;
    }
    int n = (int) theta.length();
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2 = 1 - Math.pow(beta2, t);
    if (theta.dataType() == DataType.FLOAT) {
      floatStep(n, HostArrays.floats(theta), HostArrays.floats(g), HostArrays.floats(m), HostArrays.floats(v),
          extra == null ? null : HostArrays.floats(extra), bc1, bc2, lr, c, t % flushEvery == 0);
      return;
    }
    DoubleBuffer th = HostArrays.doubles(theta);
    DoubleBuffer gg = HostArrays.doubles(g);
    DoubleBuffer mm = HostArrays.doubles(m);
    DoubleBuffer vv = HostArrays.doubles(v);
    DoubleBuffer ex = extra == null ? null : HostArrays.doubles(extra);
    double step = lr / bc1;
    boolean flush = t % flushEvery == 0;
    for (int i = 0; i < n; i++) {
      double gi = gg.get(i);
      double mi = beta1 * mm.get(i) + (1 - beta1) * gi;
      double vi = beta2 * vv.get(i) + (1 - beta2) * gi * gi;
      double ti = th.get(i);
      double decoupled = ex == null ? 0 : c * (ti - ex.get(i));
      th.put(i, ti + decoupled - step * mi / (Math.sqrt(vi / bc2) + eps));
      mm.put(i, flush && Math.abs(mi) < FLUSH_BELOW_D ? 0 : mi);
      vv.put(i, flush && vi < FLUSH_BELOW_D ? 0 : vi);
    }
  }

  private final float[][] chunk = new float[5][CHUNK];

  private void floatStep(int n, FloatBuffer th, FloatBuffer gg, FloatBuffer mm, FloatBuffer vv, FloatBuffer ex,
      double bc1, double bc2, double lr, double c, boolean flush) {
    float b1 = (float) beta1;
    float a1 = (float) (1 - beta1);
    float b2 = (float) beta2;
    float a2 = (float) (1 - beta2);
    float step = (float) (lr / bc1);
    float inv = (float) (1 / bc2);
    float e = (float) eps;
    float cf = (float) c;
    float[] tc = chunk[0];
    float[] gc = chunk[1];
    float[] mc = chunk[2];
    float[] vc = chunk[3];
    float[] xc = chunk[4];
    for (int off = 0; off < n; off += CHUNK) {
      int k = Math.min(CHUNK, n - off);
      th.get(off, tc, 0, k);
      gg.get(off, gc, 0, k);
      mm.get(off, mc, 0, k);
      vv.get(off, vc, 0, k);
      for (int i = 0; i < k; i++) {
        float gi = gc[i];
        float mi = b1 * mc[i] + a1 * gi;
        float vi = b2 * vc[i] + a2 * gi * gi;
        mc[i] = mi;
        vc[i] = vi;
        tc[i] -= step * mi / ((float) Math.sqrt(vi * inv) + e);
      }
      if (flush) { // a loop of its own, so that the one above stays branch-free and vectorised
        for (int i = 0; i < k; i++) {
          mc[i] = Math.abs(mc[i]) < FLUSH_BELOW_F ? 0f : mc[i];
          vc[i] = vc[i] < FLUSH_BELOW_F ? 0f : vc[i];
        }
      }
      if (ex != null) {
        ex.get(off, xc, 0, k);
        th.get(off, gc, 0, k); // θ before this step, for the decoupled term
        for (int i = 0; i < k; i++) {
          tc[i] += cf * (gc[i] - xc[i]);
        }
      }
      th.put(off, tc, 0, k);
      mm.put(off, mc, 0, k);
      vv.put(off, vc, 0, k);
    }
  }
}
