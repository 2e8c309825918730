package dev.isoplast.agents.ppo;

import static dev.isoplast.config.ConfigValues.nonNegative;
import static dev.isoplast.config.ConfigValues.positive;
import static dev.isoplast.config.ConfigValues.unit;

import dev.isoplast.agents.Agent;
import dev.isoplast.agents.AgentConfig;
import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.RecordCodec;
import dev.isoplast.config.LearnerKind;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Init;
import dev.isoplast.plasticity.MethodConfig;
import java.util.List;
import java.util.Map;

/**
 * Every hyper-parameter of PPO, one field each, named as CleanRL's {@code ppo.py} (its YAML and
 * {@code --set} keys are the snake_case names in {@link #KEYS}). The defaults ({@link #defaults()})
 * are CleanRL's classic-control ones (DESIGN.md §9).
 *
 * <p>CleanRL's {@code ppo_continuous_action.py} (MuJoCo) differs only in defaults:
 * num_envs 1, num_steps 2048, learning_rate 3e-4, num_minibatches 32, update_epochs 10,
 * ent_coef 0, see {@link #continuousDefaults()}; its actor has a state-independent log-std
 * parameter initialised to 0 ({@link #logStdInit}) and the same heads (actor gain 0.01, critic
 * gain 1). Unlike CleanRL this implementation does not wrap the env in observation/reward
 * normalisation (CleanRL's continuous script uses {@code NormalizeObservation},
 * {@code NormalizeReward} and clipping to ±10), so continuous-control numbers are not directly
 * comparable to its published ones.
 *
 * @param numEnvs {@code num_envs}: the number of parallel game environments
 * @param numSteps {@code num_steps}: the number of steps to run in each environment per policy rollout
 * @param learningRate {@code learning_rate}: the learning rate of the optimizer
 * @param annealLr {@code anneal_lr}: anneal the learning rate linearly to 0 over the iterations
 * @param gamma {@code gamma}: the discount factor γ
 * @param gaeLambda {@code gae_lambda}: the λ for the general advantage estimation
 * @param numMinibatches {@code num_minibatches}: the number of mini-batches per epoch
 * @param updateEpochs {@code update_epochs}: the K epochs to update the policy
 * @param normAdv {@code norm_adv}: normalise advantages per minibatch (mean 0, unbiased std 1)
 * @param clipCoef {@code clip_coef}: the surrogate clipping coefficient ε
 * @param clipVloss {@code clip_vloss}: use a clipped loss for the value function, as the paper
 * @param entCoef {@code ent_coef}: coefficient of the entropy bonus
 * @param vfCoef {@code vf_coef}: coefficient of the value function loss
 * @param maxGradNorm {@code max_grad_norm}: the maximum global norm for gradient clipping
 * @param targetKl {@code target_kl}: stop the epochs of an iteration early once approx_kl exceeds
 *     it (checked after each epoch, as CleanRL); null = never
 * @param body the actor's and critic's hidden layers (each has its own copy): YAML keys
 *     {@code body} (mlp|isometric|conv|conv_isometric|conv_orthogonal, {@link BodyConfig}), {@code hidden_sizes},
 *     {@code activation}, {@code layer_norm}; an mlp or conv body is initialised orthogonally with
 *     gain √2 as CleanRL's {@code layer_init} (in {@code ppo.py} and {@code ppo_atari.py})
 * @param methods the optimizer, coupled regularizers and interventions: the keys of
 *     {@link MethodConfig} ({@code optimizer}, {@code adam_eps}, {@code iso_coef}, {@code redo_every},
 *     ...; {@code isoplast methods} lists them); ReDo and resets count PPO iterations
 * @param logStdInit {@code log_std_init}: initial state-independent log-std (Box actions only)
 * @param overlapRollout {@code overlap_rollout}: step the two halves of the vector in turn, the
 *     agent computing one half's actions while the env server steps the other (EnvPool's async
 *     idea; needs num_envs &gt;= 2; the same numbers as without, see {@link Ppo}). Off by default:
 *     each half runs the networks on all num_envs rows to stay bit-equal, and with the local data
 *     path it measured 25–35% slower on 2 cores (docs/performance.md)
 */
