package dev.isoplast.agents;

import dev.isoplast.config.Snapshot;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.nn.Networks;
import dev.isoplast.plasticity.Learner;
import java.util.List;

/**
 * A reinforcement learner that trains on its VectorEnv for a budget of env steps (PPO, DQN): a
 * {@link Learner} (what plasticity methods and monitors see) with an env, a step budget and a
 * policy (what training, evaluation and checkpoints need).
 */
public interface Agent extends Learner {

  /**
   * Trains for {@code totalTimesteps} env steps (over all envs), logging to {@code sink}. After
   * {@link #restore}, the first call continues the call the state was taken in: give it the same
   * {@code totalTimesteps} (schedules such as the annealed learning rate and ε run over that call).
   */
  TrainResult train(long totalTimesteps, MetricSink sink, List<Callback> callbacks);

  /**
   * Its whole state at a safe point ({@link Callback#onSafePoint}), for a checkpoint: parameters,
   * the gradient step's state (optimizer, regularizers, interventions), its random streams, step
   * counters, the last observations and what else the next steps read (DQN: the replay buffer).
   * The env's own state is not in it ({@link VectorEnv#saveState}).
   */
  Snapshot state();

  /** Puts back {@link #state()} taken from an agent of the same configuration and seed. */
  void restore(Snapshot state);

  /** Checks that {@code state} is the state of a {@code kind} agent ({@code ppo}, {@code dqn}). */
  static void checkKind(Snapshot state, String kind) {
    if (!state.getString("kind").equals(kind)) {
      throw new IllegalArgumentException("cannot restore a " + state.getString("kind") + " agent's state into a "
          + kind + " agent");
    }
  }

  /** The env it trains on. */
  VectorEnv env();

  /** Env steps taken so far over all {@link #train} calls. */
  long globalStep();

  /**
   * Its current behaviour as a {@link Policy} for evaluation: {@code deterministic} = the greedy
   * action (PPO: the most likely action or the Gaussian's mean; DQN: argmax Q), else a sample of
   * the training-time behaviour (PPO: the policy's distribution; DQN: ε-greedy with {@code end_e})
   * drawn from a stream seeded by {@code seed}, never from the agent's training streams.
   */
  Policy policy(boolean deterministic, long seed);

  /**
   * The checks every agent makes of its env: {@code numEnvs} envs and a Box observation space;
   * returns the observation's shape ({@code [n]} for vectors, {@code [C, H, W]} for images; the
   * networks read each observation as its flattened row, {@link Networks#build}). {@code algo} names
   * the agent in the messages.
   */
  static int[] observationShape(String algo, VectorEnv env, int numEnvs) {
    if (env.numEnvs() != numEnvs) {
      throw new IllegalArgumentException("the vector env has " + env.numEnvs() + " envs but num_envs is " + numEnvs);
    }
    if (!(env.observationSpace() instanceof Box box)) {
      throw new IllegalArgumentException(algo + " needs a Box observation space, " + env.envId() + " has "
          + env.observationSpace());
    }
    return box.shape();
  }
}
