package dev.isoplast.plasticity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of method presets: every plasticity method the paper compares with, by name
 * ({@code train --method NAME}, {@code isoplast methods}). Adding a method is one intervention,
 * regularizer or optimizer class and one entry here; docs/methods.md lists them with their rules.
 *
 * <p>Values marked "chosen here" have no single published value for this setting; they are this
 * project's, stated so that a study can say what it ran.
 */
public final class Methods {

  private static final Map<String, MethodPreset> PRESETS = new LinkedHashMap<>();

  private static final double ADAMW_DECAY = 1e-2;
  private static final double ISO_COEF = 1e-3;

  /*
   * Tuning grids (sweep --tune, DESIGN.md §14): Knob.SIZE values each. Methods with a coefficient of
   * their own tune it over decades around the preset's value; methods without one (adam, layernorm,
   * isometric) tune the learning rate over half-decades, per learner kind. docs/methods.md.
   */
  private static final Knob LEARNING_RATE = Knob.perKind("learning_rate",
      "half-decades around the learners' rates (supervised 1e-3; RL spans CleanRL's 2.5e-4 and the study's 1e-3); "
          + "chosen here",
      "ppo", new Number[] {3e-5, 1e-4, 3e-4, 1e-3, 3e-3}, "dqn", new Number[] {3e-5, 1e-4, 3e-4, 1e-3, 3e-3},
      "supervised", new Number[] {1e-4, 3e-4, 1e-3, 3e-3, 1e-2});
  private static final Knob WEIGHT_DECAY = Knob.of("weight_decay",
      "decades around torch.optim.AdamW's λ = 1e-2 (Loshchilov & Hutter 2019 tune λ on a log scale)",
      1e-4, 1e-3, 1e-2, 1e-1, 1.0);
  private static final Knob ISO_COEF_GRID = Knob.of("iso_coef",
      "log-uniform over 1e-4 .. 10 (issue 21: the per-step isometry rate 4·η·λ reaches 1e-3 and beyond); "
          + "the paper's 1e-3 lies between the first two points",
      1e-4, 1.8e-3, 3.2e-2, 0.56, 10.0);

