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
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.runs.ConfigOverrides;
import dev.isoplast.runs.EpisodeStats;
import dev.isoplast.runs.MetricsFile;
import dev.isoplast.runs.ProgressCallback;
import dev.isoplast.runs.RunDirectory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isoplast train}: trains an agent on one env through the sidecar and writes a run
 * directory ({@code config.yaml}, {@code metrics.jsonl}, {@code summary.json}, the env server's log).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train an agent on a Gymnasium env through the env server and write a run directory.",
        "Hyper-parameters use CleanRL's names (--set learning_rate=3e-4); the paper's method is --optimizer adamo --iso-coef 1e-3 --body isometric.",
        "final_mean_return in summary.json is the mean of the last 20 training episodes (with exploration); eval_mean_return that of --eval-episodes episodes of the deterministic policy after training."})
final class TrainCommand implements Callable<Integer> {

  @Option(names = "--algo", defaultValue = "ppo", description = "Algorithm: ppo or dqn (Discrete actions only). Default: ${DEFAULT-VALUE}.")
  String algo;

  @Option(names = "--env", required = true, description = "Env id, e.g. CartPole-v1 (see `isoplast envs`).")
  String envId;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of hyper-parameters (key: value).")
  Path configFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one hyper-parameter (repeatable; after --config).")
  List<String> sets = new ArrayList<>();

  @Option(names = "--optimizer", paramLabel = "NAME", description = "Shorthand for --set optimizer=NAME: adam, adamw, adamo (the paper's method) or sgd.")
  String optimizerName;

  @Option(names = "--iso-coef", paramLabel = "LAMBDA", description = "Shorthand for --set iso_coef=LAMBDA (AdamO's isometry coefficient; needs --optimizer adamo).")
  Double isoCoef;

  @Option(names = "--body", paramLabel = "KIND", description = "Shorthand for --set body=KIND: mlp (CleanRL's network) or isometric (orthogonal Dense + MaxMin).")
  String body;

  @Option(names = "--seed", defaultValue = "1", description = "Fixes network init, sampling, shuffling, ND4J's RNG and the env seeds. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--total-steps", defaultValue = "500000", description = "Env steps over all envs. Default: ${DEFAULT-VALUE}.")
  long totalSteps;

  @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory (default: runs/{env}__{algo}__{seed}__{epochSeconds}).")
  Path runDir;

  @Option(names = "--eval-episodes", defaultValue = "10", paramLabel = "N", description = "Episodes of the deterministic policy evaluated on a separate env at the end (eval_mean_return in summary.json) and at each --eval-every; 0 = no evaluation. Default: ${DEFAULT-VALUE}.")
  int evalEpisodes;

  @Option(names = "--eval-every", defaultValue = "0", paramLabel = "STEPS", description = "Also evaluate every STEPS env steps, logged as eval/episodic_return; 0 = only at the end. Default: ${DEFAULT-VALUE}.")
  long evalEvery;

  @Option(names = "--no-progress", description = "No progress bar (e.g. in logs).")
  boolean noProgress;

  @Mixin
  EnvServerOptions server;

