package dev.isoplast.runs;

/**
 * How a run is carried out, the same for the RL {@link Trainer} and the supervised
 * {@link ContinualTrainer}.
 *
 * @param progress progress on stderr ({@link ProgressCallback}: a bar on a terminal, plain lines
 *     in a file or pipe)
 * @param checkpointEvery steps between checkpoints (env steps, or examples for the supervised
 *     runs); 0 = only at the end (and, for RL, on a stop request)
 * @param keepCheckpoints checkpoints kept ({@link Checkpoints}): the last {@code max(1, N)} while
 *     the run goes on, then its final one when it completes, or none with 0
 * @param resume the checkpoint to continue from, or null for a new run
 */
public record RunOptions(boolean progress, long checkpointEvery, int keepCheckpoints, Checkpoints.Loaded resume) {

  public RunOptions {
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
    }
    Checkpoints.checkKeep(keepCheckpoints);
  }

  /** A new run with the default retention. */
  public static RunOptions fresh(boolean progress, long checkpointEvery) {
    return new RunOptions(progress, checkpointEvery, Checkpoints.KEEP, null);
  }

  /** The run directory's checkpoints under this retention. */
  Checkpoints checkpoints(RunDirectory run) {
    return new Checkpoints(run.path(), keepCheckpoints);
  }
}
