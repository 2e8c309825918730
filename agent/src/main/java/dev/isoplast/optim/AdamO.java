package dev.isoplast.optim;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.nn.Gemm;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamO: Adam with the isometry regularizer applied decoupled from the gradient step, as AdamW
 * decouples weight decay ("Preserving Plasticity in Continual Learning via Dynamical Isometry",
 * arXiv 2606.09762; DESIGN.md §6). With g the task gradient only:
 *
 * <pre>
 *   m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²          (moments from g only)
 *   θ ← θ − η m̂ / (√v̂ + ε) − η_iso λ ∇R(W)                  (∇R on masked weights)
 *   R(W) = ‖WᵀW − I‖²_F if out ≥ in, else ‖WWᵀ − I‖²_F
 *   ∇R   = 4 W (WᵀW − I),   resp.  4 (WWᵀ − I) W
 * </pre>
 *
 * ∇R is evaluated at θ before this step (as AdamW's decay). The default mask is the hidden (body)
 * weights: heads and biases are excluded. With λ = 0 AdamO is Adam exactly.
 *
 * <p><b>What scales the isometry step</b> ("decoupled, analogous to AdamW" has two readings, as
 * AdamW itself does; {@link Decoupling}, config key {@code iso_decoupling}):
 *
 * <pre>
 *   lr        (default):  η_iso = η_t, the learning rate at step t (so it follows the schedule),
 *                         or a fixed η_iso ({@code iso_lr}) when one is given.
 *                         As torch.optim.AdamW, whose decay is θ ← θ − η_t λ θ.
 *   schedule:             η_iso = s_t = η_t / η₀, the schedule's factor alone (η₀ the configured
 *                         learning rate; s_t = 1 without a schedule, and when η₀ = 0):
 *                         θ ← θ − η_t m̂/(√v̂+ε) − s_t λ ∇R(W).
 *                         As Loshchilov &amp; Hutter 2019, Alg. 2, line 12:
 *                         θ_t ← θ_{t−1} − η_t (α m̂_t/(√v̂_t+ε) + λ θ_{t−1}), η_t their schedule
 *                         multiplier, α the base rate; the decay is not multiplied by α.
 * </pre>
 *
 * The same λ means a step 1/η₀ times larger under {@code schedule} (10⁴ at η₀ = 10⁻⁴): the two
 * readings agree when λ_schedule = η₀ λ_lr.
 *
 * <p><b>Cheaper forms of the isometry step</b> ({@link IsometryStep}; this project's additions,
 * not the paper's rule, which is the default {@link IsometryStep#EXACT}). The exact ∇R costs two
 * matrix products of O(out·in·min(out, in)) per weight, more than the rest of a training step for
 * the paper's 4 × 512 network at batch 16 (docs/performance.md):
 *
 * <pre>
 *   every k  (iso_every = k):   at updates t ≡ 0 (mod k):  θ ← θ − η m̂/(√v̂+ε) − k η_iso λ ∇R(W)
 *                               at the other updates:        θ ← θ − η m̂/(√v̂+ε)
 *   sketch s (iso_sketch = s):  θ ← θ − η m̂/(√v̂+ε) − η_iso λ G̃,
 *       out ≥ in:  G̃ = (4/s) W (WᵀW − I) V Vᵀ,    V ∈ R^{in×s}
 *       out &lt; in:  G̃ = (4/s) U Uᵀ (WWᵀ − I) W,   U ∈ R^{out×s}
 *       with i.i.d. N(0, 1) entries drawn afresh at every update, so E[V Vᵀ] = s I and E[G̃] = ∇R
 * </pre>
 *
 * Every-k takes one exact step per k updates, k times as large: over k updates the weights move by
 * the same first-order amount, at 1/k of the cost. The sketch sketches the smaller Gram side (the
 * one R uses), at O(out·in·s) per update, and is unbiased; its variance falls as 1/s. V (or U) for
 * update t of the i-th parameter comes from a generator seeded by (seed, t, i) alone, so a run
 * restored from a checkpoint (which holds t) draws the same sketches as an uninterrupted one.
 */
public final class AdamO extends Adam {

  /**
   * AdamO's own keys.
   *
   * @param isoCoef {@code iso_coef}: the isometry coefficient λ (hidden weights)
   * @param isoLr {@code iso_lr}: a fixed isometry rate, or null to follow the learning rate
   * @param isoDecoupling {@code iso_decoupling}: what scales the isometry step, {@code lr} (η_t, as
   *     PyTorch's AdamW; the default) or {@code schedule} (the schedule's factor η_t/η₀ alone, as
   *     Loshchilov &amp; Hutter 2019)
   * @param isoEvery {@code iso_every}: the isometry step every k-th update, k times as large (1 =
   *     every update, the paper's rule; a cheaper form of this project)
   * @param isoSketch {@code iso_sketch}: the isometry gradient sketched from s Gaussian directions
   *     (0 = exact, the paper's rule; a cheaper form of this project)
   */
  public record Config(double isoCoef, Double isoLr, Decoupling isoDecoupling, int isoEvery, int isoSketch)
      implements PartConfig {
    public Config {
      ConfigValues.nonNegative("iso_coef", isoCoef);
      if (isoLr != null) {
        ConfigValues.nonNegative("iso_lr", isoLr);
      }
      new IsometryStep(isoEvery, isoSketch); // the range checks
      checkDecoupling(isoLr, isoDecoupling);
    }

    @Override
    public boolean on() {
      return isoCoef > 0 || isoLr != null || isoDecoupling != Decoupling.LR || isoEvery != 1 || isoSketch != 0;
    }
  }

  /** The paper's supervised λ, the presets' value. */
  public static final double PRESET_ISO_COEF = 1e-3;

  private static final Knob ISO_COEF = Knob.of("iso_coef",
      "log-uniform over 1e-4 .. 10 (issue 21: the per-step isometry rate 4·η·λ reaches 1e-3 and beyond); "
          + "the paper's 1e-3 lies between the first two points",
      1e-4, 1.8e-3, 3.2e-2, 0.56, 10.0);

  /** AdamO as a method part, with the paper's presets (on the learner's body, and on an isometric one). */
  public static final OptimizerPart<Config> PART = new OptimizerPart<>("adamo",
      new Config(0.0, null, Decoupling.LR, 1, 0),
      (c, s, params, lr, seed) -> new AdamO(params, lr, s.adamBeta1(), s.adamBeta2(), s.adamEps(), c,
          ParamMask.hiddenWeights(), seed),
      List.of(new MethodPreset("adamo", "AdamO: Adam with the decoupled isometry step (the paper's optimizer)",
          "θ ← θ − η m̂/(√v̂ + ε) − ηλ∇‖WᵀW − I‖²_F on hidden weights, λ = 1e-3",
          "arXiv 2606.09762; λ = 1e-3 as the paper's supervised setting",
          kv("optimizer", "adamo", "iso_coef", PRESET_ISO_COEF), kv(), ISO_COEF),
          new MethodPreset("adamo-isometric", "AdamO on an isometric body (the paper's full method)",
          "body = isometric; AdamO with λ = 1e-3",
          "arXiv 2606.09762",
          kv("optimizer", "adamo", "iso_coef", PRESET_ISO_COEF, "body", "isometric"), kv(), ISO_COEF)));

  /** What multiplies λ∇R (see the class comment): η_t, or the schedule's factor η_t / η₀. */
  public enum Decoupling {
    /** η_iso = η_t (PyTorch's AdamW): the default, the behaviour before issue 21. */
    LR,
    /** η_iso = η_t / η₀ (Loshchilov &amp; Hutter 2019's AdamW). */
    SCHEDULE;

    /** The name in configs ({@code iso_decoupling}): {@code lr}, {@code schedule}. */
    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Decoupling fromName(String name) {
      for (Decoupling d : values()) {
        if (d.configName().equals(name)) {
          return d;
        }
      }
      throw new IllegalArgumentException("iso_decoupling must be one of "
          + java.util.Arrays.stream(values()).map(Decoupling::configName).toList() + ", got '" + name + "'");
    }
  }

  private final double isoCoef;
  private final Double isoLearningRate;
  private final Decoupling decoupling;
  private final double baseLearningRate;
  private final ParamMask mask;
  private final IsometryStep form;
  private final long sketchSeed;
  private final IsometryPenalty penalty = new IsometryPenalty(IsometryPenalty.Gram.AUTO, 1.0);
  private final Map<Param, Integer> index = new IdentityHashMap<>();
  private final Map<Param, SketchBuffers> sketchBuffers = new IdentityHashMap<>();

  /** AdamO with Adam's defaults, λ = {@code isoCoef}, η_iso = η, hidden weights only. */
  public AdamO(List<Param> params, double learningRate, double isoCoef) {
    this(params, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, isoCoef, null, ParamMask.hiddenWeights());
  }

  /**
   * @param isoLearningRate fixed η_iso, or null to follow the learning rate (the default)
   */
  public AdamO(List<Param> params, double learningRate, double beta1, double beta2, double eps,
      double isoCoef, Double isoLearningRate, ParamMask mask) {
    this(params, learningRate, beta1, beta2, eps, isoCoef, isoLearningRate, mask, IsometryStep.EXACT, 0L);
  }

  /**
   * @param form the exact step (the paper's) or one of the cheaper forms above
   * @param sketchSeed seeds the sketches ({@code form.sketch() > 0}); unused otherwise
   */
  public AdamO(List<Param> params, double learningRate, double beta1, double beta2, double eps,
      double isoCoef, Double isoLearningRate, ParamMask mask, IsometryStep form, long sketchSeed) {
    this(params, learningRate, beta1, beta2, eps, isoCoef, isoLearningRate, Decoupling.LR, mask, form, sketchSeed);
  }

  /**
   * @param learningRate η₀, the configured rate: the {@code schedule} reading divides by it
   * @param decoupling what scales λ∇R: η_t ({@code lr}) or the schedule's factor η_t / η₀
   *     ({@code schedule}, which takes no fixed {@code isoLearningRate})
   */
  public AdamO(List<Param> params, double learningRate, double beta1, double beta2, double eps,
      double isoCoef, Double isoLearningRate, Decoupling decoupling, ParamMask mask, IsometryStep form,
      long sketchSeed) {
    this(params, learningRate, beta1, beta2, eps, new Config(isoCoef, isoLearningRate, decoupling, form.every(),
        form.sketch()), mask, sketchSeed); // the Config's compact constructor is the one range check
  }

  /**
   * AdamO of a configuration record, which was checked when it was made (its compact constructor
   * holds the one range check of λ, η_iso, the decoupling and the cheaper forms).
   */
  public AdamO(List<Param> params, double learningRate, double beta1, double beta2, double eps, Config config,
      ParamMask mask, long sketchSeed) {
    super(params, learningRate, beta1, beta2, eps);
    this.isoCoef = config.isoCoef();
    this.isoLearningRate = config.isoLr();
    this.decoupling = config.isoDecoupling();
    this.baseLearningRate = learningRate;
    this.mask = mask;
    this.form = new IsometryStep(config.isoEvery(), config.isoSketch());
    this.sketchSeed = sketchSeed;
    for (Param p : params()) {
      index.put(p, index.size());
    }
  }

  @Override
  public String kind() {
    return "adamo";
  }

  /** The form of the isometry step (exact unless configured otherwise). */
  public IsometryStep form() {
    return form;
  }

  /** c = 4 k η_iso λ, the factor of (W Wᵀ W − W) (which ∇R / 4 equals for either Gram side) at step t, or 0 where the isometry step does not act on p. */
  private double isoFactor(Param p, long t, double lr) {
    if (!(isoCoef > 0 && mask.test(p) && p.value().rank() == 2) || t % form.every() != 0) {
      return 0;
    }
    return 4.0 * form.every() * isoRate(lr) * isoCoef;
  }

  @Override
  protected void update(Param p, Map<String, INDArray> slots, long t, double lr) {
    double c = isoFactor(p, t, lr);
    if (c == 0) {
      adamStep(p, slots, t, lr);
    } else if (form.sketch() == 0) {
      // the step −c (W Wᵀ W − W) as θ (1 + c) − c W Wᵀ W, folded around Adam's update (which is θ-free)
      INDArray wwtw = scratch(p, 3)[2];
      penalty.cubic(p.value(), wwtw);
      adamStep(p, slots, t, lr, c, wwtw);
    } else {
      SketchBuffers b = sketch(p, t);
      adamStep(p, slots, t, lr);
      b.apply(p.value(), c / form.sketch());
    }
  }

  /** The isometry step alone on θ before this step (for a flat segment, whose Adam update follows as one call). */
  @Override
  protected void decoupledStage(Param p, long t, double lr) {
    double c = isoFactor(p, t, lr);
    if (c == 0) {
      return;
    }
    if (form.sketch() == 0) {
      INDArray wwtw = scratch(p, 3)[2];
      penalty.cubic(p.value(), wwtw);
      applyDecoupled(p.value(), c, wwtw);
    } else {
      sketch(p, t).apply(p.value(), c / form.sketch());
    }
  }

  /** The sketch buffers of p with this step's probe drawn and W projected at θ before the step. */
  private SketchBuffers sketch(Param p, long t) {
    SketchBuffers b = sketchBuffers.computeIfAbsent(p, k -> new SketchBuffers(k.value(), form.sketch()));
    b.draw(sketchSeed, t, index.get(p));
    b.project(p.value()); // at θ before this step
    return b;
  }

  /** η_iso at learning rate {@code lr}: the fixed rate, η_t, or the schedule's factor η_t / η₀ (see the class comment). */
  double isoRate(double lr) {
    if (isoLearningRate != null) {
      return isoLearningRate;
    }
    if (decoupling == Decoupling.LR) {
      return lr;
    }
    return baseLearningRate > 0 ? lr / baseLearningRate : 1.0;
  }

  /** A fixed η_iso belongs to the {@code lr} reading: with {@code schedule} it is an error. */
  static void checkDecoupling(Double isoLearningRate, Decoupling decoupling) {
    if (decoupling == null) {
      throw new IllegalArgumentException("iso_decoupling must be given: lr or schedule");
    }
    if (isoLearningRate != null && decoupling == Decoupling.SCHEDULE) {
      throw new IllegalArgumentException("iso_lr fixes η_iso of the lr reading; iso_decoupling schedule scales the "
          + "isometry step by the schedule's factor alone: give one of them");
    }
  }

  /** What scales the isometry step. */
  public Decoupling decoupling() {
    return decoupling;
  }

  /** Σ R(W) over the weights this optimizer's isometry stage acts on, at their current values. */
  public double penalty() {
    double total = 0;
    for (Param p : params()) {
      if (mask.test(p) && p.value().rank() == 2) {
        total += penalty.value(p.value());
      }
    }
    return total;
  }

  /**
   * The sketch of one weight W [out, in], on its smaller side n = min(out, in): the Gaussian
   * directions S [n, s] and the products, preallocated. {@link #project} computes, at the current
   * W, R = W (WᵀW − I) S [out, s] (out ≥ in) or R = Sᵀ (WWᵀ − I) W [s, in] (out &lt; in);
   * {@link #apply} adds −a R Sᵀ resp. −a S R to W, i.e. −(a s / 4) G̃.
   */
  static final class SketchBuffers {
    final boolean columns; // out ≥ in: sketch on the right
    final INDArray s;
    final INDArray p;
    final INDArray q;
    final INDArray r;

    SketchBuffers(INDArray w, int k) {
      DataType dt = w.dataType();
      long out = w.rows();
      long in = w.columns();
      columns = out >= in;
      long n = columns ? in : out;
      s = Nd4j.zeros(dt, n, k);
      if (columns) {
        p = Nd4j.zeros(dt, out, k); // W S
        q = Nd4j.zeros(dt, in, k); //  Wᵀ W S − S
        r = Nd4j.zeros(dt, out, k); // W (WᵀW − I) S
      } else {
        p = Nd4j.zeros(dt, k, in); //  Sᵀ W
        q = Nd4j.zeros(dt, out, k); // W Wᵀ S − S
        r = Nd4j.zeros(dt, k, in); //  Sᵀ (WWᵀ − I) W
      }
    }

    /** Fills S with N(0, 1) draws from a generator seeded by (seed, t, i) alone. */
    void draw(long seed, long t, int i) {
      SplittableRandom rng = new SplittableRandom(mix(seed, t, i));
      int n = (int) s.length();
      if (s.dataType() == DataType.DOUBLE) {
        DoubleBuffer d = HostArrays.doubles(s);
        for (int j = 0; j < n; j++) {
          d.put(j, rng.nextGaussian());
        }
      } else {
        FloatBuffer f = HostArrays.floats(s);
        for (int j = 0; j < n; j++) {
          f.put(j, (float) rng.nextGaussian());
        }
      }
    }

    void project(INDArray w) {
      if (columns) {
        Gemm.gemm(w, s, p, false, false, 1.0, 0.0); // W S
        Gemm.gemm(w, p, q, true, false, 1.0, 0.0); //  Wᵀ W S
        q.subi(s); //                                   (WᵀW − I) S
        Gemm.gemm(w, q, r, false, false, 1.0, 0.0); // W (WᵀW − I) S
      } else {
        Gemm.gemm(s, w, p, true, false, 1.0, 0.0); //  Sᵀ W
        Gemm.gemm(w, p, q, false, true, 1.0, 0.0); //  W Wᵀ S
        q.subi(s); //                                   (WWᵀ − I) S
        Gemm.gemm(q, w, r, true, false, 1.0, 0.0); //  Sᵀ (WWᵀ − I) W
      }
    }

    /** W ← W − a R Sᵀ (out ≥ in), resp. W − a S R. */
    void apply(INDArray w, double a) {
      if (columns) {
        Gemm.gemm(r, s, w, false, true, -a, 1.0);
      } else {
        Gemm.gemm(s, r, w, false, false, -a, 1.0);
      }
    }

    /** A well-spread seed for one (seed, update, parameter) triple (splitmix64's finaliser). */
    static long mix(long seed, long t, int i) {
      long z = seed + 0x9E3779B97F4A7C15L * (t + 1) + 0xD1B54A32D192ED03L * (i + 1);
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }
}
