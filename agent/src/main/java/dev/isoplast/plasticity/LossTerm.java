package dev.isoplast.plasticity;

import dev.isoplast.config.Snapshot;
import java.util.Map;

/**
 * A term added to a learner's loss that needs data and a forward pass of its own (DESIGN.md §13),
 * unlike a coupled {@link dev.isoplast.optim.Regularizer}, which sees only the parameters: e.g.
 * C-CHAIN's penalty on the change of the outputs over a reference batch. It sees the learner only
 * through {@link Learner}: the network whose outputs the task loss trains and what they are
 * ({@link Learner#output()}), reference inputs drawn from the learner's own data with the term's
 * random stream ({@link Learner#referenceInputs}), the training batch's size
 * ({@link Learner#batchRows()}) and the task loss of the last step ({@link Learner#taskLoss()}).
 *
 * <p>The shared gradient step calls {@link #addGradient} after zeroing the grads and <em>before</em>
 * the learner's task loss and backward, so that the layers' forward caches hold the training
 * batch's activations afterwards (what interventions such as CBP read); gradients add up, so the
 * order does not change their sum. The term leaves the parameters as it found them (bit for bit).
 * After each update it gets {@link #afterUpdate} (e.g. to adapt its coefficient from the task loss).
 */
public interface LossTerm {

  /** Its name, for logs ({@code losses/<name>}). */
  String name();

  /**
   * Adds the gradient of its weighted term into the grads of {@code learner}'s parameters, for the
   * gradient step {@code step} (1-based, the optimizer's step count after this step).
   */
  void addGradient(Learner learner, long step);

  /** The learner finished update {@code update} (its {@link Learner#taskLoss()} is the last step's). */
  default void afterUpdate(Learner learner, long update) {}

  /** What the learner logs with each update row ({@code losses/<name>}, its coefficient, ...). */
  Map<String, Double> metrics();

  /** Its state between steps, for a checkpoint. */
  Snapshot state();

  /** Puts back {@link #state()} taken from a term of the same configuration on the same learner. */
  void restore(Snapshot state);
}