  @Override
  public Integer call() throws Exception {
    if (!algo.equals("ppo") && !algo.equals("dqn")) {
      throw new IllegalArgumentException("unknown --algo " + algo + ": expected ppo or dqn");
    }
    if (totalSteps < 1) {
      throw new IllegalArgumentException("--total-steps must be positive, got " + totalSteps);
    }
    if (evalEpisodes < 0 || evalEvery < 0) {
      throw new IllegalArgumentException("--eval-episodes and --eval-every must be >= 0");
    }
    if (evalEvery > 0 && evalEpisodes == 0) {
      throw new IllegalArgumentException("--eval-every needs --eval-episodes > 0");
    }
    Map<String, Object> overrides = ConfigOverrides.load(configFile, sets);
    shorthand(overrides, "optimizer", optimizerName);
    shorthand(overrides, "iso_coef", isoCoef);
    shorthand(overrides, "body", body);
    // validate the hyper-parameters before anything starts
    if (algo.equals("ppo")) {
      PpoConfig.fromMap(PpoConfig.defaults(), overrides);
    } else {
      DqnConfig.fromMap(DqnConfig.defaults(), overrides);
    }
    RunDirectory run = RunDirectory.create(runDir != null ? runDir
        : Path.of("runs", RunDirectory.defaultName(envId, algo, seed)));
    try (EnvServerOptions.Connection c = server.open(run.file("env-server.log"))) {
      Map<String, Object> summary = trainOne(c, run, envId, algo, seed, totalSteps, overrides, new Eval(evalEpisodes, evalEvery), !noProgress);
      System.out.printf("%s %s seed %d: final mean return %.2f (last %d episodes), %d steps, %s steps/s, %s s%n",
          envId, algo, seed, (Double) summary.get("final_mean_return"),
          Math.min(EpisodeStats.FINAL_WINDOW, (Integer) summary.get("episodes")), (Long) summary.get("total_steps"),
          summary.get("sps"), summary.get("wall_s"));
      if (summary.get("eval_mean_return") instanceof Double ev) {
        System.out.printf("evaluation: mean return %.2f +- %.2f over %d episodes of the deterministic policy%n", ev,
            (Double) summary.get("eval_std_return"), (Integer) summary.get("eval_episodes"));
      }
      System.out.println("run directory: " + run.path());
    }
    return 0;
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
   * Trains one PPO run into {@code run} through connection {@code c} and returns its summary (also
   * written to summary.json). On failure the summary says so, the metrics so far stay on disk, and
   * the exception is rethrown naming the run directory.
   */
  static Map<String, Object> trainOne(EnvServerOptions.Connection c, RunDirectory run, String envId, String algo,
      long seed, long totalSteps, Map<String, Object> overrides, Eval eval, boolean progressBar) {
    VectorEnv env;
    Map<String, Object> resolved;
    Agent agent;
    if (algo.equals("dqn")) {
      DqnConfig config = DqnConfig.fromMap(DqnConfig.defaults(), overrides);
      env = c.client().make(envId, config.numEnvs(), seed);
      resolved = config.toMap();
      agent = closingEnvOnFailure(env, () -> new Dqn(config, env, seed));
    } else {
      PpoConfig ppo = PpoConfig.fromMap(PpoConfig.defaults(), overrides);
      VectorEnv made = c.client().make(envId, ppo.numEnvs(), seed);
      if (made.actionSpace() instanceof Box) { // CleanRL's continuous-action defaults apply to Box actions
        made.close();
        ppo = PpoConfig.fromMap(PpoConfig.continuousDefaults(), overrides);
        made = c.client().make(envId, ppo.numEnvs(), seed);
      }
      PpoConfig config = ppo;
      env = made;
      resolved = config.toMap();
      agent = closingEnvOnFailure(env, () -> new Ppo(config, env, seed));
    }
    run.writeConfig(resolvedConfig(resolved, c, algo, envId, seed, totalSteps));
    EpisodeStats episodes = new EpisodeStats();
    List<Callback> callbacks = new ArrayList<>(List.of(episodes));
    ProgressCallback progress = progressBar ? new ProgressCallback(envId + " " + algo, totalSteps, episodes) : null;
    if (progress != null) {
      callbacks.add(progress);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("env", envId);
    summary.put("algo", algo);
    summary.put("seed", seed);
    long t0 = System.nanoTime();
    VectorEnv evalEnv = null;
    try (MetricsFile metrics = run.openMetrics(); VectorEnv e = env) {
      EvalCallback evaluator = null;
      if (eval.episodes() > 0) {
        evalEnv = c.client().make(envId, Math.min(eval.episodes(), 8), Eval.seed(seed));
        evaluator = new EvalCallback(agent, evalEnv, eval.episodes(), eval.every() > 0 ? eval.every() : Long.MAX_VALUE,
            Eval.seed(seed), metrics);
        callbacks.add(evaluator);
      }
      TrainResult r = agent.train(totalSteps, metrics, callbacks);
      summary.put("status", "completed");
      summary.put("final_mean_return", r.finalMeanReturn());
      summary.put("episodes", r.episodeReturns().size());
      summary.put("sps", Math.round(r.sps()));
      summary.put("total_steps", r.globalSteps());
      summary.put("wall_s", Math.round(r.wallSeconds() * 10) / 10.0);
      if (evaluator != null) {
        Evaluation.Result ev = evaluator.evaluateAt(r.globalSteps());
        summary.put("eval_mean_return", ev.meanReturn());
        summary.put("eval_std_return", ev.stdReturn());
        summary.put("eval_episodes", ev.returns().size());
      }
      run.writeSummary(summary);
      return summary;
    } catch (RuntimeException ex) {
      // keep what the run reached: metrics.jsonl is already on disk, the summary says why it stopped
      summary.put("status", "failed");
      summary.put("error", ex.getMessage());
      summary.put("episodes", episodes.count());
      summary.put("final_mean_return", episodes.recentMeanReturn(EpisodeStats.FINAL_WINDOW));
      summary.put("wall_s", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
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
  }

  private static Agent closingEnvOnFailure(VectorEnv env, java.util.function.Supplier<Agent> make) {
    try {
      return make.get();
    } catch (RuntimeException e) {
      env.close();
      throw e;
    }
  }

  private static Map<String, Object> resolvedConfig(Map<String, Object> hyperParameters, EnvServerOptions.Connection c, String algo,
      String envId, long seed, long totalSteps) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("algo", algo);
    m.put("env", envId);
    m.put("seed", seed);
    m.put("total_steps", totalSteps);
    m.put("env_server", c.process() != null ? "embedded" : c.client().target());
    m.put("created", Instant.now().toString());
    Map<String, Object> versions = new LinkedHashMap<>();
    String v = TrainCommand.class.getPackage().getImplementationVersion();
    versions.put("isoplast", v == null ? "dev" : v);
    versions.put("java", System.getProperty("java.version"));
    versions.put("nd4j", "1.0.0-M2.1");
    m.put("versions", versions);
    m.put(algo, hyperParameters);
    return m;
  }
}
