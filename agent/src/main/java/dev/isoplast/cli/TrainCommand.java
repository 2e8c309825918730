package dev.isoplast.cli;

import dev.isoplast.agents.Agent;
import dev.isoplast.agents.Callback;
import dev.isoplast.agents.EvalCallback;
import dev.isoplast.agents.Evaluation;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.agents.dqn.Dqn;
import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.Ppo;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.scenario.PlasticityRatio;
import dev.isoplast.envs.scenario.Scenario;
import dev.isoplast.envs.scenario.ScenarioPlan;
import dev.isoplast.monitor.Monitors;
import dev.isoplast.runs.ConfigOverrides;
import dev.isoplast.runs.EpisodeStats;
import dev.isoplast.runs.MetricSink;
import dev.isoplast.runs.MetricsFile;
import dev.isoplast.runs.PhaseSchedule;
import dev.isoplast.runs.ProgressCallback;
import dev.isoplast.runs.RunDirectory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isoplast train}: trains an agent on one env (or through an environment-switch scenario)
 * via the sidecar and writes a run directory ({@code config.yaml}, {@code metrics.jsonl},
 * {@code summary.json}, the env server's log).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train an agent on a Gymnasium env, or through an environment-switch scenario, via the env server "
        + "and write a run directory.",
        "Hyper-parameters use CleanRL's names (--set learning_rate=3e-4); the paper's method is --optimizer adamo "
            + "--iso-coef 1e-3 --body isometric.",
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

  @Option(names = "--optimizer", paramLabel = "NAME", description = "Shorthand for --set optimizer=NAME: adam, adamw, adamo (the paper's method) or sgd.")
  String optimizerName;

  @Option(names = "--iso-coef", paramLabel = "LAMBDA", description = "Shorthand for --set iso_coef=LAMBDA (AdamO's isometry coefficient; needs --optimizer adamo).")
  Double isoCoef;

  @Option(names = "--body", paramLabel = "KIND", description = "Shorthand for --set body=KIND: mlp (CleanRL's network) or isometric (orthogonal Dense + MaxMin).")
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

  @Option(names = "--no-progress", description = "No progress bar (e.g. in logs).")
  boolean noProgress;

  @Mixin
  EnvServerOptions server;

  /** The built-in scenario names, for --help. */
  static final class BuiltInScenarios extends ArrayList<String> {
    BuiltInScenarios() {
      super(Scenario.BUILT_INS);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (!algo.equals("ppo") && !algo.equals("dqn")) {
      throw new IllegalArgumentException("unknown --algo " + algo + ": expected ppo or dqn");
    }
    if (evalEpisodes < 0 || evalEvery < 0) {
      throw new IllegalArgumentException("--eval-episodes and --eval-every must be >= 0");
    }
    if (evalEvery > 0 && evalEpisodes == 0) {
      throw new IllegalArgumentException("--eval-every needs --eval-episodes > 0");
    }
    Scenario scenario = scenario();
    if (scenario == null && envId == null) {
      throw new IllegalArgumentException("give --env ID or --scenario NAME|FILE");
    }
    String env = scenario != null ? scenario.envId() : envId;
    long steps = scenario != null ? scenario.totalSteps() : totalSteps != null ? totalSteps : DEFAULT_TOTAL_STEPS;
    if (steps < 1) {
      throw new IllegalArgumentException("--total-steps must be positive, got " + steps);
    }
    MonitorSpec monitorSpec = new MonitorSpec(Monitors.parse(monitors),
        Monitors.parseCadence(monitorCadence, Monitors.defaultCadence(algo)), probeSize);
    Map<String, Object> overrides = ConfigOverrides.load(configFile, sets);
    shorthand(overrides, "optimizer", optimizerName);
    shorthand(overrides, "iso_coef", isoCoef);
    shorthand(overrides, "body", body);
    if (scenario != null && scenario.numEnvs() != null) {
      overrides.putIfAbsent("num_envs", scenario.numEnvs()); // the scenario's width unless --set says otherwise
    }
    if (scenario != null && algo.equals("ppo")) {
      // a learning rate annealed to 0 over the whole run would make late phases unlearnable by
      // construction, confounding plasticity loss; continual-RL studies keep it constant
      overrides.putIfAbsent("anneal_lr", false);
    }
    // validate the hyper-parameters before anything starts
    if (algo.equals("ppo")) {
      PpoConfig.fromMap(PpoConfig.defaults(), overrides);
    } else {
      DqnConfig.fromMap(DqnConfig.defaults(), overrides);
    }
    RunDirectory run = RunDirectory.create(runDir != null ? runDir
        : Path.of("runs", RunDirectory.defaultName(env, algo, seed)));
    try (EnvServerOptions.Connection c = server.open(run.file("env-server.log"))) {
      Job job = new Job(env, algo, seed, steps, overrides, new Eval(evalEpisodes, evalEvery), scenario, freshReference,
          monitorSpec);
      Map<String, Object> summary = trainOne(c, run, job, !noProgress);
      System.out.printf("%s %s seed %d: final mean return %.2f (last %d episodes), %d steps, %s steps/s, %s s%n",
          env, algo, seed, (Double) summary.get("final_mean_return"),
          Math.min(EpisodeStats.FINAL_WINDOW, (Integer) summary.get("episodes")), (Long) summary.get("total_steps"),
          summary.get("sps"), summary.get("wall_s"));
      if (summary.get("eval_mean_return") instanceof Double ev) {
        System.out.printf("evaluation: mean return %.2f +- %.2f over %d episodes of the deterministic policy%n", ev,
            (Double) summary.get("eval_std_return"), (Integer) summary.get("eval_episodes"));
      }
      if (summary.get("phases") instanceof List<?> phases) {
        printPhases(phases);
      }
      System.out.println("run directory: " + run.path());
    }
    return 0;
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
          (Double) p.get("final_mean_return"), (Double) p.get("mean_return"),
          ratio == null ? "-" : String.format("%.3f", (Double) ratio));
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

  /**
   * Evaluation settings of a run.
   *
   * @param episodes episodes per evaluation (0 = none)
   * @param every env steps between evaluations during training (0 = only at the end)
   */
  record Eval(int episodes, long every) {
    static final Eval NONE = new Eval(0, 0);

    /** Eval envs: the run seed shifted so that they never replay the training envs' episodes. */
    static long seed(long runSeed) {
      return runSeed + 1_000_003L;
    }
  }

  /**
   * Which monitors run, how often, on how many probe inputs.
   *
   * @param cadence updates between measurements, per monitor
   */
  record MonitorSpec(Set<Monitors.Kind> kinds, Map<Monitors.Kind, Integer> cadence, int probeSize) {
    static final MonitorSpec NONE = new MonitorSpec(Set.of(), Monitors.defaultCadence("ppo"), 256);

    /** The probe batch is refreshed every this many updates: four NTK intervals. */
    int refreshEvery() {
      return 4 * cadence.get(Monitors.Kind.NTK);
    }
  }

  /**
   * One training job.
   *
   * @param totalSteps env steps (the scenario's total when it has one)
   * @param scenario null for a single env
   * @param freshReference with a scenario: train a fresh learner per phase for the plasticity ratio
   */
  record Job(String envId, String algo, long seed, long totalSteps, Map<String, Object> overrides, Eval eval,
      Scenario scenario, boolean freshReference, MonitorSpec monitors) {

    /** A plain single-env job with the default monitors. */
    static Job single(String envId, String algo, long seed, long totalSteps, Map<String, Object> overrides,
        Eval eval) {
      return new Job(envId, algo, seed, totalSteps, overrides, eval, null, false,
          new MonitorSpec(Monitors.parse("all"), Monitors.defaultCadence(algo), 256));
    }
  }

  /** An agent with its env and resolved hyper-parameters. */
  private record Built(Agent agent, VectorEnv env, Map<String, Object> hyperParameters) {}

  /**
   * The agent {@code algo} with its config from {@code overrides} on a new env handle (PPO on a
   * Box action space starts from CleanRL's continuous defaults).
   */
  private static Built build(EnvServerOptions.Connection c, String envId, String algo, long seed,
      Map<String, Object> overrides) {
    if (algo.equals("dqn")) {
      DqnConfig config = DqnConfig.fromMap(DqnConfig.defaults(), overrides);
      VectorEnv env = c.client().make(envId, config.numEnvs(), seed);
      return new Built(closingEnvOnFailure(env, () -> new Dqn(config, env, seed)), env, config.toMap());
    }
    PpoConfig ppo = PpoConfig.fromMap(PpoConfig.defaults(), overrides);
    VectorEnv made = c.client().make(envId, ppo.numEnvs(), seed);
    if (made.actionSpace() instanceof Box) { // CleanRL's continuous-action defaults apply to Box actions
      made.close();
      ppo = PpoConfig.fromMap(PpoConfig.continuousDefaults(), overrides);
      made = c.client().make(envId, ppo.numEnvs(), seed);
    }
    PpoConfig config = ppo;
    VectorEnv env = made;
    return new Built(closingEnvOnFailure(env, () -> new Ppo(config, env, seed)), env, config.toMap());
  }

  /** Single-env job; see {@link #trainOne(EnvServerOptions.Connection, RunDirectory, Job, boolean)}. */
  static Map<String, Object> trainOne(EnvServerOptions.Connection c, RunDirectory run, String envId, String algo,
      long seed, long totalSteps, Map<String, Object> overrides, Eval eval, boolean progressBar) {
    return trainOne(c, run, Job.single(envId, algo, seed, totalSteps, overrides, eval), progressBar);
  }

  /**
   * Trains one run into {@code run} through connection {@code c} and returns its summary (also
   * written to summary.json). On failure the summary says so, the metrics so far stay on disk, and
   * the exception is rethrown naming the run directory.
   */
  static Map<String, Object> trainOne(EnvServerOptions.Connection c, RunDirectory run, Job job, boolean progressBar) {
    ScenarioPlan plan = null;
    if (job.scenario() != null) {
      plan = ScenarioPlan.resolve(job.scenario(), spec(c, job.envId()), job.seed());
    }
    Built built = build(c, job.envId(), job.algo(), job.seed(), job.overrides());
    Agent agent = built.agent();
    run.writeConfig(resolvedConfig(built.hyperParameters(), c, job, plan));
    EpisodeStats episodes = new EpisodeStats();
    List<Callback> callbacks = new ArrayList<>(List.of(episodes));
    ProgressCallback progress = progressBar ? new ProgressCallback(job.envId() + " " + job.algo(), job.totalSteps(),
        episodes) : null;
    if (progress != null) {
      callbacks.add(progress);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("env", job.envId());
    summary.put("algo", job.algo());
    summary.put("seed", job.seed());
    if (job.scenario() != null) {
      summary.put("scenario", job.scenario().name());
    }
    long t0 = System.nanoTime();
    VectorEnv evalEnv = null;
    PhaseSchedule schedule = null;
    try (MetricsFile metrics = run.openMetrics(); VectorEnv e = built.env()) {
      MetricSink sink = metrics;
      if (plan != null) {
        schedule = new PhaseSchedule(plan, e, metrics);
        sink = schedule;
        callbacks.add(0, schedule); // first: episodes are counted in the phase before any switch
      }
      Monitors monitorCallback = null;
      if (!job.monitors().kinds().isEmpty()) {
        monitorCallback = new Monitors(agent, job.monitors().kinds(), job.monitors().cadence(),
            job.monitors().probeSize(), job.monitors().refreshEvery(), job.seed(), sink);
        callbacks.add(monitorCallback);
      }
      EvalCallback evaluator = null;
      if (job.eval().episodes() > 0) {
        evalEnv = c.client().make(job.envId(), Math.min(job.eval().episodes(), 8), Eval.seed(job.seed()));
        evaluator = new EvalCallback(agent, evalEnv, job.eval().episodes(),
            job.eval().every() > 0 ? job.eval().every() : Long.MAX_VALUE, Eval.seed(job.seed()), sink);
        callbacks.add(evaluator);
      }
      if (schedule != null) {
        if (monitorCallback != null) {
          schedule.listen(monitorCallback);
        }
        schedule.begin();
      }
      TrainResult r = agent.train(job.totalSteps(), sink, callbacks);
      summary.put("status", "completed");
      summary.put("final_mean_return", r.finalMeanReturn());
      summary.put("episodes", r.episodeReturns().size());
      summary.put("sps", Math.round(r.sps()));
      summary.put("total_steps", r.globalSteps());
      summary.put("wall_s", Math.round(r.wallSeconds() * 10) / 10.0);
      if (monitorCallback != null) {
        summary.put("monitor_s", Math.round(monitorCallback.totalMs() / 100) / 10.0);
      }
      if (evaluator != null) {
        // under a scenario, the evaluation env runs the last phase's setting
        if (plan != null) {
          evalEnv.reconfigure(plan.phases().get(plan.phases().size() - 1).perturbation());
        }
        Evaluation.Result ev = evaluator.evaluateAt(r.globalSteps());
        summary.put("eval_mean_return", ev.meanReturn());
        summary.put("eval_std_return", ev.stdReturn());
        summary.put("eval_episodes", ev.returns().size());
      }
      if (schedule != null) {
        summary.put("phases", schedule.summaries());
      }
      run.writeSummary(summary);
    } catch (RuntimeException ex) {
      // keep what the run reached: metrics.jsonl is already on disk, the summary says why it stopped
      summary.put("status", "failed");
      summary.put("error", ex.getMessage());
      summary.put("episodes", episodes.count());
      summary.put("final_mean_return", episodes.recentMeanReturn(EpisodeStats.FINAL_WINDOW));
      summary.put("wall_s", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
      if (schedule != null) {
        summary.put("phases", schedule.summaries());
      }
      run.writeSummary(summary);
      throw new IllegalStateException(ex.getMessage() + " (run directory " + run.path() + " keeps the metrics so far)", ex);
    } finally {
      if (progress != null) {
        progress.close();
      }
      if (evalEnv != null) {
        evalEnv.close();
      }
    }
    if (job.freshReference() && plan != null) {
      freshReference(c, run, job, plan, summary);
      run.writeSummary(summary);
    }
    return summary;
  }

  /**
   * For each phase, a fresh learner (same configuration and seed, so the same initial network as
   * the continual learner had) trained on that phase's setting alone for the phase's steps; its
   * final mean return and the plasticity ratio join the phase's summary entry. Phases with the
   * same setting (a repeated list without random draws) share one fresh run. Each fresh run's
   * metrics go to {@code fresh/phase_K.jsonl}.
   */
  private static void freshReference(EnvServerOptions.Connection c, RunDirectory run, Job job, ScenarioPlan plan,
      Map<String, Object> summary) {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> phases = (List<Map<String, Object>>) summary.get("phases");
    Map<String, Double> cache = new HashMap<>();
    for (int k = 0; k < phases.size(); k++) {
      ScenarioPlan.Phase phase = plan.phases().get(k);
      Map<String, Object> entry = phases.get(k);
      long steps = ((Number) entry.get("steps")).longValue();
      String key = settingKey(phase) + "@" + steps;
      Double fresh = cache.get(key);
      if (fresh == null) {
        System.err.printf("fresh reference: phase %d of %d, %d steps%n", k, phases.size() - 1, steps);
        Built built = build(c, job.envId(), job.algo(), job.seed(), job.overrides());
        try (MetricsFile m = run.openMetrics(Path.of("fresh", "phase_" + k + ".jsonl")); VectorEnv e = built.env()) {
          e.reconfigure(phase.perturbation());
          fresh = built.agent().train(steps, m, List.of()).finalMeanReturn();
        }
        cache.put(key, fresh);
      }
      double continual = (Double) entry.get("final_mean_return");
      Double scale = phase.perturbation().rewardScale();
      entry.put("fresh_final_mean_return", fresh);
      entry.put("plasticity_ratio", PlasticityRatio.of(job.envId(), scale == null ? 1.0 : scale, continual, fresh));
      entry.put("return_floor", PlasticityRatio.floor(job.envId()));
    }
  }

  private static String settingKey(ScenarioPlan.Phase p) {
    var q = p.perturbation();
    return new java.util.TreeMap<>(q.dynamics()) + Arrays.toString(q.obsPermutation())
        + Arrays.toString(q.obsSignFlip()) + Arrays.toString(q.actionPermutation()) + q.rewardScale();
  }

  private static EnvSpec spec(EnvServerOptions.Connection c, String envId) {
    for (EnvSpec s : c.client().listEnvs()) {
      if (s.envId().equals(envId)) {
        return s;
      }
    }
    throw new IllegalArgumentException("env " + envId + " is not on the env server's allow-list (see `isoplast envs`)");
  }

  private static Agent closingEnvOnFailure(VectorEnv env, java.util.function.Supplier<Agent> make) {
    try {
      return make.get();
    } catch (RuntimeException e) {
      env.close();
      throw e;
    }
  }

  private static Map<String, Object> resolvedConfig(Map<String, Object> hyperParameters, EnvServerOptions.Connection c,
      Job job, ScenarioPlan plan) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("algo", job.algo());
    m.put("env", job.envId());
    m.put("seed", job.seed());
    m.put("total_steps", job.totalSteps());
    m.put("env_server", c.process() != null ? "embedded" : c.client().target());
    m.put("created", Instant.now().toString());
    Map<String, Object> versions = new LinkedHashMap<>();
    String v = TrainCommand.class.getPackage().getImplementationVersion();
    versions.put("isoplast", v == null ? "dev" : v);
    versions.put("java", System.getProperty("java.version"));
    versions.put("nd4j", "1.0.0-M2.1");
    m.put("versions", versions);
    if (plan != null) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("name", job.scenario().name());
      s.put("source", job.scenario().source());
      s.put("fresh_reference", job.freshReference());
      List<Map<String, Object>> phases = new ArrayList<>();
      for (ScenarioPlan.Phase p : plan.phases()) {
        Map<String, Object> pm = new LinkedHashMap<>();
        pm.put("phase", p.index());
        pm.put("start_step", p.startStep());
        pm.put("steps", p.steps());
        pm.put("dynamics", new LinkedHashMap<>(p.perturbation().dynamics()));
        pm.put("obs_permutation", p.perturbation().obsPermutation());
        pm.put("obs_sign_flip", p.perturbation().obsSignFlip());
        if (p.perturbation().actionPermutation().length > 0) {
          pm.put("action_permutation", p.perturbation().actionPermutation());
        }
        pm.put("reward_scale", p.perturbation().rewardScale());
        phases.add(pm);
      }
      s.put("phases", phases);
      m.put("scenario", s);
    }
    m.put(job.algo(), hyperParameters);
    return m;
  }
}
