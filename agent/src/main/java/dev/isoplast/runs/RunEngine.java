package dev.isoplast.runs;

import dev.isoplast.agents.MetricSink;
import dev.isoplast.config.Snapshot;
import dev.isoplast.plasticity.Learner;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One run's life, the same for every learner (the RL {@link Trainer} and the supervised
 * {@link ContinualTrainer}): config.yaml written for a new run, metrics.jsonl and the TensorBoard
 * event file opened (cut back to a resumed checkpoint's lengths), the checkpoint schedule and the
 * stop signals ({@link RunCheckpointer}: every {@code --checkpoint-every} steps at the learner's
 * first safe point after each multiple, and at a safe point after Ctrl-C or SIGTERM, which then
 * stops the run), and summary.json: written when training has ended, and also when it fails
 * (status {@code failed}, the error and the figures reached, exception rethrown naming the run
 * directory) or is stopped (status {@code stopped}, {@link RunStoppedException}); the same for what
 * the learning does after training (RL: the fresh references), which alone is left when a run
 * resumes from a checkpoint taken after its training. Once nothing is left to do the checkpoints
 * are cut to what a completed run keeps ({@link Checkpoints#completed}).
 *
 * <p>What differs between learners — an RL agent stepping envs under a scenario, or a supervised
 * learner going through tasks — is a {@link Learning}.
 */
final class RunEngine {

  private RunEngine() {}

  /** The learner-specific part of a run. */
  interface Learning extends AutoCloseable {

    /**
     * Trains to the end, from the start or from {@code session.resumed()}: rows to
     * {@code session.sink()}, the {@code session.checkpointer(...)} told of every safe point, the
     * end-of-training checkpoint written; then puts the final figures (and, if it is not
     * {@code completed}, the status) into {@code summary}, which the engine writes.
     */
    void train(Session session, Map<String, Object> summary);

    /** The figures reached so far (with {@code wall_s}), for the summary of a failed or stopped run. */
    void putSoFar(Map<String, Object> summary, double wallSeconds);

    /**
     * What is left after training, with the sinks closed and summary.json written (RL: the fresh
     * references), putting its figures into {@code summary}. If it fails (its exception's message
     * says what failed) or is stopped ({@link RunCheckpointer.Stopped}), the engine records that as
     * for training; if it ends and the summary's status is not {@code completed} yet, the engine
     * makes it so and writes the summary again.
     */
    default void afterTraining(Map<String, Object> summary) {}

    /** What {@link #afterTraining} does, in the message of a run stopped during it: "the fresh references". */
    default String afterTrainingName() {
      return "the work after training";
    }

    /**
     * The summary of a run whose training had ended when {@code resumed} was taken (only
     * {@link #afterTraining} was left), or null when training is still to be done.
     */
    default Map<String, Object> trainedSummary(Snapshot resumed) {
      return null;
    }

    /** Releases what the learning holds (envs, the progress bar), whether training ended or failed. */
    @Override
    void close();
  }

  /**
   * What a {@link Learning} trains with.
   *
   * @param resumed the checkpoint's state when the run continues from one, else null
   * @param sink every row to metrics.jsonl and the event file
   */
  record Session(RunDirectory run, RunOptions options, Checkpoints checkpoints, Snapshot resumed, MetricsFile metrics,
      TensorBoardWriter events, MetricSink sink) {

    /**
     * The run's checkpoint schedule and stop check, to be told of every safe point
     * ({@link RunCheckpointer#onSafePoint}); {@code state} is the run's whole state at one.
     */
    RunCheckpointer checkpointer(Supplier<Snapshot> state) {
      return new RunCheckpointer(checkpoints, options.checkpointEvery(), state);
    }

    /**
     * The monitors {@code spec} asks for on {@code learner}, logging to {@code sink}, as they were at
     * the resumed checkpoint (its {@code monitors} entry); null when none are asked for.
     */
    Monitors monitors(Learner learner, MonitorSpec spec, long seed, MetricSink sink) {
      if (spec.kinds().isEmpty()) {
        return null;
      }
      Monitors m = new Monitors(learner, spec.kinds(), spec.cadence(), spec.probeSize(), spec.refreshEvery(), seed,
          sink);
      if (resumed != null) {
        m.restore(resumed.getTree("monitors"));
      }
      return m;
    }

    /** {@code checkpoint} with the lengths metrics.jsonl and the event file have now (for a resume to cut back to). */
    Snapshot withFileLengths(Snapshot checkpoint) {
      return RunDirectory.putFileLengths(checkpoint, metrics, events);
    }
  }

  /**
   * Runs {@code learning} in {@code run} and returns its summary (also in summary.json).
   *
   * @param command the CLI command that resumes such a run ({@code train}, {@code continual})
   * @param config config.yaml of a new run (not written again when the run is resumed)
   * @param summary the run's identification (env or task, method, seed, ...); the engine adds the
   *     status, the learning the figures
   */
  static Map<String, Object> run(RunDirectory run, RunOptions options, String command, Map<String, Object> config,
      Map<String, Object> summary, Learning learning) {
    Snapshot resumed = options.resume() == null ? null : options.resume().state();
    Checkpoints checkpoints = options.checkpoints(run);
    Map<String, Object> trained = resumed == null ? null : learning.trainedSummary(resumed);
    if (trained != null) {
      // training had ended: its summary comes back (summary.json may be gone), then what is left
      learning.close();
      summary.clear();
      summary.putAll(trained);
      run.writeSummary(summary);
    } else {
      train(run, options, command, config, summary, learning, resumed, checkpoints);
    }
    try {
      learning.afterTraining(summary);
    } catch (RunCheckpointer.Stopped stopped) {
      // the end-of-training checkpoint holds the summary: a resumed run does what is left again
      String how = "during " + learning.afterTrainingName() + "; continue with: isoplast " + command + " --resume "
          + run.path();
      summary.put("status", "stopped");
      summary.put("error", "stopped on request " + how);
      run.writeSummary(summary);
      throw new RunStoppedException("stopped " + how);
    } catch (RuntimeException ex) {
      summary.put("status", "failed");
      summary.put("error", ex.getMessage());
      run.writeFailedSummary(summary);
      throw new IllegalStateException(ex.getMessage() + " (run directory " + run.path() + " keeps the metrics of its "
          + "training)", ex);
    }
    if (!"completed".equals(summary.get("status"))) {
      summary.put("status", "completed");
      run.writeSummary(summary);
    }
    checkpoints.completed();
    return summary;
  }

  /** The training part of {@link #run}: config.yaml, the sinks, the learning's training, the summary. */
  private static void train(RunDirectory run, RunOptions options, String command, Map<String, Object> config,
      Map<String, Object> summary, Learning learning, Snapshot resumed, Checkpoints checkpoints) {
    long t0 = System.nanoTime();
    if (resumed == null) {
      try {
        run.writeConfig(config); // first: the event file opens with config.yaml as its text summary
      } catch (RuntimeException e) {
        learning.close();
        throw e;
      }
    }
    summary.put("status", "running"); // its place in summary.json; replaced by how the run ended
    try (learning; MetricsFile metrics = run.openMetrics(resumed); TensorBoardWriter events = run.openTensorBoard(resumed)) {
      summary.put("status", "completed");
      learning.train(new Session(run, options, checkpoints, resumed, metrics, events, MetricTee.of(metrics, events)),
          summary);
      run.writeSummary(summary);
    } catch (RunCheckpointer.Stopped stopped) {
      String how = stopped.checkpointed() ? "after writing a checkpoint; continue with: isoplast " + command
          + " --resume " + run.path() : "without a checkpoint (this run's state cannot be saved); the metrics so far are in "
          + run.path();
      summary.put("status", "stopped");
      summary.put("error", "stopped on request at step " + stopped.step() + " " + how);
      learning.putSoFar(summary, seconds(t0));
      run.writeSummary(summary);
      throw new RunStoppedException("stopped at step " + stopped.step() + " " + how);
    } catch (RuntimeException ex) {
      // keep what the run reached: metrics.jsonl is already on disk, the summary says why it stopped
      summary.put("status", "failed");
      summary.put("error", ex.getMessage());
      learning.putSoFar(summary, seconds(t0));
      run.writeFailedSummary(summary);
      throw new IllegalStateException(ex.getMessage() + " (run directory " + run.path() + " keeps the metrics so far"
          + (checkpoints.files().isEmpty() ? "" : " and its checkpoints: isoplast " + command + " --resume "
          + run.path()) + ")", ex);
    }
  }

  /** Seconds since {@code t0} to one decimal, as summary.json gives {@code wall_s}. */
  static double seconds(long t0) {
    return Math.round((System.nanoTime() - t0) / 1e8) / 10.0;
  }
}
