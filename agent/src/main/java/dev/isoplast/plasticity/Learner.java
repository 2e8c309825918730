package dev.isoplast.plasticity;

import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Optimizer;
import java.util.List;
import java.util.Map;

/**
 * What every learner (PPO, DQN, the supervised learner) shows of itself to the plasticity methods
 * and the monitors (DESIGN.md §13): its networks by role, its parameters and optimizer, where
 * recent inputs come from, and how many updates it has made. Interventions and monitors see only
 * this, never an env or a policy.
 */
public interface Learner {

  /**
   * Its trainable networks by role, in a fixed order; the first is the one that acts or predicts
   * (PPO: actor, critic; DQN: q_network; supervised: net).
   */
  Map<String, Sequential> networks();

  /** Every trainable parameter, in the optimizer's order. */
  List<Param> params();

  Optimizer optimizer();

  /**
   * Up to {@code max} inputs from its recent experience (PPO: the last rollout; DQN: the newest
   * replay-buffer entries; supervised: the newest examples), flat rows of the networks' input size
   * (a copy; empty before any step): where monitors draw probe batches and ReDo scores units.
   */
  float[] recentInputs(int max);

  /**
   * Updates completed: PPO iterations (all epochs of one rollout), DQN and supervised gradient
   * steps. The unit of monitor cadences and of scheduled interventions ({@code redo_every},
   * {@code reset_every}); {@link Optimizer#stepCount()} counts gradient steps.
   */
  long updates();

  /** The interventions acting on it after each gradient step and update. */
  Interventions interventions();
}