public record PpoConfig(
    int numEnvs,
    int numSteps,
    double learningRate,
    boolean annealLr,
    double gamma,
    double gaeLambda,
    int numMinibatches,
    int updateEpochs,
    boolean normAdv,
    double clipCoef,
    boolean clipVloss,
    double entCoef,
    double vfCoef,
    double maxGradNorm,
    Double targetKl,
    BodyConfig body,
    MethodConfig methods,
    double logStdInit,
    boolean overlapRollout) implements AgentConfig {

  /** Adam's ε in CleanRL's PPO scripts ({@code optim.Adam(..., eps=1e-5)}): both defaults'. */
  public static final double ADAM_EPS = 1e-5;

  /** The body (CleanRL's orthogonal init, gain √2, for an mlp) and method keys, flat among PPO's own. */
  private static final Map<Class<?>, RecordCodec.Section<?>> SECTIONS = RecordCodec.sections(
      BodyConfig.class, BodyConfig.section(Init.orthogonal(Init.RELU_GAIN)), MethodConfig.class, MethodConfig.SECTION);

  /** Every key {@link #fromMap} accepts and {@link #toMap} writes, in order: the components' ({@link RecordCodec}). */
  public static final List<String> KEYS = RecordCodec.keys(PpoConfig.class, SECTIONS);

  public PpoConfig {
    positive("num_envs", numEnvs);
    positive("num_steps", numSteps);
    positive("num_minibatches", numMinibatches);
    positive("update_epochs", updateEpochs);
    long batch = (long) numEnvs * numSteps;
    if (batch > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("batch_size = num_envs * num_steps = " + batch + " is too large");
    }
    if (batch % numMinibatches != 0) {
      throw new IllegalArgumentException("num_minibatches (" + numMinibatches + ") must divide batch_size = num_envs * "
          + "num_steps = " + numEnvs + " * " + numSteps + " = " + batch);
    }
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning_rate must be finite and >= 0, got " + learningRate);
    }
    unit("gamma", gamma);
    unit("gae_lambda", gaeLambda);
    nonNegative("clip_coef", clipCoef);
    nonNegative("ent_coef", entCoef);
    nonNegative("vf_coef", vfCoef);
    if (!(maxGradNorm > 0)) {
      throw new IllegalArgumentException("max_grad_norm must be > 0, got " + maxGradNorm);
    }
    if (targetKl != null && !(targetKl > 0)) {
      throw new IllegalArgumentException("target_kl must be > 0 or null (off), got " + targetKl);
    }
    if (body == null) {
      throw new IllegalArgumentException("body must be given");
    }
    if (methods == null) {
      throw new IllegalArgumentException("method options must be given");
    }
    if (!Double.isFinite(logStdInit)) {
      throw new IllegalArgumentException("log_std_init must be finite, got " + logStdInit);
    }
    if (overlapRollout && numEnvs < 2) {
      throw new IllegalArgumentException("overlap_rollout steps two halves of the vector: it needs num_envs >= 2, got "
          + numEnvs);
    }
  }

  /** CleanRL {@code ppo.py}'s classic-control defaults (CartPole, Acrobot): 4 envs × 128 steps. */
  public static PpoConfig defaults() {
    return new PpoConfig(4, 128, 2.5e-4, true, 0.99, 0.95, 4, 4, true, 0.2, true, 0.01, 0.5, 0.5, null,
        BodyConfig.cleanRlPpo(), MethodConfig.adam(ADAM_EPS), 0.0, false);
  }

  /** CleanRL {@code ppo_continuous_action.py}'s defaults: 1 env × 2048 steps, lr 3e-4, 32 × 10, no entropy. */
  public static PpoConfig continuousDefaults() {
    return new PpoConfig(1, 2048, 3e-4, true, 0.99, 0.95, 32, 10, true, 0.2, true, 0.0, 0.5, 0.5, null,
        BodyConfig.cleanRlPpo(), MethodConfig.adam(ADAM_EPS), 0.0, false);
  }

  @Override
  public LearnerKind kind() {
    return LearnerKind.PPO;
  }

  @Override
  public Agent build(VectorEnv env, long seed) {
    return new Ppo(this, env, seed);
  }

  /** Two halves with {@code overlap_rollout}, else one vector. */
  @Override
  public int envParts() {
    return overlapRollout ? 2 : 1;
  }

  // ---- derived values (computed once, as CleanRL's args.batch_size etc.) ----

  /** {@code batch_size = num_envs * num_steps}. */
  public int batchSize() {
    return numEnvs * numSteps;
  }

  /** {@code minibatch_size = batch_size / num_minibatches}. */
  public int minibatchSize() {
    return batchSize() / numMinibatches;
  }

  /** {@code num_iterations = total_timesteps / batch_size} (integer division, as CleanRL). */
  public int numIterations(long totalTimesteps) {
    long it = totalTimesteps / batchSize();
    if (it < 1) {
      throw new IllegalArgumentException("total_timesteps (" + totalTimesteps + ") must be at least batch_size = "
          + batchSize() + " (num_envs * num_steps) for one iteration");
    }
    if (it > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("total_timesteps " + totalTimesteps + " gives too many iterations");
    }
    return (int) it;
  }

  // ---- copies ----

  /** A copy with one key (snake_case, as in YAML) changed; the value is parsed as {@link #fromMap} does. */
  public PpoConfig with(String key, Object value) {
    return fromMap(this, Map.of(key, value == null ? "null" : value));
  }

  public PpoConfig withNumEnvs(int v) {
    return with("num_envs", v);
  }

  public PpoConfig withNumSteps(int v) {
    return with("num_steps", v);
  }

  public PpoConfig withLearningRate(double v) {
    return with("learning_rate", v);
  }

  public PpoConfig withNumMinibatches(int v) {
    return with("num_minibatches", v);
  }

  public PpoConfig withUpdateEpochs(int v) {
    return with("update_epochs", v);
  }

  public PpoConfig withEntCoef(double v) {
    return with("ent_coef", v);
  }

  public PpoConfig withTargetKl(Double v) {
    return with("target_kl", v);
  }

  public PpoConfig withBody(BodyConfig b) {
    return new PpoConfig(numEnvs, numSteps, learningRate, annealLr, gamma, gaeLambda, numMinibatches, updateEpochs,
        normAdv, clipCoef, clipVloss, entCoef, vfCoef, maxGradNorm, targetKl, b, methods, logStdInit,
        overlapRollout);
  }

  /** A copy with {@code optimizer} (and its defaults for the other optimizers' options cleared). */
  public PpoConfig withOptimizer(String name) {
    return new PpoConfig(numEnvs, numSteps, learningRate, annealLr, gamma, gaeLambda, numMinibatches, updateEpochs,
        normAdv, clipCoef, clipVloss, entCoef, vfCoef, maxGradNorm, targetKl, body, methods.withOptimizer(name),
        logStdInit, overlapRollout);
  }

  // ---- maps (config.yaml, --set) ----

  /** The resolved configuration with the snake_case keys of {@link #KEYS}, in that order. */
  @Override
  public Map<String, Object> toMap() {
    return RecordCodec.toMap(this, SECTIONS);
  }

  /** {@link #defaults()} with the given keys overridden; see {@link #fromMap(PpoConfig, Map)}. */
  public static PpoConfig fromMap(Map<String, Object> values) {
    return fromMap(defaults(), values);
  }

  /**
   * {@code base} with the given keys overridden. Values may be typed (YAML numbers, booleans, lists)
   * or strings as typed after {@code --set} ({@code "0.9"}, {@code "true"}, {@code "64,64"},
   * {@code "null"}).
   *
   * @throws IllegalArgumentException for an unknown key (the message lists the valid ones) or a
   *     value of the wrong type or range
   */
  public static PpoConfig fromMap(PpoConfig base, Map<String, Object> values) {
    ConfigValues.checkKeys("PPO", KEYS, values);
    return RecordCodec.with(base, values, SECTIONS);
  }
}
