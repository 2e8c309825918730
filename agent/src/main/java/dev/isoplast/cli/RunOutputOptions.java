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

  /**
   * Refuses every option of {@code command} but {@code --resume}, {@code --checkpoint-every},
   * {@link #NAMES} and the options of its mixin {@code server} if it has one: a resumed run takes
   * its settings from its config.yaml.
   */
  static void checkResumeOptions(picocli.CommandLine.Model.CommandSpec command) {
    checkOptions(command, "--resume", "--resume takes the run's settings from its config.yaml", java.util.List.of());
  }

  /**
   * Refuses every option of {@code command} but {@code lead}, {@code extra}, {@code --checkpoint-every},
   * {@link #NAMES} and its mixin {@code server}'s: "{@code why}: --x cannot be given with it (only ...)".
   */
  static void checkOptions(picocli.CommandLine.Model.CommandSpec command, String lead, String why,
      java.util.List<String> extra) {
    java.util.List<String> others = new java.util.ArrayList<>(extra);
    others.add("--checkpoint-every");
    others.addAll(NAMES);
    java.util.Set<String> allowed = new java.util.HashSet<>(others);
    allowed.add(lead);
    picocli.CommandLine.Model.CommandSpec server = command.mixins().get("server");
    if (server != null) {
      server.options().forEach(o -> allowed.add(o.longestName()));
    }
    for (picocli.CommandLine.Model.OptionSpec o : command.commandLine().getParseResult().matchedOptions()) {
      if (!allowed.contains(o.longestName())) {
        throw new IllegalArgumentException(why + ": " + o.longestName() + " cannot be given with it (only "
            + String.join(", ", others) + (server != null ? " and the env server options)" : ")"));
      }
    }
  }

  /** The run options with {@code checkpointEvery} and, for a resumed run, its checkpoint. */
  RunOptions options(long checkpointEvery, dev.isoplast.runs.Checkpoints.Loaded resume) {
    return new RunOptions(!noProgress, checkpointEvery, keepCheckpoints, resume);
  }
}
