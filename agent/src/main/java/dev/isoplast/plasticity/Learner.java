package dev.isoplast.plasticity;

import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Optimizer;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * What every learner (PPO, DQN, the supervised learner) shows of itself to the plasticity methods
 * and the monitors (DESIGN.md §13): its networks by role, its parameters and optimizer, where
 * recent inputs come from, and how many updates it has made; for loss terms ({@link LossTerm})
 * also the network its task loss trains, reference inputs from its data, its batch size and its
 * last task loss. Interventions, loss terms and monitors see only this, never an env or a policy.
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

  /**
   * The network whose outputs its task loss trains and what those outputs are: PPO's actor
   * (categorical logits, or a Gaussian's mean: the log-std is not an output of it), DQN's
   * Q-network (the Q-values of every action), the supervised net (its predictions: class logits or
   * regression outputs). What loss terms on outputs ({@link LossTerm}) act on.
   */
  Output output();

  /**
   * {@code rows} inputs drawn with {@code rng} from the data it trains on, flat rows of the
   * networks' input size (a new array; empty before it has any data): PPO distinct rows of the
   * current rollout (an independent minibatch of it), DQN a uniform replay sample (with
   * replacement, as its own), the supervised learner uniformly (with replacement) from its
   * {@link #recentInputs}. Draws nothing from the learner's own streams.
   */
  float[] referenceInputs(int rows, RandomGenerator rng);

  /** Rows of its training batch: PPO's minibatch, DQN's {@code batch_size}, the supervised learner's last step's. */
  int batchRows();

  /**
   * The task loss of its last gradient step (0 before any): PPO's clipped surrogate alone (no value
   * or entropy term), DQN's TD loss, the supervised learner's cross-entropy or mean squared error.
   */
  double taskLoss();

  /**
   * A learner's output network and what its outputs are.
   *
   * @param network the network
   * @param kind what its outputs are
   */
  record Output(Sequential network, Kind kind) {

    /** What a learner's outputs are. */
    public enum Kind {
      /** A categorical policy's logits (discrete PPO). */
      POLICY_LOGITS,
      /** A Gaussian policy's mean (continuous PPO). */
      POLICY_MEAN,
      /** Action values, one per action (DQN). */
      Q_VALUES,
      /** A supervised prediction: class logits or regression outputs. */
      PREDICTIONS
    }
  }
}
