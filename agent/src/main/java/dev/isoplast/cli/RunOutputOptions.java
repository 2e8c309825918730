package dev.isoplast.cli;

import dev.isoplast.runs.Checkpoints;
import dev.isoplast.runs.RunOptions;
import picocli.CommandLine.Option;

/**
 * What {@code train} and {@code continual} write besides their metrics: progress on stderr and how
 * many checkpoints they keep; the same options, in the same words, for both run engines (also when
 * given with {@code --resume}).
 */
final class RunOutputOptions {

  /** The option names that may go with {@code --resume}. */
  static final java.util.List<String> NAMES = java.util.List.of("--no-progress", "--keep-checkpoints");

  @Option(names = "--no-progress", description = "No progress on stderr. Otherwise: a bar on a terminal; in a file "
      + "or pipe one plain line every 10 s (steps, rate over the last interval, ETA; $ISOPLAST_PROGRESS_SECONDS "
      + "changes the interval) and a last one at the end. After --resume, rates count the steps since the resume.")
  boolean noProgress;

  @Option(names = "--keep-checkpoints", paramLabel = "N", defaultValue = "" + Checkpoints.KEEP,
      description = "Checkpoints kept in the run directory: the last max(1, N) while the run goes on; once it has "
          + "completed, its final one (for a later --resume of a longer run), or none with 0. Default: ${DEFAULT-VALUE}.")
  int keepCheckpoints;

  /** The run options with {@code checkpointEvery} and, for a resumed run, its checkpoint. */
  RunOptions options(long checkpointEvery, dev.isoplast.runs.Checkpoints.Loaded resume) {
    return new RunOptions(!noProgress, checkpointEvery, keepCheckpoints, resume);
  }
}
