package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.continual.Shuffles;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.continual.TaskSequence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One supervised continual-learning run from start to summary (DESIGN.md §10): a {@link
 * SupervisedLearner} trained on task after task of a {@link TaskSequence}, each for its epochs in
 * minibatches (shuffled per pass unless the tasks are a stream), with the monitors as for RL (the
 * probe refreshed at each task start) and every row written to metrics.jsonl and the TensorBoard
 * file, tagged with {@code task}. At each task's end one row gives its figure:
 * {@code continual/accuracy} (online, or on all its examples after training for memorisation
 * tasks) or {@code continual/loss} (regression: the online mean squared error), with
 * {@code continual/train_loss} and the learner's regularizer and intervention metrics.
 * {@code global_step} counts examples trained on. summary.json lists every task's figures
 * ({@code tasks: [{task, accuracy | loss, ...}]}); a failure keeps what was reached.
 */
public final class ContinualTrainer {

  private ContinualTrainer() {}

  /** Trains {@code job} into {@code run} with the default checkpoints; returns the summary (also written to summary.json). */
  public static Map<String, Object> run(RunDirectory run, RunSpec.Supervised job, boolean progressBar) {
    return run(run, job, RunOptions.fresh(progressBar, job.defaultCheckpointEvery()));
  }

  /**
   * Trains {@code job} into {@code run}, or continues it from {@code options.resume()}: the learner,
   * the monitors and the position come back from the checkpoint, metrics.jsonl and the event file
   * are cut back to their length at the checkpoint, and the rest is trained as an uninterrupted run
   * would (same rows, same summary, timing aside). The {@link RunEngine} runs it: checkpoints at the
   * first task end after every {@code options.checkpointEvery()} examples, at the end, and at the
   * end of the task in progress after Ctrl-C or SIGTERM (which then stops the run), cut to what a
   * completed run keeps once it has completed ({@link Checkpoints#completed}).
   */
  public static Map<String, Object> run(RunDirectory run, RunSpec.Supervised job, RunOptions options) {
    SupervisedLearner learner = new SupervisedLearner(job.config(), job.tasks().inShape(), job.tasks().outSize(),
        job.seed());
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("task", job.tasks().name());
    job.putMethod(summary);
    summary.put("seed", job.seed());
    summary.put("num_tasks", job.numTasks());
    return RunEngine.run(run, options, "continual", job.toConfig(), summary, new TaskLearning(job, learner));
  }

