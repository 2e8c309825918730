package dev.isoplast.runs;

import dev.isoplast.agents.AgentConfig;
import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.LearnerKind;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.Space;
import java.util.Map;

/**
 * Where a learner kind's configuration is resolved from the user's overrides: the one place that
 * knows which config record each {@link LearnerKind} has (the agents' own packages only know their
 * own).
 */
public final class Learners {

  private Learners() {}

  /**
   * The configuration of the RL agent {@code algo} with {@code overrides} on its defaults for an env
   * with this action space: PPO on a Box action space starts from CleanRL's continuous-action
   * defaults ({@link PpoConfig#continuousDefaults()}), otherwise from the classic-control ones.
   *
   * @throws IllegalArgumentException for an unknown algorithm, key or value (one line naming it)
   */
  public static AgentConfig resolve(String algo, Space actionSpace, Map<String, Object> overrides) {
    return switch (LearnerKind.algo(algo)) {
      case DQN -> DqnConfig.fromMap(DqnConfig.defaults(), overrides);
      case PPO -> PpoConfig.fromMap(actionSpace instanceof Box ? PpoConfig.continuousDefaults()
          : PpoConfig.defaults(), overrides);
      case SUPERVISED -> throw new IllegalStateException("not an RL agent");
    };
  }

  /** The keys of the RL agent {@code kind}'s config, in order. */
  public static java.util.List<String> keys(LearnerKind kind) {
    return switch (kind) {
      case PPO -> PpoConfig.KEYS;
      case DQN -> DqnConfig.KEYS;
      case SUPERVISED -> throw new IllegalStateException("not an RL agent");
    };
  }

  /**
   * Checks the key names of {@code overrides} against {@code algo}'s (cheap, before any env exists);
   * the values are checked by {@link #resolve}.
   */
  public static void checkKeys(String algo, Map<String, Object> overrides) {
    LearnerKind kind = LearnerKind.algo(algo);
    ConfigValues.checkKeys(kind.name(), keys(kind), overrides);
  }
}
