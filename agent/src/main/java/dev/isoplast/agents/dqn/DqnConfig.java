package dev.isoplast.agents.dqn;

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
import dev.isoplast.optim.Adam;
import dev.isoplast.plasticity.MethodConfig;
import java.util.List;
import java.util.Map;

/**
 * Every hyper-parameter of DQN, one field each, named as CleanRL's {@code dqn.py} (its YAML and
 * {@code --set} keys are the snake_case names in {@link #KEYS}; options shared with PPO have PPO's
 * keys). The defaults ({@link #defaults()}) are CleanRL's.
 *
 * @param numEnvs {@code num_envs}: the number of parallel game environments
 * @param learningRate {@code learning_rate}: the learning rate of the optimizer (constant)
 * @param bufferSize {@code buffer_size}: the replay memory buffer size (transitions)
 * @param gamma {@code gamma}: the discount factor γ
 * @param tau {@code tau}: the target network update rate (1 = hard copy)
 * @param targetNetworkFrequency {@code target_network_frequency}: vector steps between target
 *     network updates
 * @param batchSize {@code batch_size}: the batch size of sample from the replay memory
 * @param startE {@code start_e}: the starting ε for exploration
 * @param endE {@code end_e}: the ending ε for exploration
 * @param explorationFraction {@code exploration_fraction}: the fraction of {@code total_timesteps}
 *     it takes ε to go from start_e to end_e
 * @param learningStarts {@code learning_starts}: env steps before learning starts
 * @param trainFrequency {@code train_frequency}: vector steps between gradient steps
 * @param loss {@code loss}: the TD loss, {@code mse} (CleanRL) or {@code huber} (δ = 1, SB3)
 * @param doubleDqn {@code double_dqn}: select the next action with the online network and evaluate
 *     it with the target network (van Hasselt et al. 2016)
 * @param body the Q-network's hidden layers: YAML keys {@code body}
 *     (mlp|isometric|conv|conv_isometric|conv_orthogonal, {@link BodyConfig}), {@code hidden_sizes},
 *     {@code activation}, {@code layer_norm}; an mlp or conv body (and the head) is initialised as
 *     PyTorch's default, as CleanRL's QNetwork and Young &amp; Tian's MinAtar network
 * @param methods the optimizer, coupled regularizers and interventions: the keys of
 *     {@link MethodConfig}; ReDo and resets count gradient steps
 */
