package dev.isoplast.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The kinds of learner a run trains, with their names in configs, on the command line and in
 * presets: the RL agents (PPO, DQN) and the supervised learner. Presets, knobs and monitor cadences
 * differ per kind where the kinds count updates differently (a PPO iteration is many gradient steps).
 */
public enum LearnerKind {
  PPO,
  DQN,
  SUPERVISED;

  /** Env steps between an RL run's checkpoints by default ({@code train --checkpoint-every}). */
  public static final long RL_CHECKPOINT_EVERY = 50_000;

  /** Examples between a supervised run's checkpoints by default ({@code continual --checkpoint-every}). */
  public static final long SUPERVISED_CHECKPOINT_EVERY = 100_000;

  /**
   * Steps between checkpoints by default, in the unit the kind's runs count ({@code global_step}):
   * env steps for the RL agents, examples for the supervised learner.
   */
  public long defaultCheckpointEvery() {
    return rl() ? RL_CHECKPOINT_EVERY : SUPERVISED_CHECKPOINT_EVERY;
  }

  /** {@code ppo}, {@code dqn}, {@code supervised}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether it is an RL agent (trained by {@code train}, not {@code continual}). */
  public boolean rl() {
    return this != SUPERVISED;
  }

  /** Every kind's name, in order. */
  public static List<String> names() {
    return Arrays.stream(values()).map(LearnerKind::configName).toList();
  }

  /** The RL agents' names ({@code --algo}). */
  public static List<String> algos() {
    return Arrays.stream(values()).filter(LearnerKind::rl).map(LearnerKind::configName).toList();
  }

  /** The kind named {@code name}; an unknown name is an error listing the known ones. */
  public static LearnerKind fromName(String name) {
    for (LearnerKind k : values()) {
      if (k.configName().equals(name)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown learner kind '" + name + "': expected one of " + names());
  }

  /** The RL agent named {@code algo}; anything else is an error listing {@link #algos()}. */
  public static LearnerKind algo(String algo) {
    for (LearnerKind k : values()) {
      if (k.rl() && k.configName().equals(algo)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown algorithm '" + algo + "': expected one of " + algos());
  }
}
