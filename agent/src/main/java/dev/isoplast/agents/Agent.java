package dev.isoplast.agents;

import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.runs.MetricSink;
import java.util.List;
import java.util.Map;

/**
 * A learner that trains on its VectorEnv for a budget of env steps (PPO, DQN), and what the
 * machinery around training (monitors, evaluation, checkpoints) needs to see of it.
 */
public interface Agent {

  /** Trains for {@code totalTimesteps} env steps (over all envs), logging to {@code sink}. */
  TrainResult train(long totalTimesteps, MetricSink sink, List<Callback> callbacks);

  /** The env it trains on. */
  VectorEnv env();

  /** Its trainable networks by role, in a fixed order (PPO: actor, critic; DQN: q_network). */
  Map<String, Sequential> networks();

  /** Every trainable parameter, in the optimizer's order. */
  List<Param> params();

  Optimizer optimizer();

  /**
   * Up to {@code max} observations from its recent experience (PPO: the last rollout; DQN: the
   * newest replay-buffer entries), flat rows of the observation's flat size (a copy; empty before
   * any step): where the monitors draw their probe batches from.
   */
  float[] recentObservations(int max);

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
   * returns the observation's flat size. {@code algo} names the agent in the messages.
   */
  static int observationSize(String algo, VectorEnv env, int numEnvs) {
    if (env.numEnvs() != numEnvs) {
      throw new IllegalArgumentException("the vector env has " + env.numEnvs() + " envs but num_envs is " + numEnvs);
    }
    if (!(env.observationSpace() instanceof Box box)) {
      throw new IllegalArgumentException(algo + " needs a Box observation space, " + env.envId() + " has "
          + env.observationSpace());
    }
    return box.flatSize();
  }
}
