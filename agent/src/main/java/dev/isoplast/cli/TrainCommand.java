package dev.isoplast.cli;

import dev.isoplast.config.LearnerKind;
import dev.isoplast.envs.remote.EnvServerPool;
import dev.isoplast.envs.scenario.Scenario;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.runs.Learners;
import dev.isoplast.runs.Checkpoints;
import dev.isoplast.runs.ConfigOverrides;
import dev.isoplast.runs.EpisodeStats;
import dev.isoplast.runs.MonitorSpec;
import dev.isoplast.runs.RunDirectory;
import dev.isoplast.runs.RunSpec;
import dev.isoplast.runs.StopSignal;
import dev.isoplast.runs.Trainer;
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
 * {@code isoplast train}: trains an agent on one env (or through an environment-switch scenario)
 * via the sidecar and writes a run directory ({@code config.yaml}, {@code metrics.jsonl},
 * {@code summary.json}, the env server's log, and {@code command.txt}: the command line that made it).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train an agent on a Gymnasium env, or through an environment-switch scenario, via the env server "
        + "and write a run directory.",
        "Hyper-parameters use CleanRL's names (--set learning_rate=3e-4); --method NAME applies a whole plasticity "
            + "recipe (`isoplast methods` lists them; the paper's is adamo-isometric) and --set goes on top of it.",
        "final_mean_return in summary.json is the mean of the last 20 training episodes (with exploration); "
            + "eval_mean_return that of --eval-episodes episodes of the deterministic policy after training.",
        "With --scenario the env switches its dynamics at each phase boundary; every metric row carries phase and "
            + "phase_step, and summary.json lists each phase's figures (and, with --fresh-reference, its "
            + "plasticity_ratio)."})
final class TrainCommand implements Callable<Integer> {

  /** Env steps when neither --total-steps nor --scenario says. */
  static final long DEFAULT_TOTAL_STEPS = 500_000;

  @Option(names = "--algo", defaultValue = "ppo", description = "Algorithm: ppo or dqn (Discrete actions only). Default: ${DEFAULT-VALUE}.")
  String algo;

  @Option(names = "--env", description = "Env id, e.g. CartPole-v1 (see `isoplast envs`); required unless --scenario names it.")
  String envId;

  @Option(names = "--scenario", paramLabel = "NAME|FILE", description = "An environment-switch scenario: a built-in name (${COMPLETION-CANDIDATES}) or a YAML file (format: docs/scenarios.md).", completionCandidates = BuiltInScenarios.class)
  String scenarioName;

  @Option(names = "--phase-steps", paramLabel = "N", description = "With --scenario: every phase lasts N env steps (overrides the file).")
  Long phaseSteps;

  @Option(names = "--repeat", paramLabel = "N", description = "With --scenario: cycle its phase list N times (overrides the file's repeat).")
  Integer repeat;

  @Option(names = "--fresh-reference", description = "With --scenario: also train, for each phase, a freshly initialised learner on that phase alone for as many steps, and report plasticity_ratio per phase.")
  boolean freshReference;

  @Option(names = "--method", paramLabel = "NAME", description = "A method preset: the body, optimizer, regularizer and intervention of one plasticity method with its published hyper-parameters (`isoplast methods` lists them, `isoplast methods show NAME` prints one). --set, --config and the shorthands below win over it.")
  String method;

  @Option(names = "--optimizer", paramLabel = "NAME", description = "Shorthand for --set optimizer=NAME: adam, adamw, adamo (the paper's method) or sgd.")
  String optimizerName;

  @Option(names = "--iso-coef", paramLabel = "LAMBDA", description = "Shorthand for --set iso_coef=LAMBDA (AdamO's isometry coefficient; needs --optimizer adamo).")
  Double isoCoef;

  @Option(names = "--body", paramLabel = "KIND", description = "Shorthand for --set body=KIND: mlp (CleanRL's network; images are flattened), isometric (orthogonal Dense + MaxMin), conv (image observations C×H×W only: below 36×36 Young & Tian's MinAtar torso, one 16-channel 3×3 conv; from 36×36 the Nature CNN; then hidden_sizes are the Dense layers after the torso, empty = the reference's 128 or 512; activation relu unless given, maxmin for the MaxMin variant), conv_isometric (delta-orthogonal convs with gain 1, same padding at stride 1, MaxMin, orthogonal Dense) or conv_orthogonal (the MinAtar torso with skew-orthogonal convs, exp(K − Kᵀ): orthogonal whatever the kernel, about 15× a plain conv's cost; images under 36×36).")
  String body;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of hyper-parameters (key: value).")
  Path configFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one hyper-parameter (repeatable; after --config).")
  List<String> sets = new ArrayList<>();

