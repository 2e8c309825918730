package dev.isoplast.agents;

import dev.isoplast.runs.MetricSink;
import java.util.List;

/** A learner that trains on its VectorEnv for a budget of env steps (PPO, DQN). */
public interface Agent {

  /** Trains for {@code totalTimesteps} env steps (over all envs), logging to {@code sink}. */
  TrainResult train(long totalTimesteps, MetricSink sink, List<Callback> callbacks);
}