  /**
   * Checks that a learner of {@code job} can take the learner state of {@code checkpoint} (a
   * {@code --fork} with changed keys): a usage error saying {@code what} and why if it cannot.
   */
  public static void checkFits(RunSpec.Supervised job, Snapshot checkpoint, String what) {
    SupervisedLearner learner = new SupervisedLearner(job.config(), job.tasks().inShape(), job.tasks().outSize(),
        job.seed());
    try {
      learner.restore(checkpoint.getTree("learner"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(what + ": the checkpoint's learner state does not fit the new settings ("
          + e.getMessage() + ")");
    }
  }

  /** A supervised learner going through the tasks: {@link #run}'s learning. Its safe points are the task ends. */
  private static final class TaskLearning implements RunEngine.Learning {
    private final RunSpec.Supervised job;
    private final SupervisedLearner learner;
    private final List<Map<String, Object>> tasks = new ArrayList<>();
    private final long t0 = System.nanoTime();
    private ProgressCallback progress;

    TaskLearning(RunSpec.Supervised job, SupervisedLearner learner) {
      this.job = job;
      this.learner = learner;
    }

    @Override
    public void train(RunEngine.Session session, Map<String, Object> summary) {
      TaskSequence seq = job.tasks();
      Snapshot resumed = session.resumed();
      if (resumed != null) {
        learner.restore(resumed.getTree("learner"));
      }
      int[] current = {0};
      double[] running = {Double.NaN};
      if (session.options().progress()) {
        progress = new ProgressCallback(seq.name(), job.totalExamples(), "examples",
            () -> String.format("task %d/%d %s %.3f", current[0] + 1, job.numTasks(),
                seq.regression() ? "mse" : "acc", running[0]));
      }
      MetricSink out = session.sink();
      MetricSink sink = (step, scalars) -> {
        Map<String, Double> row = new LinkedHashMap<>(scalars);
        row.put("task", (double) current[0]);
        out.log(step, row);
      };
      Monitors monitors = session.monitors(learner, job.monitors(), job.seed(), sink);
      List<Callback> callbacks = new ArrayList<>();
      if (monitors != null) {
        callbacks.add(monitors);
      }
      if (progress != null) {
        callbacks.add(progress);
      }
      Callback cbs = dev.isoplast.agents.Callbacks.of(callbacks);
      SplittableRandom orderSeeds = Seeds.stream(job.seed(), 7919);
      long orderSeed = orderSeeds.nextLong();
      long[] examples = {resumed == null ? 0 : resumed.getLong("examples")};
      int firstTask = resumed == null ? 0 : resumed.getInt("next_task");
      if (resumed != null) {
        tasks.addAll(RunDirectory.fromJson(resumed.getString("tasks"),
            new com.fasterxml.jackson.core.type.TypeReference<List<Map<String, Object>>>() {}, "the checkpoint's task list"));
      }
      int[] nextTask = {firstTask};
      RunCheckpointer checkpointer = session.checkpointer(() -> session.withFileLengths(
          checkpoint(learner, monitors, nextTask[0], examples[0], tasks)));
      checkpointer.onStart(examples[0]);
      int batch = job.config().batchSize();
      float[] x = new float[batch * seq.inSize()];
      int[] labels = new int[batch];
      float[] targets = new float[batch];
      cbs.onStart(examples[0]);
      for (int k = firstTask; k < job.numTasks(); k++) {
        current[0] = k;
        running[0] = Double.NaN;
        cbs.onPhaseStart(k, examples[0]);
        learner.interventions().onPhaseStart(learner, k);
        TaskSequence.Task task = seq.task(k);
        int n = task.size();
        long steps = 0;
        double lossSum = 0;
        double figureSum = 0; // correct predictions, or squared error × examples, of the last pass
        long figureCount = 0;
        for (int epoch = 0; epoch < seq.epochs(); epoch++) {
          int[] order = new int[n];
          for (int i = 0; i < n; i++) {
            order[i] = i;
          }
          if (seq.shuffle()) {
            Shuffles.shuffle(order, Seeds.stream(orderSeed, (long) k * seq.epochs() + epoch));
          }
          figureSum = 0;
          figureCount = 0;
          for (int start = 0; start < n; start += batch) {
            int b = Math.min(batch, n - start);
            for (int r = 0; r < b; r++) {
              int i = order[start + r];
              task.input(i, x, r * seq.inSize());
              if (seq.regression()) {
                targets[r] = task.target(i);
              } else {
                labels[r] = task.label(i);
              }
            }
            if (seq.regression()) {
              figureSum += learner.step(x, targets, b) * b;
            } else {
              figureSum += learner.step(x, labels, b);
            }
            figureCount += b;
            lossSum += learner.lastLoss();
            steps++;
            examples[0] += b;
            running[0] = figureSum / figureCount;
            cbs.onUpdate(examples[0]);
            cbs.onStep(examples[0]);
          }
        }
        Map<String, Double> row = new LinkedHashMap<>();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("task", k);
        double online = figureSum / figureCount;
        if (seq.regression()) {
          row.put("continual/loss", online);
          entry.put("loss", online);
        } else if (seq.measure() == TaskSequence.Measure.FINAL) {
          double acc = accuracy(learner, task, seq.inSize());
          row.put("continual/accuracy", acc);
          row.put("continual/online_accuracy", online);
          entry.put("accuracy", acc);
          entry.put("online_accuracy", online);
        } else {
          row.put("continual/accuracy", online);
          entry.put("accuracy", online);
        }
        row.put("continual/train_loss", lossSum / steps);
        row.putAll(learner.metrics());
        sink.log(examples[0], row);
        entry.put("train_loss", lossSum / steps);
        entry.put("steps", steps);
        tasks.add(entry);
        nextTask[0] = k + 1;
        if (k < job.numTasks() - 1) {
          checkpointer.onSafePoint(examples[0]); // on schedule, or at a stop request (which ends the run)
        }
      }
      checkpointer.save(examples[0]); // the end
      cbs.onEnd(examples[0]);
      double wall = (System.nanoTime() - t0) / 1e9;
      summary.put("tasks", tasks);
      figures(summary, tasks, seq.regression() ? "loss" : "accuracy");
      summary.put("examples", examples[0]);
      summary.put("steps", learner.updates());
      summary.put("steps_per_s", Math.round(learner.updates() / wall));
      summary.put("wall_s", Math.round(wall * 10) / 10.0);
      if (monitors != null) {
        summary.put("monitor_s", Math.round(monitors.totalMs() / 100) / 10.0);
      }
    }

    @Override
    public void putSoFar(Map<String, Object> summary, double wallSeconds) {
      summary.put("tasks", tasks);
      summary.put("wall_s", wallSeconds);
    }

    @Override
    public void close() {
      if (progress != null) {
        progress.close();
      }
    }
  }

  /** The state of a run at the end of a task: everything {@link #run} needs to continue from it. */
  private static Snapshot checkpoint(SupervisedLearner learner, Monitors monitors, int nextTask, long examples,
      List<Map<String, Object>> tasks) {
    Snapshot s = new Snapshot().put("kind", "continual").put("next_task", (long) nextTask).put("examples", examples)
        .put("learner", learner.state()).put("tasks", RunDirectory.toJson(tasks));
    if (monitors != null) {
      s.put("monitors", monitors.state());
    }
    return s;
  }

  /** The first, last and mean figure over the tasks, under {@code first_<key>}, {@code final_<key>}, {@code mean_<key>}. */
  private static void figures(Map<String, Object> summary, List<Map<String, Object>> tasks, String key) {
    double sum = 0;
    for (Map<String, Object> t : tasks) {
      sum += (Double) t.get(key);
    }
    summary.put("first_" + key, tasks.get(0).get(key));
    summary.put("final_" + key, tasks.get(tasks.size() - 1).get(key));
    summary.put("mean_" + key, sum / tasks.size());
  }

  /** Accuracy of {@code learner} on all of {@code task}'s examples (no update). */
  static double accuracy(SupervisedLearner learner, TaskSequence.Task task, int inSize) {
    int chunk = 500;
    float[] x = new float[chunk * inSize];
    int[] y = new int[chunk];
    long correct = 0;
    for (int start = 0; start < task.size(); start += chunk) {
      int b = Math.min(chunk, task.size() - start);
      for (int r = 0; r < b; r++) {
        task.input(start + r, x, r * inSize);
        y[r] = task.label(start + r);
      }
      correct += learner.evaluate(x, y, b);
    }
    return (double) correct / task.size();
  }
}