  @Option(names = "--seed", defaultValue = "1", description = "Fixes network init, sampling, shuffling, ND4J's RNG, the env seeds and the scenario's random draws. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--total-steps", paramLabel = "N", description = "Env steps over all envs. Default: " + DEFAULT_TOTAL_STEPS + ", or the scenario's length.")
  Long totalSteps;

  @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory (default: runs/{env}__{algo}__{seed}__{epochSeconds}).")
  Path runDir;

  @Option(names = "--eval-episodes", defaultValue = "10", paramLabel = "N", description = "Episodes of the deterministic policy evaluated on a separate env at the end (eval_mean_return in summary.json) and at each --eval-every; 0 = no evaluation. Default: ${DEFAULT-VALUE}.")
  int evalEpisodes;

  @Option(names = "--eval-every", defaultValue = "0", paramLabel = "STEPS", description = "Also evaluate every STEPS env steps, logged as eval/episodic_return; 0 = only at the end. Default: ${DEFAULT-VALUE}.")
  long evalEvery;

  @Option(names = "--monitors", defaultValue = "all", paramLabel = "all|none|LIST", description = "Plasticity monitors logged to metrics.jsonl: all, none, or a list of dormancy, ntk, isometry, features, weights. Default: ${DEFAULT-VALUE}.")
  String monitors;

  @Option(names = "--monitor-cadence", paramLabel = "KIND=N,...", description = "Measure KIND every N updates (PPO: iterations, DQN: gradient steps). Defaults: PPO weights=5, dormancy=10, features=25, ntk=50, isometry=50; DQN 100x those.")
  String monitorCadence;

  @Option(names = "--probe-size", defaultValue = "256", paramLabel = "B", description = "Probe batch size of the monitors (drawn from recent observations, refreshed at each phase start and every 4 NTK intervals). Default: ${DEFAULT-VALUE}.")
  int probeSize;

  @Mixin
  RunOutputOptions output;

