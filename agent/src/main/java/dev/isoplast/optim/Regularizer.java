package dev.isoplast.optim;

import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.Param;
import java.util.List;

/**
 * A penalty added to the loss (coupled): {@link #apply} adds its gradient into each selected
 * {@link Param#grad()} before the optimizer step, so it passes through Adam's normalisation, and
 * returns the penalty's value for logging.
 */
public interface Regularizer {

  /** Adds ∇(penalty) to the grads of the parameters it acts on; returns the penalty. */
  double apply(List<Param> params);

  /** The penalty alone, without touching gradients. */
  double value(List<Param> params);

  /** A name for logs ({@code losses/<name>}). */
  String name();

  /** Its state between steps, for a checkpoint (none by default). */
  default Snapshot state() {
    return new Snapshot();
  }

  /** Puts back {@link #state()} taken over the same parameters. */
  default void restore(Snapshot state, List<Param> params) {}
}
