package dev.isoplast.envs;

import dev.isoplast.envs.spaces.Space;

/**
 * A vector of {@code numEnvs} copies of one environment, stepped together: the Java mirror of
 * Gymnasium's vector env with <b>same-step autoreset</b>. An env whose episode ends in a step is
 * reset within that step; the returned observation row is the new episode's first observation,
 * and the ended episode's last observation is in {@link StepResult#finalObservations()}.
 *
 * <p>Terminated and truncated stay apart because they mean different things for learning: a
 * terminated episode reached a terminal state (its value is 0), a truncated one was cut off by a
 * time limit and must be bootstrapped from its final observation.
 *
 * <p>Observations and actions are flat row-major arrays: {@code numEnvs * space.flatSize()}.
 */
public interface VectorEnv extends AutoCloseable {

  String envId();

  int numEnvs();

  /** Space of one env's observation. */
  Space observationSpace();

  /** Space of one env's action. */
  Space actionSpace();

  /** Resets every env, env i with seed {@code seed + i}; returns the batched observations. */
  float[] reset(long seed);

  /** Resets every env without reseeding (first reset after make uses the make seed). */
  float[] reset();

  /**
   * Steps every env once. {@code actions} holds {@code numEnvs * actionSpace().flatSize()} values:
   * indices for integer spaces (must be integral), values for Box spaces.
   */
  StepResult step(double[] actions);

  /**
   * Starts {@link #step} and returns before its result is there when the env can work in the
   * background (a remote env has sent its request), so that the caller can compute meanwhile, as in
   * EnvPool's asynchronous mode; {@link PendingStep#await()} gives exactly what {@code step} would
   * have. At most one step per env is in flight: await it before the next call on this env. The
   * default steps at once.
   */
  default PendingStep stepAsync(double[] actions) {
    StepResult r = step(actions);
    return () -> r;
  }

  /**
   * Changes dynamics and perturbation wrappers of every env; returns the configuration read back
   * from the env.
   */
  Perturbation reconfigure(Perturbation perturbation);

  /**
   * The whole state of every env (physics, episode counters, random generators, wrappers), as an
   * opaque blob, for a checkpoint: {@link #loadState} on a vector of the same env, size and
   * configuration puts it back, and the next steps are then exactly those that would have followed.
   * Envs that cannot do it throw {@link UnsupportedOperationException}.
   */
  default byte[] saveState() {
    throw new UnsupportedOperationException(envId() + ": this env vector cannot save its state");
  }

  /** Puts back a state from {@link #saveState}. */
  default void loadState(byte[] state) {
    throw new UnsupportedOperationException(envId() + ": this env vector cannot load a state");
  }

  @Override
  void close();
}