  static {
    add("adam", "Adam, no plasticity method: the baseline",
        "θ ← θ − η m̂/(√v̂ + ε)",
        "Kingma & Ba 2015; each learner keeps its own ε (CleanRL's PPO 1e-5, its DQN 1e-8)",
        kv("optimizer", "adam"), kv(),
        LEARNING_RATE);
    add("adamw", "AdamW: Adam with decoupled weight decay on the weights",
        "θ ← θ − η (m̂/(√v̂ + ε) + λθ), λ = 1e-2 on weights (not biases or norms)",
        "Loshchilov & Hutter 2019; λ = 1e-2 is torch.optim.AdamW's default",
        kv("optimizer", "adamw", "weight_decay", ADAMW_DECAY), kv(),
        WEIGHT_DECAY);
    add("l2", "coupled L2 penalty λ Σ‖θ‖² through Adam",
        "g ← g + 2λθ, λ = 5e-4",
        "Dohare et al. 2024 (PPO+L2 on Ant: torch Adam weight_decay 1e-3, i.e. λ = 5e-4 here)",
        kv("optimizer", "adam", "l2_coef", 5e-4), kv(),
        Knob.of("l2_coef", "decades around Dohare et al. 2024's λ = 5e-4", 5e-6, 5e-5, 5e-4, 5e-3, 5e-2));
    add("l2-init", "L2 towards the initial parameters (regenerative regularization)",
        "g ← g + 2λ(θ − θ₀), λ = 1e-2",
        "Kumar, Marklund & Van Roy 2023, \"Maintaining plasticity via regenerative regularization\"",
        kv("optimizer", "adam", "l2_init_coef", 1e-2), kv(),
        Knob.of("l2_init_coef", "decades around Kumar et al. 2023's λ = 1e-2", 1e-4, 1e-3, 1e-2, 1e-1, 1.0));
    add("shrink-perturb", "Shrink & Perturb after every gradient step",
        "θ ← pθ + σε, p = 1 − 1e-5, σ = 1e-4",
        "Ash & Adams 2020; per step as Dohare et al. 2024 (noise σ ∈ {1e-4, 1e-5, 1e-6} after each step); "
            + "p = 1 − 1e-5 chosen here (≈ AdamW's η·λ at η = 1e-3, λ = 1e-2)",
        kv("optimizer", "adam", "shrink_perturb", "noise", "shrink_p", 1 - 1e-5, "perturb_sigma", 1e-4), kv(),
        Knob.of("perturb_sigma", "Dohare et al. 2024's σ ∈ {1e-6, 1e-5, 1e-4} and two decades above",
            1e-6, 1e-5, 1e-4, 1e-3, 1e-2));
    add("redo", "ReDo: recycle τ-dormant units periodically",
        "every F updates: units with s_i ≤ τ get fresh incoming, zero outgoing weights and zero moments; τ = 0.025",
        "Sokar et al. 2023; τ = 0.025 as Plasticine; F = 1000 gradient steps (DQN, supervised), 10 iterations (PPO)",
        kv("optimizer", "adam", "redo_tau", 0.025),
        kv("ppo", kv("redo_every", 10), "dqn", kv("redo_every", 1000),
            "supervised", kv("redo_every", 1000)),
        Knob.of("redo_tau", "Sokar et al. 2023 use τ ∈ {0, 0.025, 0.1} (Plasticine 0.025, Dohare's Ant 0.1); "
            + "0.05 and 0.2 added here", 0.0, 0.025, 0.05, 0.1, 0.2));
    add("cbp", "Continual Backprop: replace low-utility mature units continually",
        "u ← ηu + (1 − η)|h|Σ|w_out|; replace ρ·#mature lowest-utility units per step; ρ = 1e-4, η = 0.99",
        "Dohare et al. 2024 (Nature); maturity 100 (supervised), 10,000 (RL)",
        kv("optimizer", "adam", "cbp_rate", 1e-4, "cbp_decay", 0.99),
        kv("ppo", kv("cbp_maturity", 10_000), "dqn", kv("cbp_maturity", 10_000),
            "supervised", kv("cbp_maturity", 100)),
        Knob.of("cbp_rate", "decades around Dohare et al. 2024's ρ = 1e-4", 1e-6, 1e-5, 1e-4, 1e-3, 1e-2));
    add("parseval", "coupled Parseval regularizer c Σ‖WWᵀ − I‖²_F through Adam",
        "g ← g + 4c(WWᵀ − I)W on hidden weights, c = 1e-3",
        "Chung et al. 2024, \"Parseval regularization for continual reinforcement learning\"",
        kv("optimizer", "adam", "parseval_coef", 1e-3), kv(),
        Knob.of("parseval_coef", "decades around Chung et al. 2024's c = 1e-3", 1e-5, 1e-4, 1e-3, 1e-2, 1e-1));
    add("spectral", "spectral regularization Σ(σ_max(W)^3 − 1)²",
        "g ← g + c∇(σ_max^k − 1)², k = 3, c = 1e-4",
        "Lewandowski et al. 2024, \"Learning continually by spectral regularization\"; c = 1e-4 chosen here "
            + "(within their range)",
        kv("optimizer", "adam", "spectral_coef", 1e-4), kv(),
        Knob.of("spectral_coef", "decades around the preset's c = 1e-4 (Lewandowski et al. 2024)",
            1e-6, 1e-5, 1e-4, 1e-3, 1e-2));
    add("layernorm", "LayerNorm before every hidden activation",
        "z ← γ(z − μ)/√(σ² + ε) + β per hidden layer",
        "Ba, Kiros & Hinton 2016; Lyle et al. 2023 for plasticity",
        kv("optimizer", "adam", "layer_norm", true), kv(),
        LEARNING_RATE);
    add("layernorm-wd", "LayerNorm plus weight decay",
        "LayerNorm as above and AdamW's decay λ = 1e-2 (the adamw preset's)",
        "Lyle et al. 2024, \"Disentangling the causes of plasticity loss\"; λ as the adamw preset",
        kv("optimizer", "adamw", "weight_decay", ADAMW_DECAY, "layer_norm", true), kv(),
        WEIGHT_DECAY);
    add("reset", "reset the last layer of every network periodically",
        "every F updates: the head is re-initialised and its moments zeroed",
        "Nikishin et al. 2022, \"The primacy bias in deep RL\"; F = 20,000 gradient steps (DQN), "
            + "200 iterations (PPO), 5,000 steps (supervised) chosen here",
        kv("optimizer", "adam", "reset_layers", 1),
        kv("ppo", kv("reset_every", 200), "dqn", kv("reset_every", 20_000),
            "supervised", kv("reset_every", 5_000)),
        Knob.perKind("reset_every", "the preset's period × 1/4, 1/2, 1, 2, 4 (chosen here)",
            "ppo", new Number[] {50, 100, 200, 400, 800}, "dqn", new Number[] {5_000, 10_000, 20_000, 40_000, 80_000},
            "supervised", new Number[] {1_250, 2_500, 5_000, 10_000, 20_000}));
    add("isometric", "isometric body (orthogonal Dense + MaxMin), trained with Adam",
        "body = isometric; Adam",
        "arXiv 2606.09762 (isometric bodies); Anil, Lucas & Grosse 2019 (MaxMin)",
        kv("optimizer", "adam", "body", "isometric"), kv(),
        LEARNING_RATE);
    add("isometric-constrained", "isometric body kept orthonormal by Björck steps after every update",
        "body = isometric; after each step W ← 1.5W − 0.5WWᵀW, twice, per hidden weight",
        "Anil, Lucas & Grosse 2019 (Björck orthonormalisation of GroupSort networks); 2 iterations chosen here",
        kv("optimizer", "adam", "body", "isometric", "orthonormalize_iters", 2, "orthonormalize_beta", 0.5),
        kv(),
        Knob.of("orthonormalize_iters", "1 to 5 Björck steps per update around the preset's 2 (Anil et al. 2019 "
            + "use a few); chosen here", 1, 2, 3, 4, 5));
    add("adamo", "AdamO: Adam with the decoupled isometry step (the paper's optimizer)",
        "θ ← θ − η m̂/(√v̂ + ε) − ηλ∇‖WᵀW − I‖²_F on hidden weights, λ = 1e-3",
        "arXiv 2606.09762; λ = 1e-3 as the paper's supervised setting",
        kv("optimizer", "adamo", "iso_coef", ISO_COEF), kv(),
        ISO_COEF_GRID);
    add("adamo-isometric", "AdamO on an isometric body (the paper's full method)",
        "body = isometric; AdamO with λ = 1e-3",
        "arXiv 2606.09762",
        kv("optimizer", "adamo", "iso_coef", ISO_COEF, "body", "isometric"), kv(),
        ISO_COEF_GRID);
  }

  private Methods() {}

  /** An ordered map from alternating keys and values (so that listings keep the order written here). */
  private static <V> Map<String, V> kv(Object... keysAndValues) {
    Map<String, V> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      @SuppressWarnings("unchecked")
      V v = (V) keysAndValues[i + 1];
      m.put((String) keysAndValues[i], v);
    }
    return m;
  }

  private static void add(String name, String summary, String rule, String source, Map<String, Object> settings,
      Map<String, Map<String, Object>> perKind, Knob knob) {
    PRESETS.put(name, new MethodPreset(name, summary, rule, source, settings, perKind, knob));
  }

  /** Every preset, in the registry's order. */
  public static List<MethodPreset> all() {
    return List.copyOf(PRESETS.values());
  }

  /** The preset's names, in order. */
  public static List<String> names() {
    return new ArrayList<>(PRESETS.keySet());
  }

  /** The preset {@code name}; an unknown name is an error listing the known ones. */
  public static MethodPreset get(String name) {
    MethodPreset p = PRESETS.get(name);
    if (p == null) {
      throw new IllegalArgumentException("unknown method '" + name + "'; known methods: " + String.join(", ", names())
          + " (see `isoplast methods`)");
    }
    return p;
  }
}
