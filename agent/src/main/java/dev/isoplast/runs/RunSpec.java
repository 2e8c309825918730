package dev.isoplast.runs;

import dev.isoplast.agents.AgentConfig;
import dev.isoplast.config.LearnerKind;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.TaskSequence;
import dev.isoplast.continual.Tasks;
import dev.isoplast.envs.remote.EnvServerPool;
import dev.isoplast.envs.scenario.Scenario;
import dev.isoplast.envs.scenario.ScenarioPlan;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run is, resolved once by the CLI ({@code train}, {@code continual}, a sweep's cell) and
 * then passed typed to the run engine: the learner's resolved config record, the benchmark (an env
 * or a scenario for the RL agents, a task sequence for the supervised learner), the seed, the
 * length, the monitors and the method preset it came from. Its config.yaml holds it whole
 * ({@code toConfig}), and {@code --resume} rebuilds it from there ({@code fromConfig}), so a resumed
 * run is the run that was started, whatever the CLI's defaults have become since.
 */
public sealed interface RunSpec permits RunSpec.Rl, RunSpec.Supervised {

  /** The learner kind (PPO, DQN or the supervised learner). */
  LearnerKind kind();

  /** Fixes everything random in the run. */
  long seed();

  /** The monitors measured during training. */
  MonitorSpec monitors();

  /** The method preset the learner's configuration came from (recorded in config.yaml and summary.json), or null. */
  String method();

  /** Whether the learner is told of phase or task boundaries (marked {@code oracle}: not comparable to the others). */
  boolean oracle();

  /** {@code global_step} at the end: env steps (RL) or examples (supervised). */
  long length();

  /** Steps between checkpoints unless {@code --checkpoint-every} says otherwise ({@link LearnerKind#defaultCheckpointEvery}). */
  default long defaultCheckpointEvery() {
    return kind().defaultCheckpointEvery();
  }

  /** Puts the method preset and, if so, the oracle mark into {@code m} (config.yaml, summary.json). */
  default void putMethod(Map<String, Object> m) {
    if (method() != null) {
      m.put("method", method());
    }
    if (oracle()) {
      m.put("oracle", true); // told of phase or task boundaries (reset_at_phase): not comparable to the others
    }
  }

  /**
   * Evaluation settings of an RL run.
   *
   * @param episodes episodes per evaluation (0 = none)
   * @param every env steps between evaluations during training (0 = only at the end)
   */
  record Eval(int episodes, long every) {
    public Eval {
      if (episodes < 0 || every < 0) {
        throw new IllegalArgumentException("--eval-episodes and --eval-every must be >= 0");
      }
      if (every > 0 && episodes == 0) {
        throw new IllegalArgumentException("--eval-every needs --eval-episodes > 0");
      }
    }

    /** Eval envs: the run seed shifted so that they never replay the training envs' episodes. */
    public static long seed(long runSeed) {
      return runSeed + 1_000_003L;
    }
  }

  /**
   * An RL run ({@link Trainer}).
   *
   * @param config the agent's resolved configuration ({@link Trainer#configFor})
   * @param totalSteps env steps (the scenario's total when it has one)
   * @param scenario null for a single env
   * @param freshReference with a scenario: train a fresh learner per phase for the plasticity ratio
   */
  record Rl(String envId, AgentConfig config, long seed, long totalSteps, Eval eval, Scenario scenario,
      boolean freshReference, MonitorSpec monitors, String method) implements RunSpec {

    /** A plain single-env run with the default monitors. */
    public static Rl single(String envId, AgentConfig config, long seed, long totalSteps, Eval eval, String method) {
      return new Rl(envId, config, seed, totalSteps, eval, null, false, MonitorSpec.all(config.kind()), method);
    }

    public String algo() {
      return config.algo();
    }

    @Override
    public LearnerKind kind() {
      return config.kind();
    }

    @Override
    public boolean oracle() {
      return config.methods().oracle();
    }

    @Override
    public long length() {
      return totalSteps;
    }

    /**
     * config.yaml: the spec, with the scenario's phases as {@code plan} resolved them (their draws
     * from the seed) and {@code server} (embedded, or the servers' addresses) for the record.
     */
    public Map<String, Object> toConfig(String server, ScenarioPlan plan) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("algo", algo());
      putMethod(m);
      m.put("env", envId);
      m.put("seed", seed);
      m.put("total_steps", totalSteps);
      Map<String, Object> ev = new LinkedHashMap<>();
      ev.put("episodes", eval.episodes());
      ev.put("every", eval.every());
      m.put("eval", ev);
      m.put("monitors", monitors.toMap());
      m.put("env_server", server);
      putCreated(m);
      if (scenario != null) {
        m.put("scenario", scenarioEntry(plan));
      }
      m.put(algo(), config.toMap());
      return m;
    }