  @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "" + LearnerKind.RL_CHECKPOINT_EVERY, description = "Write a checkpoint (checkpoints/ in the run directory: agent, optimizer, interventions, random streams, replay buffer, the env server's env state, scenario position; see --keep-checkpoints) at the first safe point after every N env steps, at the end of training, and on Ctrl-C or SIGTERM (which then stop the run; a second Ctrl-C quits at once); 0 = only at the end and on a stop. Default: ${DEFAULT-VALUE}.")
  long checkpointEvery;

  @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue the run in RUN_DIR from its newest whole checkpoint, as if it had never stopped: its config.yaml says what to run (or, for runs made before it held the whole spec, its command.txt); only --checkpoint-every, --no-progress, --keep-checkpoints and the env server options (this command's own: embedded unless --env-server) may be given with it. Rows written after the checkpoint are replaced, not doubled.")
  Path resume;

  /** The checkpoint a resumed run continues from (set by {@link #resume()} on the re-parsed original command). */
  private Checkpoints.Loaded resumeFrom;

  @Mixin
  EnvServerOptions server;

  @Spec
  CommandSpec commandSpec;

  /** The built-in scenario names, for --help. */
  static final class BuiltInScenarios extends ArrayList<String> {
    BuiltInScenarios() {
      super(Scenario.BUILT_INS);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
    }
    if (resume != null) {
      return resume();
    }
    LearnerKind.algo(algo); // an unknown --algo is an error naming the known ones
    RunSpec.Eval eval = new RunSpec.Eval(evalEpisodes, evalEvery);
    Scenario scenario = scenario();
    if (scenario == null && envId == null) {
      throw new IllegalArgumentException("give --env ID or --scenario NAME|FILE");
    }
    String env = scenario != null ? scenario.envId() : envId;
    long steps = scenario != null ? scenario.totalSteps() : totalSteps != null ? totalSteps : DEFAULT_TOTAL_STEPS;
    if (steps < 1) {
      throw new IllegalArgumentException("--total-steps must be positive, got " + steps);
    }
    MonitorSpec monitorSpec = MonitorSpec.parse(monitors, monitorCadence, probeSize, LearnerKind.algo(algo));
    Map<String, Object> user = ConfigOverrides.load(configFile, sets);
    shorthand(user, "optimizer", optimizerName);
    shorthand(user, "iso_coef", isoCoef);
    shorthand(user, "body", body);
    Map<String, Object> overrides = overrides(algo, method, scenario, user);
    RunDirectory run;
    if (resumeFrom == null) {
      run = RunDirectory.create(runDir != null ? runDir : Path.of("runs", RunDirectory.defaultName(env, algo, seed)));
      run.writeCommand("isoplast " + CommandLines.join(commandSpec.commandLine().getParseResult().originalArgs()));
    } else {
      run = RunDirectory.existing(runDir);
    }
    return train(run, servers -> new RunSpec.Rl(env, Trainer.configFor(servers, env, algo, overrides), seed, steps, eval,
        scenario, freshReference, monitorSpec, method), resumeFrom);
  }

  /**
   * Trains the spec {@code resolve} makes once the env servers are there (the agent's defaults
   * depend on the env's action space) into {@code run}, from {@code resumeFrom} if not null, and
   * prints its summary.
   */
  private int train(RunDirectory run, java.util.function.Function<EnvServerPool, RunSpec.Rl> resolve,
      Checkpoints.Loaded resumeFrom) {
    StopSignal.install();
    Nd4jWarmUp.start();
    try (EnvServerOptions.Connection c = server.open(run.file("env-server.log"))) {
      RunSpec.Rl job = resolve.apply(c.servers());
      Map<String, Object> summary = Trainer.run(c.servers(), c.serverName(), run, job,
          output.options(checkpointEvery, resumeFrom));
      System.out.printf("%s %s seed %d: final mean return %.2f (last %d episodes), %d steps, %s steps/s, %s s%n",
          job.envId(), job.algo(), job.seed(), ((Number) summary.get("final_mean_return")).doubleValue(),
          Math.min(EpisodeStats.FINAL_WINDOW, ((Number) summary.get("episodes")).intValue()),
          ((Number) summary.get("total_steps")).longValue(), summary.get("sps"), summary.get("wall_s"));
      if (summary.get("eval_mean_return") instanceof Number ev) {
        System.out.printf("evaluation: mean return %.2f +- %.2f over %d episodes of the deterministic policy%n",
            ev.doubleValue(), ((Number) summary.get("eval_std_return")).doubleValue(),
            ((Number) summary.get("eval_episodes")).intValue());
      }
      if (summary.get("phases") instanceof List<?> phases) {
        printPhases(phases);
      }
      System.out.println("run directory: " + run.path());
    }
    return 0;
  }

  /**
   * {@code --resume RUN_DIR}: the run's spec read back from its config.yaml ({@link RunSpec.Rl#fromConfig}),
   * continued from the newest whole checkpoint with this command's --checkpoint-every, output
   * options and env server. A run whose config.yaml predates the whole spec ({@link
   * RunSpec.Rl#complete}) has its command line (command.txt) parsed again instead.
   */
  private int resume() throws Exception {
    RunOutputOptions.checkResumeOptions(commandSpec);
    RunDirectory dir = RunDirectory.existing(resume);
    Map<String, Object> config = dir.readConfig();
    if (config.containsKey("task") || config.containsKey("supervised")) {
      throw new IllegalArgumentException("--resume " + resume + ": not a run of isoplast train (its config.yaml names "
          + "a task); supervised runs resume with isoplast continual --resume");
    }
    if (!RunSpec.Rl.complete(config)) {
      return resumeFromCommand(dir);
    }
    Checkpoints.Loaded ckpt = new Checkpoints(dir.path()).toResume(resume);
    return train(dir, servers -> RunSpec.Rl.fromConfig(config, servers), ckpt);
  }

  /** {@link #resume} of a run whose config.yaml lacks part of its spec: its command.txt parsed again. */
  private int resumeFromCommand(RunDirectory dir) throws Exception {
    Path commandFile = dir.file("command.txt");
    if (!java.nio.file.Files.isRegularFile(commandFile)) {
      throw new IllegalArgumentException("--resume " + resume + ": its config.yaml predates the whole run spec, and "
          + "there is no command.txt to say what the run was");
    }
    List<String> original = CommandLines.split(java.nio.file.Files.readString(commandFile).trim());
    if (original.size() < 2 || !original.get(0).equals("isoplast") || !original.get(1).equals("train")) {
      throw new IllegalArgumentException("--resume " + resume + ": not a run of isoplast train (its command.txt: "
          + String.join(" ", original.subList(0, Math.min(2, original.size()))) + " ...); supervised runs resume with "
          + "isoplast continual --resume");
    }
    Checkpoints.Loaded ckpt = new Checkpoints(dir.path()).toResume(resume);
    System.err.println("resuming from command.txt: " + dir.file("config.yaml") + " predates the whole run spec");
    TrainCommand again = new TrainCommand();
    picocli.CommandLine cl = new picocli.CommandLine(again);
    cl.parseArgs(original.subList(2, original.size()).toArray(new String[0]));
    again.commandSpec = cl.getCommandSpec();
    again.resume = null;
    again.runDir = dir.path();
    again.output = output;
    again.checkpointEvery = checkpointEvery;
    again.server = server;
    again.resumeFrom = ckpt;
    return again.call();
  }

  /**
   * The agent's overrides of one run: the method preset's keys first, then what the user set
   * explicitly (which wins), then the scenario's defaults; key names are checked now, values once
   * the env's spaces are known. {@code sweep} checks its cells with the same function.
   */
  static Map<String, Object> overrides(String algo, String method, Scenario scenario, Map<String, Object> user) {
    Map<String, Object> overrides = new LinkedHashMap<>(method != null ? Methods.get(method).overrides(algo) : Map.of());
    overrides.putAll(user);
    if (scenario != null && scenario.numEnvs() != null) {
      overrides.putIfAbsent("num_envs", scenario.numEnvs()); // the scenario's width unless --set says otherwise
    }
    if (scenario != null && LearnerKind.algo(algo) == LearnerKind.PPO) {
      // a learning rate annealed to 0 over the whole run would make late phases unlearnable by
      // construction, confounding plasticity loss; continual-RL studies keep it constant
      overrides.putIfAbsent("anneal_lr", false);
    }
    Learners.checkKeys(algo, overrides);
    return overrides;
  }

  private Scenario scenario() {
    if (scenarioName == null) {
      if (phaseSteps != null || repeat != null || freshReference) {
        throw new IllegalArgumentException("--phase-steps, --repeat and --fresh-reference need --scenario");
      }
      return null;
    }
    if (totalSteps != null) {
      throw new IllegalArgumentException("--total-steps does not apply with --scenario (its phases set the length; "
          + "use --phase-steps and --repeat)");
    }
    Scenario s = Scenario.load(scenarioName);
    if (envId != null && !envId.equals(s.envId())) {
      throw new IllegalArgumentException("--env " + envId + " contradicts scenario " + s.source() + ", which is for "
          + s.envId());
    }
    if (phaseSteps != null) {
      s = s.withPhaseSteps(phaseSteps);
    }
    if (repeat != null) {
      s = s.withRepeat(repeat);
    }
    return s;
  }

  private static void printPhases(List<?> phases) {
    System.out.printf("%-6s %12s %10s %18s %12s %18s%n", "phase", "start_step", "episodes", "final_mean_return",
        "mean_return", "plasticity_ratio");
    for (Object o : phases) {
      Map<?, ?> p = (Map<?, ?>) o;
      Object ratio = p.get("plasticity_ratio");
      System.out.printf("%-6s %12s %10s %18.2f %12.2f %18s%n", p.get("phase"), p.get("start_step"), p.get("episodes"),
          ((Number) p.get("final_mean_return")).doubleValue(), ((Number) p.get("mean_return")).doubleValue(),
          ratio == null ? "-" : String.format("%.3f", ((Number) ratio).doubleValue()));
    }
  }

  /** A flag that stands for {@code --set key=value}; giving both with different values is an error. */
  private static void shorthand(Map<String, Object> overrides, String key, Object value) {
    if (value == null) {
      return;
    }
    Object prev = overrides.get(key);
    if (prev != null && !String.valueOf(prev).equals(String.valueOf(value))) {
      throw new IllegalArgumentException("--" + key.replace('_', '-') + " " + value + " conflicts with " + key + "="
          + prev + " from --set/--config");
    }
    overrides.put(key, value);
  }

}
