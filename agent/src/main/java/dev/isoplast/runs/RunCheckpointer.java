package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import dev.isoplast.config.Snapshot;
import java.util.function.Supplier;

/**
 * Writes an RL run's checkpoints ({@link Checkpoints}) at the agent's safe points
 * ({@link Callback#onSafePoint}): at the first one after every {@code every} env steps, and at the
 * first one after a stop was asked for ({@link StopSignal}: Ctrl-C or SIGTERM), after which it
 * ends training by throwing {@link Stopped}. The trainer writes the last one at the end.
 */
final class RunCheckpointer implements Callback {

  /** Training ended at a stop request at {@link #step}, right after a checkpoint there if {@link #checkpointed}. */
  static final class Stopped extends RuntimeException {
    private final long step;
    private final boolean checkpointed;

    Stopped(long step, boolean checkpointed) {
      super("stopped on request at step " + step);
      this.step = step;
      this.checkpointed = checkpointed;
    }

    long step() {
      return step;
    }

    boolean checkpointed() {
      return checkpointed;
    }
  }

  /** The run's state cannot be saved (e.g. the env server cannot save this env's state): no checkpoints. */
  static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }

  private final Checkpoints files;
  private final long every;
  private final Supplier<Snapshot> state;
  private long next = Long.MAX_VALUE;
  private long lastSaved = -1;
  private String unavailable; // why no checkpoint can be written, once known

  /**
   * @param every env steps between checkpoints (0: only at a stop and at the end)
   * @param state the run's whole state now (called at a safe point)
   */
  RunCheckpointer(Checkpoints files, long every, Supplier<Snapshot> state) {
    this.files = files;
    this.every = every;
    this.state = state;
  }

  /**
   * The step of the first checkpoint of the schedule "every {@code every} steps" after {@code step}
   * (the next multiple of {@code every}), or never ({@link Long#MAX_VALUE}) when {@code every} is 0.
   */
  static long next(long step, long every) {
    return every > 0 ? (step / every + 1) * every : Long.MAX_VALUE;
  }

  @Override
  public void onStart(long globalStep) {
    next = next(globalStep, every);
  }

  @Override
  public void onSafePoint(long globalStep) {
    if (StopSignal.requested()) {
      throw new Stopped(globalStep, save(globalStep));
    }
    if (globalStep >= next) {
      save(globalStep);
      next = next(globalStep, every);
    }
  }

  /**
   * Writes the checkpoint of {@code globalStep} unless it was just written; false when the run's
   * state cannot be saved (said once on stderr, and no further checkpoint is tried).
   */
  boolean save(long globalStep) {
    if (unavailable != null) {
      return false;
    }
    if (lastSaved != globalStep) {
      try {
        files.save(globalStep, state.get());
      } catch (Unavailable e) {
        unavailable = e.getMessage();
        System.err.println("warning: no checkpoints for this run: " + unavailable);
        return false;
      }
      lastSaved = globalStep;
    }
    return true;
  }
}
