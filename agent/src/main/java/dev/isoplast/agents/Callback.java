package dev.isoplast.agents;

/**
 * Hooks into a training loop (SB3's callbacks): monitors, checkpointing and evaluation plug in
 * here instead of into the agents' code. Every method has a no-op default.
 */
public interface Callback {

  /** Before the first env step. */
  default void onStart(long globalStep) {}

  /**
   * After each vector step ({@code numEnvs} env steps). Returning false stops training after the
   * current step.
   */
  default boolean onStep(long globalStep) {
    return true;
  }

  /** An episode ended (undiscounted return and length, as reported by the env server). */
  default void onEpisodeEnd(long globalStep, double episodicReturn, long length) {}

  /** PPO: the rollout buffer is full, before the update. */
  default void onRolloutEnd(long globalStep) {}

  /** After each update phase (PPO: all epochs of one iteration; DQN: one gradient step). */
  default void onUpdate(long globalStep) {}

  /**
   * The agent is between iterations (PPO: after an update and its callbacks; DQN: after a vector
   * step and its callbacks): {@link Agent#state()} is whole here, so a checkpoint taken now lets a
   * resumed run continue exactly as the uninterrupted one.
   */
  default void onSafePoint(long globalStep) {}

  /**
   * A scenario phase began at {@code globalStep} (phase 0 before the first step). Only monitors and
   * methods defined to reset on a schedule may use this; the agent itself is never told.
   */
  default void onPhaseStart(int phase, long globalStep) {}

  /** Training finished (also after a stop requested by a callback). */
  default void onEnd(long globalStep) {}
}
