package dev.isoplast.optim;

import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.FlatParams;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * TRAC (Muppidi, Zhang &amp; Yang 2024, "Fast TRAC: a parameter-free optimizer for lifelong
 * reinforcement learning", arXiv 2405.16642): Adam proposes a displacement Δ from a reference
 * point θ_ref (θ at the first step), and TRAC scales it by one global, learned S ≥ 0:
 * θ = θ_ref + S·Δ. S is the sum of n = 6 discounted one-dimensional "erfi tuners", which grow S
 * while the gradient keeps pointing along −Δ and shrink it (to 0: back at θ_ref) when it turns.
 * At step t, with g the gradients (after the coupled regularizers and clipping):
 *
 * <pre>
 *   h   = Σ over all parameters ⟨Δ_t, g_t⟩                (one scalar, in double)
 *   Δ_{t+1} = Δ_t + u_t,   u_t = −η m̂/(√v̂ + ε)           (Adam's step, m and v from g)
 *   for i = 1..6:  v_i ← β_i² v_i + h²,   σ_i ← β_i σ_i − h
 *                  s_i = s_init / erfi(1/√2) · erfi( σ_i / (√(2 v_i) + ε_T) )
 *   S_{t+1} = max(Σ_i s_i, 0);   θ_{t+1} = θ_ref + S_{t+1} Δ_{t+1}
 * </pre>
 *
 * Constants as the authors' code (ComputationalRobotics/TRAC @ 320a100,
 * package/src/trac_optimizer/trac.py, {@code start_trac}): β = (0.9, 0.99, 0.999, 0.9999, 0.99999,
 * 0.999999), s_init = 1e-8 ({@code trac_s_init}, kept as a key for tests and studies; the method
 * has no hyper-parameter to tune, so its knob is the learning rate), ε_T = 1e-8, σ_i starts at
 * 1e-8, v_i at 0, S_0 = 0. Adam's β1, β2, ε are the learner's ({@code adam_*}: PPO's ε is 1e-5;
 * the authors' TRAC runs used torch's 1e-8). PPO's actor and critic share one TRAC, so h sums over
 * both networks and S is shared (as main.ipynb's {@code trac_combined_optimizer}).
 *
 * <p>Deliberate differences from the code:
 * <ul>
 *   <li>Δ is kept as a slot (the paper's form), not recovered as (θ − θ_ref)/(S + ε) as trac.py
 *       does: the recovery shrinks Δ by S/(S + ε) every step, erases it whenever S = 0, and in
 *       float32 is rounding noise while S ≈ 1e-7. The two agree once S ≫ 1e-8.
 *   <li>θ is moved by the change of S·Δ, θ ← θ − S_t Δ_t + S_{t+1} Δ_{t+1}, rather than
 *       assigned θ_ref + S_{t+1} Δ_{t+1} (θ_ref is implicit: θ − S·Δ). The two are the same while
 *       nothing else moves θ; an intervention's change (Shrink &amp; Perturb, the Björck
 *       projection) is kept instead of overwritten, and where ReDo, CBP or a reset zero the slots
 *       (m, v, Δ) of the units they replace, those entries restart from their fresh values as
 *       their reference.
 *   <li>The erfi argument is clipped to ±{@value #ERFI_ARG_MAX} (erfi overflows a double beyond
 *       26.6; the code raises on the NaN that follows).
 *   <li>It acts on the layers' parameters ({@link ParamMask#layerParams()}, the project's one
 *       policy): PPO's {@code actor.log_std} takes the plain Adam step and enters neither h nor S.
 * </ul>
 *
 * <p>State: Adam's m, v and Δ per parameter, t, and the tuners' σ_i, v_i and S (its
 * {@link #extraState()}); no draws.
 */
public final class Trac extends Adam {

  /**
   * TRAC's own key.
   *
   * @param tracSInit {@code trac_s_init}: the tuners' scale s_init (1e-8, the code's; 0 keeps θ at θ_ref)
   */
  public record Config(double tracSInit) implements PartConfig {
    public Config {
      ConfigValues.nonNegative("trac_s_init", tracSInit);
    }

    /** Set away from the code's s_init (an error unless {@code optimizer=trac}). */
    @Override
    public boolean on() {
      return tracSInit != S_INIT;
    }
  }

  /** The code's s_init ({@code s_prev} in trac.py). */
  static final double S_INIT = 1e-8;

  /** The tuners' discounts. */
  static final double[] BETAS = {0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999};

  /** ε in the tuners' denominator, and σ_i's start. */
  static final double EPS = 1e-8;

  /** The largest erfi argument used (erfi(20) ≈ 1.5e172; erfi overflows a double beyond 26.6). */
  static final double ERFI_ARG_MAX = 20;

  /** TRAC as a method part, with its preset (tuned on the learning rate: it has no coefficient of its own). */
  public static final OptimizerPart<Config> PART = new OptimizerPart<>("trac", new Config(S_INIT),
      (c, s, params, lr, seed) -> new Trac(params, lr, s.adamBeta1(), s.adamBeta2(), s.adamEps(), c.tracSInit(),
          ParamMask.layerParams()),
      List.of(new MethodPreset("trac", "TRAC: Adam's displacement from θ₀ scaled by a parameter-free, learned S",
          "θ = θ₀ + SΔ, Δ ← Δ − η m̂/(√v̂ + ε); S = max(Σᵢ sᵢ, 0), sᵢ ∝ erfi(σᵢ/√(2vᵢ)), "
              + "σᵢ ← βᵢσᵢ − ⟨Δ, g⟩, vᵢ ← βᵢ²vᵢ + ⟨Δ, g⟩², β = 0.9 … 0.999999",
          "Muppidi, Zhang & Yang 2024 (arXiv 2405.16642), code ComputationalRobotics/TRAC (six β, s_init = 1e-8); "
              + "parameter-free, so the learning rate is its knob",
          kv("optimizer", "trac"), kv(), Knob.LEARNING_RATE)));

  private final ParamMask mask;
  private final Tuner tuner;
  private final Map<Param, double[][]> work = new IdentityHashMap<>();
  private double scale; // S_t: the scale θ carries before this step
  private double next; //  S_{t+1}: after it

  /** @param mask the parameters TRAC scales; the others take the plain Adam step */
  public Trac(List<Param> params, double learningRate, double beta1, double beta2, double eps, double sInit,
      ParamMask mask) {
    super(params, learningRate, beta1, beta2, eps, "delta");
    this.mask = mask;
    this.tuner = new Tuner(sInit);
  }

  @Override
  public String kind() {
    return "trac";
  }

  /** h = ⟨Δ_t, g_t⟩ over every parameter TRAC scales, then the tuners' S_{t+1}. */
  @Override
  protected void beforeUpdates(long t, double lr) {
    double h = 0;
    for (Param p : params()) {
      if (mask.test(p)) {
        double[][] w = work.computeIfAbsent(p, k -> new double[2][(int) k.length()]);
        double[] d = HostArrays.toDoubles(slot(p, "delta"), w[0]);
        double[] g = HostArrays.toDoubles(p.grad(), w[1]);
        for (int i = 0; i < d.length; i++) {
          h += d[i] * g[i];
        }
      }
    }
    scale = next;
    next = Math.max(tuner.update(h), 0);
  }

  /** A flat segment of scaled parameters as one: θ − S_t Δ, Adam's step on Δ, θ + S_{t+1} Δ. */
  @Override
  protected void updateSegment(Segment segment, long t, double lr) {
    FlatParams.Run run = segment.run();
    if (run.flat() && run.params().stream().allMatch(mask)) {
      scaledStep(run.value(), run.grad(), segment.slot("m"), segment.slot("v"), segment.slot("delta"), t, lr);
    } else {
      for (Param p : run.params()) {
        update(p, slots(p), t, lr);
      }
    }
  }

  @Override
  protected void update(Param p, Map<String, INDArray> slots, long t, double lr) {
    if (mask.test(p)) {
      scaledStep(p.value(), p.grad(), slots.get("m"), slots.get("v"), slots.get("delta"), t, lr);
    } else {
      adamStep(p, slots, t, lr);
    }
  }

  private void scaledStep(INDArray theta, INDArray g, INDArray m, INDArray v, INDArray delta, long t, double lr) {
    if (scale != 0) {
      axpy(-scale, delta, theta);
    }
    adamStep(delta, g, m, v, t, lr);
    if (next != 0) {
      axpy(next, delta, theta);
    }
  }

  /** S after the last step: the scale of Δ that θ carries. */
  public double scale() {
    return next;
  }

  @Override
  protected Snapshot extraState() {
    return tuner.state().put("scale", next);
  }

  @Override
  protected void restoreExtra(Snapshot extra) {
    if (!extra.has("scale")) {
      throw new IllegalArgumentException("the saved optimizer state lacks TRAC's tuners");
    }
    tuner.restore(extra);
    next = extra.getDouble("scale");
  }

  /**
   * The n = 6 discounted erfi tuners of TRAC (trac.py's {@code s}, {@code v}, {@code sigma}):
   * {@link #update} takes h and gives Σ_i s_i (unclipped; TRAC uses max(·, 0)).
   */
  static final class Tuner {
    private final double sInit;
    private final double[] v = new double[BETAS.length];
    private final double[] sigma = new double[BETAS.length];

    Tuner(double sInit) {
      this.sInit = sInit;
      java.util.Arrays.fill(sigma, EPS);
    }

    double update(double h) {
      double norm = sInit / erfi(Math.sqrt(0.5));
      double sum = 0;
      for (int i = 0; i < BETAS.length; i++) {
        v[i] = BETAS[i] * BETAS[i] * v[i] + h * h;
        sigma[i] = BETAS[i] * sigma[i] - h;
        double x = sigma[i] / (Math.sqrt(2 * v[i]) + EPS);
        sum += norm * erfi(Math.max(-ERFI_ARG_MAX, Math.min(ERFI_ARG_MAX, x)));
      }
      return sum;
    }

    Snapshot state() {
      return new Snapshot().put("tuner_v", v).put("tuner_sigma", sigma);
    }

    void restore(Snapshot s) {
      System.arraycopy(s.getDoubles("tuner_v", v.length), 0, v, 0, v.length);
      System.arraycopy(s.getDoubles("tuner_sigma", sigma.length), 0, sigma, 0, sigma.length);
    }
  }

  /**
   * The imaginary error function erfi(x) = 2/√π Σ_{n≥0} x^{2n+1} / (n! (2n + 1)): every term has
   * x's sign, so the series sums without cancellation for any x; it stops once past the largest
   * term (n &gt; x²) with terms below 1e-17 of the sum. Relative error a few ulps for |x| ≤ 20.
   */
  static double erfi(double x) {
    double ax = Math.abs(x);
    if (ax == 0) {
      return x;
    }
    double x2 = ax * ax;
    double a = ax; // x^{2n+1} / n!
    double sum = ax;
    for (int n = 1; ; n++) {
      a *= x2 / n;
      double term = a / (2 * n + 1);
      sum += term;
      if (n > x2 && term < 1e-17 * sum) {
        break;
      }
    }
    return Math.copySign(2 / Math.sqrt(Math.PI) * sum, x);
  }
}
