package dev.isoplast.plasticity;

import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.dist.Categorical;
import dev.isoplast.nn.loss.Mse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * C-CHAIN, churn approximated reduction (Tang, Obando-Ceron, Castro, Courville &amp; Berseth 2025,
 * "Mitigating plasticity loss in continual reinforcement learning by reducing churn", arXiv
 * 2506.00592, ICML; official code bluecontra/C-CHAIN @ 2f8bedf): a loss term ({@link LossTerm})
 * penalising churn, the change of the learner's outputs ({@link Learner#output()}) over a
 * reference batch (not the training batch) between the parameters of the previous gradient step
 * θ_{t−1} and the current θ_t:
 *
 * <pre>
 *   L = L_task + λ · L_C
 *   MSE variant (Gaussian mean, Q-values, supervised outputs):  L_C = mean_{x,o} (f_θt(x)_o − f_θt−1(x)_o)²
 *   CE variant (categorical logits):  L_C = mean_x [ −Σ_a π_θt−1(a|x) log(π_θt(a|x) + 1e-8) ]
 *   λ = s · max(floor, λ_rel · mean|L_task| / (mean L_C + 1e-8) · frac)   after the warm-up, else s · λ_init
 * </pre>
 *
 * with f_θt−1 under no gradient, the reference batch drawn from the learner's own data
 * ({@link Learner#referenceInputs}: an independent minibatch of PPO's rollout, a second replay
 * sample for DQN, recent inputs for the supervised learner) of the training batch's size, and the
 * means over the last {@code window} updates of |L_task| ({@link Learner#taskLoss()}: PPO's clipped
 * surrogate alone, DQN's TD loss) and of L_C, each update contributing its last gradient step's
 * values (as the code's PPO, which appends the last minibatch's). No term while θ_{t−1} does not
 * exist (the first step). frac is PPO's learning-rate annealing fraction η_t/η₀ (DMC only).
 *
 * <p>Per output kind, the code's values: Gaussian PPO (DMC, {@code crl_run_ppo_c_chain_dmc.py}):
 * MSE on the actor's mean, λ_rel = 0.05, λ_init = 100 until update 50, window 100, with frac;
 * categorical PPO (Gym control, {@code control_train_aligned_c_chain.py}): CE, λ_rel = 1e4, λ_init
 * = 1 until update 11, window 50, floor 1 (the code also resets λ and the windows at each level
 * change, an oracle of phase boundaries: not done here); DQN (MinAtar,
 * {@code double_dqn_c_chain.py}): MSE over all actions' Q-values, λ_rel = 0.01, λ_init = 50 until
 * update 10,000, window 50,000. The supervised learner has no source: MSE on its outputs (logits)
 * with DQN's values, chosen here.
 *
 * <p>Deviations, chosen here: the knob s ({@code cchain_rel_scale}) multiplies every λ the code
 * sets (λ_init, the floor and the automatic value alike, i.e. λ_rel·s throughout), so that one grid
 * serves the three kinds whose λ_rel spans 0.01 to 1e4 and the knob acts from the first step; PPO's
 * reference rows are drawn per minibatch step without replacement from the rollout (the code slices
 * an independent permutation per epoch); θ_{t−1} is the output network's parameters as the previous
 * gradient step found them (the code copies them after each optimizer step, so the two differ only
 * when an intervention acts in between). The reference rows of step t are drawn from
 * {@code Seeds.stream(seed ^ SALT, t)}, so the state holds no stream. Logged:
 * {@code losses/cchain} (the last step's L_C) and {@code charts/cchain_coef} (λ).
 */
public final class CChain implements LossTerm {

  /**
   * Its key.
   *
   * @param cchainRelScale {@code cchain_rel_scale}: the multiplier s of the code's coefficient for
   *     the learner's output kind (0 = off)
   */
  public record Config(double cchainRelScale) implements PartConfig {
    public Config {
      ConfigValues.nonNegative("cchain_rel_scale", cchainRelScale);
    }

    @Override
    public boolean on() {
      return cchainRelScale > 0;
    }
  }

  /**
   * The code's constants for one output kind.
   *
   * @param crossEntropy CE on the policy (else MSE on the outputs)
   * @param relScale λ_rel
   * @param initial λ_init, used until the warm-up ends
   * @param warmup the first update after which λ is set automatically
   * @param window updates the means run over
   * @param floor λ's lower bound
   * @param annealed whether λ follows the learning rate's annealing fraction
   */
  record Variant(boolean crossEntropy, double relScale, double initial, long warmup, int window, double floor,
      boolean annealed) {

    static Variant of(Learner.Output.Kind kind) {
      return switch (kind) {
        case POLICY_MEAN -> new Variant(false, 0.05, 100, 50, 100, 0, true);
        case POLICY_LOGITS -> new Variant(true, 1e4, 1, 11, 50, 1, false);
        case Q_VALUES, PREDICTIONS -> new Variant(false, 0.01, 50, 10_000, 50_000, 0, false);
      };
    }
  }

  /** Salt of its stream of reference rows. */
  static final long SALT = 0xC4A1L;

  /** C-CHAIN as a method part, with its preset (s = 1: the code's coefficients). */
  public static final LossTermPart<Config> PART = new LossTermPart<>("cchain", new Config(0.0),
      (c, output, seed) -> new CChain(output, c.cchainRelScale(), seed ^ SALT),
      List.of(new MethodPreset("c-chain", "C-CHAIN: penalise output churn on a reference batch, automatic scale",
          "L = L_task + λ·mean(f_θt(x_ref) − f_θt−1(x_ref))² (CE for categorical policies); "
              + "λ = λ_rel·mean|L_task|/mean L_C",
          "Tang et al. 2025 (arXiv 2506.00592), code bluecontra/C-CHAIN: λ_rel 0.05 (Gaussian PPO), 1e4 "
              + "(categorical PPO), 0.01 (DQN); supervised = DQN's, chosen here",
          kv("optimizer", "adam", "cchain_rel_scale", 1.0), kv(),
          Knob.of("cchain_rel_scale", "half-decades around the code's coefficient per learner kind (×1); chosen "
              + "here, one grid for λ_rel spanning 0.01 to 1e4", 0.1, 0.3, 1.0, 3.0, 10.0))));

  private final double scale;
  private final long seed;
  private final Variant variant;
  private final INDArray[] previous; // θ_{t−1} of the output network's parameters
  private final INDArray[] current; // θ_t, kept while θ_{t−1} is swapped in
  private final double[] taskWindow;
  private final double[] churnWindow;
  private double lambda;
  private double initialRate = Double.NaN; // η₀: the learning rate at the first step (frac = η_t / η₀)
  private boolean hasPrevious;
  private double lastChurn = Double.NaN; // L_C of the last step (NaN when none was computed)
  private long taskCount;
  private long churnCount;

  /** For a learner whose task loss trains {@code output}, s = {@code scale}, reference rows from {@code seed}. */
  CChain(Learner.Output output, double scale, long seed) {
    this.scale = scale;
    this.seed = seed;
    this.variant = Variant.of(output.kind());
    this.lambda = scale * variant.initial();
    this.taskWindow = new double[variant.window()];
    this.churnWindow = new double[variant.window()];
    List<Param> ps = output.network().params();
    previous = new INDArray[ps.size()];
    current = new INDArray[ps.size()];
    for (int k = 0; k < ps.size(); k++) {
      previous[k] = ps.get(k).value().dup();
      current[k] = ps.get(k).value().ulike();
    }
  }

  @Override
  public String name() {
    return "cchain";
  }

  @Override
  public void addGradient(Learner learner, long step) {
    if (Double.isNaN(initialRate)) {
      initialRate = learner.optimizer().learningRate();
    }
    Sequential net = learner.output().network();
    List<Param> ps = net.params();
    lastChurn = Double.NaN;
    if (hasPrevious) {
      int rows = learner.batchRows();
      float[] x = learner.referenceInputs(rows, Seeds.stream(seed, step));
      if (x.length > 0) {
        INDArray in = Nd4j.create(x, new long[] {x.length / net.inSize(), net.inSize()}, 'c')
            .castTo(ps.get(0).value().dataType());
        for (int k = 0; k < ps.size(); k++) { // θ_{t−1} in, under no gradient
          current[k].assign(ps.get(k).value());
          ps.get(k).value().assign(previous[k]);
        }
        double[] before = HostArrays.toDoubles(net.forward(in), null);
        for (int k = 0; k < ps.size(); k++) {
          ps.get(k).value().assign(current[k]);
        }
        INDArray out = net.forward(in);
        double[] after = HostArrays.toDoubles(out, null);
        double[] grad = new double[after.length];
        lastChurn = variant.crossEntropy() ? crossEntropy(after, before, net.outSize(), grad)
            : Mse.loss(after, before, grad);
        for (int i = 0; i < grad.length; i++) {
          grad[i] *= lambda;
        }
        INDArray g = out.ulike();
        HostArrays.fromDoubles(grad, g);
        net.backwardParams(g);
      }
    }
    for (int k = 0; k < ps.size(); k++) { // θ_t becomes θ_{t−1} of the next step
      previous[k].assign(ps.get(k).value());
    }
    hasPrevious = true;
  }

  @Override
  public void afterUpdate(Learner learner, long update) {
    int w = variant.window();
    taskWindow[(int) (taskCount++ % w)] = Math.abs(learner.taskLoss());
    if (!Double.isNaN(lastChurn)) {
      churnWindow[(int) (churnCount++ % w)] = lastChurn;
    }
    if (update >= variant.warmup() && churnCount > 0) {
      double frac = variant.annealed() ? learner.optimizer().learningRate() / initialRate : 1.0;
      lambda = scale * coefficient(variant.relScale(), mean(taskWindow, taskCount), mean(churnWindow, churnCount),
          frac, variant.floor());
    }
  }

  private static double mean(double[] window, long count) {
    int n = (int) Math.min(count, window.length);
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += window[i];
    }
    return s / n;
  }

  /** The code's automatic coefficient: max(floor, λ_rel · mean|L_task| / (mean L_C + 1e-8) · frac). */
  static double coefficient(double relScale, double meanAbsTask, double meanChurn, double frac, double floor) {
    return Math.max(floor, relScale * meanAbsTask / (meanChurn + 1e-8) * frac);
  }

  /**
   * The CE variant on row-major logits {@code [B, k]}: mean_b −Σ_a p_prev log(p + 1e-8), with p the
   * softmax of {@code logits} and p_prev of {@code prevLogits}; writes dL/dlogits into {@code grad}
   * (exact with the 1e-8: dL/dz_j = p_j (u_j − Σ_a p_a u_a), u_a = −p_prev_a / ((p_a + 1e-8) B)).
   */
  static double crossEntropy(double[] logits, double[] prevLogits, int k, double[] grad) {
    int b = logits.length / k;
    Categorical cur = Categorical.fromLogits(Nd4j.create(logits, new long[] {b, k}, 'c'));
    Categorical prev = Categorical.fromLogits(Nd4j.create(prevLogits, new long[] {b, k}, 'c'));
    double total = 0;
    double[] u = new double[k];
    for (int r = 0; r < b; r++) {
      double dot = 0;
      for (int a = 0; a < k; a++) {
        double p = cur.prob(r, a);
        double q = prev.prob(r, a);
        total -= q * Math.log(p + 1e-8);
        u[a] = -q / ((p + 1e-8) * b);
        dot += p * u[a];
      }
      for (int a = 0; a < k; a++) {
        grad[r * k + a] = cur.prob(r, a) * (u[a] - dot);
      }
    }
    return total / b;
  }

  /** λ now. */
  double coefficient() {
    return lambda;
  }

  @Override
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("losses/cchain", Double.isNaN(lastChurn) ? 0.0 : lastChurn);
    m.put("charts/cchain_coef", lambda);
    return m;
  }

  @Override
  public Snapshot state() {
    Snapshot prev = new Snapshot();
    for (int k = 0; k < previous.length; k++) {
      prev.put(String.valueOf(k), HostArrays.toDoubles(previous[k], null));
    }
    return new Snapshot().put("lambda", lambda).put("initial_rate", initialRate).put("has_previous", hasPrevious)
        .put("previous", prev).put("last_churn", lastChurn).put("task_window", taskWindow)
        .put("churn_window", churnWindow).put("task_count", taskCount).put("churn_count", churnCount);
  }

  @Override
  public void restore(Snapshot s) {
    Snapshot prev = s.getTree("previous");
    for (int k = 0; k < previous.length; k++) {
      HostArrays.fromDoubles(prev.getDoubles(String.valueOf(k), (int) previous[k].length()), previous[k]);
    }
    lambda = s.getDouble("lambda");
    initialRate = s.getDouble("initial_rate");
    hasPrevious = s.getBoolean("has_previous");
    lastChurn = s.getDouble("last_churn");
    System.arraycopy(s.getDoubles("task_window", taskWindow.length), 0, taskWindow, 0, taskWindow.length);
    System.arraycopy(s.getDoubles("churn_window", churnWindow.length), 0, churnWindow, 0, churnWindow.length);
    taskCount = s.getLong("task_count");
    churnCount = s.getLong("churn_count");
  }
}
