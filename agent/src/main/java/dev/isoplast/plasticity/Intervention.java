package dev.isoplast.plasticity;

import dev.isoplast.config.Snapshot;
import java.util.Map;

/**
 * A plasticity method that acts on a learner's networks between updates (DESIGN.md §7, §13):
 * Shrink &amp; Perturb, ReDo, Continual Backprop, resets, the Björck projection. The shared
 * gradient step calls {@link #afterStep} after every optimizer step and {@link #afterUpdate} at the
 * end of every update; a scenario tells {@link #onPhaseStart} only to methods that are defined to
 * use phase boundaries (an oracle, marked as such).
 *
 * <p>Interventions draw their randomness from their own streams (never the learner's), and their
 * state (counters, utilities, ages) is restorable through {@link #state}/{@link #restore}, like an
 * optimizer's, so a checkpoint can hold it.
 */
public interface Intervention {

  /** A short name for logs and errors ({@code redo}, {@code cbp}, ...). */
  String name();

  /** After optimizer step {@code step} (1-based, {@link dev.isoplast.optim.Optimizer#stepCount()}). */
  default void afterStep(Learner learner, long step) {}

  /** After update {@code update} (1-based, {@link Learner#updates()}) completed. */
  default void afterUpdate(Learner learner, long update) {}

  /** A scenario phase began (only for methods defined to use it; see {@link dev.isoplast.config.PartConfig#oracle()}). */
  default void onPhaseStart(Learner learner, int phase) {}

  /**
   * What to log now (names under {@code plasticity/}); counts since the previous call and totals.
   * Empty by default.
   */
  default Map<String, Double> metrics() {
    return Map.of();
  }

  /** A copy of its state (with its {@link #name()} under {@code kind}). */
  Snapshot state();

  /** Puts back a state taken from an intervention of the same kind over the same networks. */
  void restore(Snapshot state);

  /** A state holding only the kind and the event counter (for interventions whose draws are counter-based). */
  static Snapshot counterState(String kind, long events) {
    return new Snapshot().put("kind", kind).put("events", events);
  }

  /** Checks that {@code state} was taken from an intervention of kind {@code kind}. */
  static void checkKind(Snapshot state, String kind) {
    if (!state.getString("kind").equals(kind)) {
      throw new IllegalArgumentException("cannot restore " + state.getString("kind") + " state into a " + kind
          + " intervention");
    }
  }
}
