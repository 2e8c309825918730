package dev.isoplast.agents;

import dev.isoplast.config.LearnerKind;
import java.util.Map;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.plasticity.MethodConfig;

/**
 * A fully resolved agent configuration (PPO's or DQN's): resolved once from the user's overrides
 * ({@code runs/Learners}) and then passed typed to everything that needs it (the
 * run's config.yaml, the agent, the fresh reference learners).
 */
public interface AgentConfig {

  /** {@code ppo} or {@code dqn}. */
  default String algo() {
    return kind().configName();
  }

  /** {@link LearnerKind#PPO} or {@link LearnerKind#DQN}. */
  LearnerKind kind();

  int numEnvs();

  BodyConfig body();

  /** The optimizer, regularizers and interventions ({@link MethodConfig}). */
  MethodConfig methods();

  /** The resolved hyper-parameters with their snake_case keys, as config.yaml holds them. */
  Map<String, Object> toMap();

  /** A new agent of this configuration on {@code env} (whose vector size must be {@link #numEnvs()}). */
  Agent build(VectorEnv env, long seed);

  /**
   * Into how many env handles of consecutive envs the trainer splits the vector at least (joined by
   * a {@link dev.isoplast.envs.remote.SplitVectorEnv}, as over several servers): 1, or 2 for PPO's
   * {@code overlap_rollout}.
   */
  default int envParts() {
    return 1;
  }
}