    private Map<String, Object> scenarioEntry(ScenarioPlan plan) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("name", scenario.name());
      s.put("source", scenario.source());
      s.put("fresh_reference", freshReference);
      // what --phase-steps and --repeat make of the source again: the common phase length, the cycles
      List<Long> lengths = scenario.phases().stream().map(Scenario.PhaseSpec::steps).distinct().toList();
      s.put("phase_steps", lengths.size() == 1 ? lengths.get(0) : null);
      s.put("repeat", scenario.repeat());
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
      return s;
    }

    /**
     * Whether {@code config} (an RL run's config.yaml) holds the whole spec: those written before it
     * did lack the evaluation, the monitors and the scenario's phase length and cycles, and resume
     * from their command.txt.
     */
    public static boolean complete(Map<String, Object> config) {
      return config.containsKey("eval") && config.containsKey("monitors")
          && (!(config.get("scenario") instanceof Map<?, ?> s) || s.containsKey("repeat"));
    }

    /**
     * The spec {@code config} (a {@link #complete} config.yaml) holds: the agent's section resolved
     * again as every key of it set ({@link Trainer#configFor}), the scenario loaded again from its
     * source with its phase length and cycles. A scenario whose phases come out otherwise than the
     * run's (its file changed since) is an error.
     */
    @SuppressWarnings("unchecked")
    public static Rl fromConfig(Map<String, Object> config, EnvServerPool servers) {
      String algo = String.valueOf(config.get("algo"));
      String env = String.valueOf(config.get("env"));
      LearnerKind kind = LearnerKind.algo(algo);
      if (!(config.get(algo) instanceof Map<?, ?> section)) {
        throw new IllegalArgumentException("config.yaml has no '" + algo + "' section");
      }
      Scenario scenario = null;
      boolean fresh = false;
      if (config.get("scenario") instanceof Map<?, ?> s) {
        scenario = Scenario.load(String.valueOf(s.get("source")));
        if (s.get("phase_steps") instanceof Number n) {
          scenario = scenario.withPhaseSteps(n.longValue());
        }
        scenario = scenario.withRepeat(((Number) s.get("repeat")).intValue());
        fresh = Boolean.TRUE.equals(s.get("fresh_reference"));
      }
      Map<?, ?> ev = (Map<?, ?>) config.get("eval");
      Rl spec = new Rl(env, Trainer.configFor(servers, env, algo, (Map<String, Object>) section),
          number(config, "seed").longValue(), number(config, "total_steps").longValue(),
          new Eval(((Number) ev.get("episodes")).intValue(), ((Number) ev.get("every")).longValue()), scenario, fresh,
          MonitorSpec.fromMap((Map<?, ?>) config.get("monitors"), kind), (String) config.get("method"));
      if (scenario != null) {
        Object now = RunDirectory.readBack(spec.scenarioEntry(Trainer.plan(servers, spec)).get("phases"));
        if (!now.equals(((Map<?, ?>) config.get("scenario")).get("phases"))) {
          throw new IllegalArgumentException("scenario " + scenario.source() + " no longer gives the phases in "
              + "config.yaml (has its file changed since the run started?)");
        }
      }
      return spec;
    }
  }

  /**
   * A supervised continual-learning run ({@link ContinualTrainer}).
   *
   * @param taskConfig the benchmark's resolved keys (config.yaml)
   * @param numTasks how many tasks of the sequence to train on
   * @param origin how the benchmark was resolved ({@code net}, {@code mnist_dir}, {@code cifar_dir}),
   *     written to config.yaml so that {@code --resume} can resolve it again
   */
  record Supervised(TaskSequence tasks, Map<String, Object> taskConfig, SupervisedConfig config, long seed,
      int numTasks, MonitorSpec monitors, String method, Map<String, Object> origin) implements RunSpec {

    public Supervised {
      if (numTasks < 1) {
        throw new IllegalArgumentException("--tasks must be at least 1, got " + numTasks);
      }
    }

    @Override
    public LearnerKind kind() {
      return LearnerKind.SUPERVISED;
    }

    @Override
    public boolean oracle() {
      return config.methods().oracle();
    }

    /** Examples trained on over the whole run (every task of a sequence has the same size). */
    public long totalExamples() {
      return (long) tasks.task(0).size() * tasks.epochs() * numTasks;
    }

    @Override
    public long length() {
      return totalExamples();
    }

    /** config.yaml: the spec. */
    public Map<String, Object> toConfig() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("task", tasks.name());
      putMethod(m);
      m.put("seed", seed);
      m.put("num_tasks", numTasks);
      if (origin != null) {
        origin.forEach((k, v) -> {
          if (v != null) {
            m.put(k, v instanceof Path p ? p.toString() : v);
          }
        });
      }
      m.put("monitors", monitors.toMap());
      putCreated(m);
      m.put("task_config", new LinkedHashMap<>(taskConfig));
      m.put("supervised", config.toMap());
      return m;
    }

    /** The spec a supervised run's config.yaml holds: the benchmark resolved again as the run's command resolved it. */
    @SuppressWarnings("unchecked")
    public static Supervised fromConfig(Map<String, Object> config) {
      String name = String.valueOf(config.get("task"));
      Map<String, Object> taskConfig = (Map<String, Object>) config.getOrDefault("task_config", Map.of());
      String net = (String) config.get("net");
      Path mnist = config.get("mnist_dir") == null ? null : Path.of(String.valueOf(config.get("mnist_dir")));
      Path cifar = config.get("cifar_dir") == null ? null : Path.of(String.valueOf(config.get("cifar_dir")));
      long seed = number(config, "seed").longValue();
      Tasks.Resolved resolved = Tasks.resolve(name, net, taskConfig, mnist, cifar, seed);
      SupervisedConfig learner = SupervisedConfig.fromMap(resolved.learner(),
          (Map<String, Object>) config.get("supervised"));
      MonitorSpec monitors = config.get("monitors") instanceof Map<?, ?> mon
          ? MonitorSpec.fromMap(mon, LearnerKind.SUPERVISED)
          : MonitorSpec.parse("none", null, 256, LearnerKind.SUPERVISED);
      return new Supervised(resolved.tasks(), resolved.taskConfig(), learner, seed,
          number(config, "num_tasks").intValue(), monitors, (String) config.get("method"), origin(net, mnist, cifar));
    }

    /** The {@code origin} of a benchmark resolved from these. */
    public static Map<String, Object> origin(String net, Path mnistDir, Path cifarDir) {
      Map<String, Object> origin = new LinkedHashMap<>();
      origin.put("net", net);
      origin.put("mnist_dir", mnistDir);
      origin.put("cifar_dir", cifarDir);
      return origin;
    }
  }

  private static void putCreated(Map<String, Object> m) {
    m.put("created", Instant.now().toString());
    m.put("versions", RunDirectory.versions());
  }

  private static Number number(Map<String, Object> config, String key) {
    if (!(config.get(key) instanceof Number n)) {
      throw new IllegalArgumentException("config.yaml has no number '" + key + "'");
    }
    return n;
  }
}