public record DqnConfig(
    int numEnvs,
    double learningRate,
    int bufferSize,
    double gamma,
    double tau,
    int targetNetworkFrequency,
    int batchSize,
    double startE,
    double endE,
    double explorationFraction,
    int learningStarts,
    int trainFrequency,
    String loss,
    boolean doubleDqn,
    BodyConfig body,
    MethodConfig methods) implements AgentConfig {

  /** The TD losses {@link #loss} can name. */
  public static final List<String> LOSSES = List.of("mse", "huber");

  /** The body (PyTorch's nn.Linear init for an mlp) and method keys, flat among DQN's own. */
  private static final Map<Class<?>, RecordCodec.Section<?>> SECTIONS = RecordCodec.sections(
      BodyConfig.class, BodyConfig.section(Init.torchDefault()), MethodConfig.class, MethodConfig.SECTION);

  /** Every key {@link #fromMap} accepts and {@link #toMap} writes, in order: the components' ({@link RecordCodec}). */
  public static final List<String> KEYS = RecordCodec.keys(DqnConfig.class, SECTIONS);

  public DqnConfig {
    positive("num_envs", numEnvs);
    positive("buffer_size", bufferSize);
    positive("target_network_frequency", targetNetworkFrequency);
    positive("batch_size", batchSize);
    positive("train_frequency", trainFrequency);
    if (learningStarts < 0) {
      throw new IllegalArgumentException("learning_starts must be >= 0, got " + learningStarts);
    }
    if (bufferSize < numEnvs) {
      throw new IllegalArgumentException("buffer_size (" + bufferSize + ") must hold at least one vector step of "
          + "num_envs = " + numEnvs + " transitions");
    }
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning_rate must be finite and >= 0, got " + learningRate);
    }
    unit("gamma", gamma);
    if (!(tau > 0 && tau <= 1)) {
      throw new IllegalArgumentException("tau must be in (0, 1], got " + tau);
    }
    unit("start_e", startE);
    unit("end_e", endE);
    if (!(explorationFraction > 0 && explorationFraction <= 1)) {
      throw new IllegalArgumentException("exploration_fraction must be in (0, 1], got " + explorationFraction);
    }
    if (loss == null || !LOSSES.contains(loss)) {
      throw new IllegalArgumentException("loss must be one of " + LOSSES + ", got '" + loss + "'");
    }
    if (body == null) {
      throw new IllegalArgumentException("body must be given");
    }
    if (methods == null) {
      throw new IllegalArgumentException("method options must be given");
    }
  }

  /** CleanRL's QNetwork body: 120-84 ReLU, PyTorch's default {@code nn.Linear} init. */
  public static BodyConfig cleanRlBody() {
    return BodyConfig.mlp(List.of(120, 84), BodyConfig.Nonlinearity.RELU, false, Init.torchDefault());
  }

  /** CleanRL {@code dqn.py}'s defaults (its CartPole-v1 settings), MSE loss, plain DQN, Adam. */
  public static DqnConfig defaults() {
    return new DqnConfig(1, 2.5e-4, 10_000, 0.99, 1.0, 500, 128, 1.0, 0.05, 0.5, 10_000, 10, "mse", false,
        cleanRlBody(), MethodConfig.adam(Adam.DEFAULT_EPS));
  }

  @Override
  public LearnerKind kind() {
    return LearnerKind.DQN;
  }

  @Override
  public Agent build(VectorEnv env, long seed) {
    return new Dqn(this, env, seed);
  }

  // ---- derived values ----

  /**
   * CleanRL's {@code linear_schedule(start_e, end_e, exploration_fraction * total_timesteps, t)}:
   * linear from start_e at t = 0 to end_e at the end of the exploration phase, then end_e.
   */
  public double epsilon(long totalTimesteps, long t) {
    double duration = explorationFraction * totalTimesteps;
    double slope = (endE - startE) / duration;
    return Math.max(slope * t + startE, endE);
  }

  // ---- copies ----

  /** A copy with one key (snake_case, as in YAML) changed; the value is parsed as {@link #fromMap} does. */
  public DqnConfig with(String key, Object value) {
    return fromMap(this, Map.of(key, value == null ? "null" : value));
  }

  public DqnConfig withNumEnvs(int v) {
    return with("num_envs", v);
  }

  public DqnConfig withLearningStarts(int v) {
    return with("learning_starts", v);
  }

  public DqnConfig withBody(BodyConfig b) {
    return new DqnConfig(numEnvs, learningRate, bufferSize, gamma, tau, targetNetworkFrequency, batchSize, startE,
        endE, explorationFraction, learningStarts, trainFrequency, loss, doubleDqn, b, methods);
  }

  /** A copy with {@code optimizer} (and the other optimizers' options cleared). */
  public DqnConfig withOptimizer(String name) {
    return new DqnConfig(numEnvs, learningRate, bufferSize, gamma, tau, targetNetworkFrequency, batchSize, startE,
        endE, explorationFraction, learningStarts, trainFrequency, loss, doubleDqn, body,
        methods.withOptimizer(name));
  }

  // ---- maps (config.yaml, --set) ----

  /** The resolved configuration with the snake_case keys of {@link #KEYS}, in that order. */
  @Override
  public Map<String, Object> toMap() {
    return RecordCodec.toMap(this, SECTIONS);
  }

  /** {@link #defaults()} with the given keys overridden; see {@link #fromMap(DqnConfig, Map)}. */
  public static DqnConfig fromMap(Map<String, Object> values) {
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
  public static DqnConfig fromMap(DqnConfig base, Map<String, Object> values) {
    ConfigValues.checkKeys("DQN", KEYS, values);
    return RecordCodec.with(base, values, SECTIONS);
  }
}
