package dev.isoplast.agents;

import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.config.ConfigValues;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.Space;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.plasticity.MethodConfig;
import java.util.List;
import java.util.Map;

/**
 * A fully resolved agent configuration ({@link PpoConfig}, {@link DqnConfig}): resolved once from
 * the user's overrides by {@link #resolve} and then passed typed to everything that needs it (the
 * run's config.yaml, the agent, the fresh reference learners).
 */
public interface AgentConfig {

  /** The algorithms {@link #resolve} knows. */
  List<String> ALGOS = List.of("ppo", "dqn");

  /** {@code ppo} or {@code dqn}. */
  String algo();

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

  /**
   * The configuration of {@code algo} with {@code overrides} on its defaults for an env with this
   * action space: PPO on a Box action space starts from CleanRL's continuous-action defaults
   * ({@link PpoConfig#continuousDefaults()}), otherwise from the classic-control ones.
   *
   * @throws IllegalArgumentException for an unknown algorithm, key or value (one line naming it)
   */
  static AgentConfig resolve(String algo, Space actionSpace, Map<String, Object> overrides) {
    return switch (checkAlgo(algo)) {
      case "dqn" -> DqnConfig.fromMap(DqnConfig.defaults(), overrides);
      default -> PpoConfig.fromMap(actionSpace instanceof Box ? PpoConfig.continuousDefaults() : PpoConfig.defaults(),
          overrides);
    };
  }

  /**
   * Checks the key names of {@code overrides} against {@code algo}'s (cheap, before any env exists);
   * the values are checked by {@link #resolve}.
   */
  static void checkKeys(String algo, Map<String, Object> overrides) {
    if (checkAlgo(algo).equals("dqn")) {
      ConfigValues.checkKeys("DQN", DqnConfig.KEYS, overrides);
    } else {
      ConfigValues.checkKeys("PPO", PpoConfig.KEYS, overrides);
    }
  }

  private static String checkAlgo(String algo) {
    if (!ALGOS.contains(algo)) {
      throw new IllegalArgumentException("unknown algorithm '" + algo + "': expected one of " + ALGOS);
    }
    return algo;
  }
}
