package dev.isoplast.runs;

import dev.isoplast.agents.Agent;
import dev.isoplast.agents.AgentConfig;
import dev.isoplast.agents.Callback;
import dev.isoplast.agents.EvalCallback;
import dev.isoplast.agents.Evaluation;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.config.Snapshot;
import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.remote.EnvServerPool;
import dev.isoplast.envs.remote.RestartingVectorEnv;
import dev.isoplast.envs.scenario.PlasticityRatio;
import dev.isoplast.envs.scenario.Scenario;
import dev.isoplast.envs.scenario.ScenarioPlan;
import dev.isoplast.nn.Param;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One RL training job from start to summary: builds the agent (PPO or DQN from its resolved config)
 * on a new env handle and trains it on the {@link RunEngine} (which writes config.yaml, the metrics,
 * the checkpoints and summary.json, also when training fails or is stopped) with the episode
 * statistics, progress bar, monitors, evaluation and (under a scenario) the {@link PhaseSchedule}
 * as callbacks, then, if asked, the per-phase fresh reference and plasticity ratio. The CLI's
 * {@code train}, {@code demo} and the sweeps' cells use it alike.
 */
public final class Trainer {

  private Trainer() {}

  /**
   * The configuration of {@code algo} for {@code envId} with {@code overrides}, resolved once: the
   * env's action space (from the server's allow-list, no env made) picks the defaults
   * ({@link Learners#resolve}).
   */
  public static AgentConfig configFor(EnvServerPool servers, String envId, String algo,
      Map<String, Object> overrides) {
    return Learners.resolve(algo, spec(servers, envId).actionSpace(), overrides);
  }

  /**
   * An agent of {@code job}'s configuration on a new env handle (closed again if the agent cannot be
   * built), made anew if its env server dies ({@link RestartingVectorEnv}; {@code restarts} is told).
   */
  private static Agent build(EnvServerPool servers, RunSpec.Rl job, RestartingVectorEnv.Listener restarts) {
    VectorEnv env = RestartingVectorEnv.of(servers, s -> s.make(job.envId(), job.config().numEnvs(), job.seed(),
        Map.of(), job.config().envParts()), job.seed(), restarts);
    try {
      return job.config().build(env, job.seed());
    } catch (RuntimeException e) {
      env.close();
      throw e;
    }
  }

  /** {@link #run(EnvServerPool, String, RunDirectory, RunSpec.Rl, RunOptions)} as a new run with the default checkpoints. */
  public static Map<String, Object> run(EnvServerPool servers, String server, RunDirectory run, RunSpec.Rl job,
      boolean progressBar) {
    return run(servers, server, run, job, RunOptions.fresh(progressBar, job.defaultCheckpointEvery()));
  }

  /**
   * Trains {@code job} into {@code run} with its envs on {@code servers} ({@code server} says which
   * in config.yaml: "embedded" or their addresses) and returns its summary (also written to summary.json).
   * On failure the summary says so, the metrics so far stay on disk, and the exception is rethrown
   * naming the run directory.
   *
   * <p>Checkpoints ({@link Checkpoints}) hold the agent ({@link Agent#state}), the env server's env
   * state ({@link VectorEnv#saveState}), the scenario's position, the monitors, the episode record
   * and the lengths of metrics.jsonl and the event file. With {@code options.resume()} the run
   * continues from one: the files are cut back to their length at the checkpoint and the rest is
   * trained as the uninterrupted run would have, row for row. A checkpoint taken at the end of
   * training (with the summary so far) lets a run stopped during its fresh references go straight
   * to them. Checkpoints are written every {@code options.checkpointEvery()} env steps (at the
   * agent's first safe point after each multiple), on a stop request and at the end of training;
   * once the run has completed (fresh references included) only its final one is kept, or none
   * ({@link Checkpoints#completed}).
   */
  public static Map<String, Object> run(EnvServerPool servers, String server, RunDirectory run, RunSpec.Rl job,
      RunOptions options) {
    ScenarioPlan plan = plan(servers, job);
    Snapshot resumed = options.resume() == null ? null : options.resume().state();
    if (resumed != null && !resumed.getString("kind").equals("train")) {
      throw new IllegalArgumentException("the checkpoint " + options.resume().file() + " is not an RL run's");
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("env", job.envId());
    summary.put("algo", job.algo());
    job.putMethod(summary);
    summary.put("seed", job.seed());
    if (job.scenario() != null) {
      summary.put("scenario", job.scenario().name());
    }
    ServerRestartEvents restarts = new ServerRestartEvents();
    // a run whose training had ended (a checkpoint taken after it) needs no agent: only the fresh references are left
    Agent agent = resumed != null && resumed.getBoolean("trained") ? null : build(servers, job, restarts);
    return RunEngine.run(run, options, "train", job.toConfig(server, plan), summary,
        new RlLearning(servers, run, job, plan, agent, restarts));
  }

  /** An RL agent stepping its envs (under the scenario's {@link PhaseSchedule} if there is one): {@link #run}'s learning. */
  private static final class RlLearning implements RunEngine.Learning {
    private final EnvServerPool servers;
    private final RunDirectory run;
    private final RunSpec.Rl job;
    private final ScenarioPlan plan;
    private final Agent agent;
    private final ServerRestartEvents restarts;
    private final EpisodeStats episodes = new EpisodeStats();
    private PhaseSchedule schedule;
    private ProgressCallback progress;
    private VectorEnv evalEnv;

    RlLearning(EnvServerPool servers, RunDirectory run, RunSpec.Rl job, ScenarioPlan plan, Agent agent,
        ServerRestartEvents restarts) {
      this.servers = servers;
      this.run = run;
      this.job = job;
      this.plan = plan;
      this.agent = agent;
      this.restarts = restarts;
    }

    /**
     * Checkpoints ({@link Checkpoints}) hold the agent ({@link Agent#state}), the env server's env
     * state ({@link VectorEnv#saveState}), the scenario's position, the monitors, the episode
     * record and the lengths of metrics.jsonl and the event file; the one at the end of training
     * holds the summary and the trained parameters instead.
     */
    @Override
    public void train(RunEngine.Session session, Map<String, Object> summary) {
      Snapshot resumed = session.resumed();
      VectorEnv e = agent.env();
      List<Callback> callbacks = new ArrayList<>(List.of(episodes, restarts));
      if (session.options().progress()) {
        progress = ProgressCallback.forEpisodes(job.envId() + " " + job.algo(), job.totalSteps(), episodes);
        callbacks.add(progress);
      }
      MetricSink sink = session.sink();
      if (plan != null) {
        schedule = new PhaseSchedule(plan, e, sink);
        sink = schedule;
        callbacks.add(0, schedule); // first: episodes are counted in the phase before any switch
      }
      restarts.writeTo(sink);
      Monitors monitorCallback = session.monitors(agent, job.monitors(), job.seed(), sink);
      if (monitorCallback != null) {
        callbacks.add(monitorCallback);
      }
      EvalCallback evaluator = null;
      if (job.eval().episodes() > 0) {
        evalEnv = RestartingVectorEnv.of(servers, s -> s.make(job.envId(), Math.min(job.eval().episodes(), 8),
            RunSpec.Eval.seed(job.seed())), RunSpec.Eval.seed(job.seed()), restarts);
        evaluator = new EvalCallback(agent, evalEnv, job.eval().episodes(),
            job.eval().every() > 0 ? job.eval().every() : Long.MAX_VALUE, RunSpec.Eval.seed(job.seed()), sink);
        callbacks.add(evaluator);
      }
      if (schedule != null) {
        if (monitorCallback != null) {
          schedule.listen(monitorCallback);
        }
        if (job.config().methods().oracle()) {
          // only methods defined to reset at phase boundaries are told of them (marked oracle)
          schedule.listen(new Callback() {
            @Override
            public void onPhaseStart(int phase, long globalStep) {
              agent.interventions().onPhaseStart(agent, phase);
            }
          });
        }
      }
      PhaseSchedule sched = schedule;
      Monitors mon = monitorCallback;
      // last: a checkpoint holds what every other callback did at this step
      callbacks.add(session.checkpointer(() -> {
        byte[] envState;
        try {
          envState = e.saveState();
        } catch (UnsupportedOperationException u) {
          throw new RunCheckpointer.Unavailable(u.getMessage());
        }
        Snapshot st = session.withFileLengths(new Snapshot().put("kind", "train").put("trained", false)
            .put("global_step", agent.globalStep()).put("agent", agent.state()).put("env", envState)
            .put("episodes", episodes.state()));
        if (sched != null) {
          st.put("schedule", sched.state());
        }
        if (mon != null) {
          st.put("monitors", mon.state());
        }
        return st;
      }));
      if (resumed == null) {
        if (schedule != null) {
          schedule.begin();
        }
      } else {
        if (schedule != null) {
          schedule.restore(resumed.getTree("schedule"));
        }
        agent.restore(resumed.getTree("agent"));
        e.loadState(resumed.getBytes("env"));
        episodes.restore(resumed.getDoubles("episodes"));
        System.err.printf("resuming %s at step %d of %d (checkpoint %s)%n", run.path(), agent.globalStep(),
            job.totalSteps(), session.options().resume().file().getFileName());
      }
      TrainResult r = agent.train(job.totalSteps(), sink, callbacks);
      // "completed" only once nothing is left to do: a sweep treats a completed summary as a finished
      // run, so while the fresh reference is still to come the summary says so
      if (job.freshReference() && plan != null) {
        summary.put("status", "fresh_reference");
      }
      summary.put("final_mean_return", episodes.recentMeanReturn(EpisodeStats.FINAL_WINDOW));
      summary.put("episodes", episodes.count());
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
      // the end (no agent or env state needed any more): the summary so far, so that a run stopped
      // during its fresh references goes straight to them, and the trained parameters (isoplast export)
      session.checkpoints().save(r.globalSteps(), new Snapshot().put("kind", "train").put("trained", true)
          .put("global_step", r.globalSteps()).put("summary", RunDirectory.toJson(summary))
          .put("params", Param.values(agent.params())));
    }

    @Override
    public void putSoFar(Map<String, Object> summary, double wallSeconds) {
      summary.put("episodes", episodes.count());
      summary.put("final_mean_return", episodes.recentMeanReturn(EpisodeStats.FINAL_WINDOW));
      summary.put("wall_s", wallSeconds);
      if (schedule != null) {
        summary.put("phases", schedule.summaries());
      }
    }

    @Override
    public Map<String, Object> trainedSummary(Snapshot resumed) {
      return !resumed.getBoolean("trained") ? null : RunDirectory.fromJson(resumed.getString("summary"),
          new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {},
          "the checkpoint's summary");
    }

    /** The fresh references, if the job asks for them. */
    @Override
    public void afterTraining(Map<String, Object> summary) {
      if (job.freshReference() && plan != null) {
        try {
          freshReference(servers, run, job, plan, summary);
        } catch (RunCheckpointer.Stopped stopped) {
          throw stopped;
        } catch (RuntimeException ex) {
          throw new IllegalStateException("fresh reference: " + ex.getMessage(), ex);
        }
      }
    }

    @Override
    public String afterTrainingName() {
      return "the fresh references";
    }

    @Override
    public void close() {
      try {
        if (agent != null) {
          agent.env().close();
        }
      } finally {
        if (progress != null) {
          progress.close();
        }
        if (evalEnv != null) {
          evalEnv.close();
        }
      }
    }
  }

  /** Ends a fresh reference's training at its next safe point once a stop was asked for. */
  private static final Callback STOP_CHECK = new Callback() {
    @Override
    public void onSafePoint(long globalStep) {
      if (StopSignal.requested()) {
        throw new RunCheckpointer.Stopped(globalStep, false);
      }
    }
  };

  /**
   * For each phase, a fresh learner (same configuration and seed, so the same initial network as
   * the continual learner had) trained on that phase's setting alone for the phase's steps; its
   * final mean return and the plasticity ratio join the phase's summary entry. Phases with the
   * same setting (a repeated list without random draws) share one fresh run. Each fresh run's
   * metrics go to {@code fresh/phase_K.jsonl}.
   */
  private static void freshReference(EnvServerPool servers, RunDirectory run, RunSpec.Rl job, ScenarioPlan plan,
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
        Agent learner = build(servers, job, RestartingVectorEnv.Listener.NONE);
        try (MetricsFile m = run.openMetrics(Path.of("fresh", "phase_" + k + ".jsonl")); VectorEnv e = learner.env()) {
          e.reconfigure(phase.perturbation());
          fresh = learner.train(steps, m, List.of(STOP_CHECK)).finalMeanReturn();
        }
        cache.put(key, fresh);
      }
      double continual = ((Number) entry.get("final_mean_return")).doubleValue();
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

  /** The phases of {@code job}'s scenario with their draws from its seed, or null without a scenario. */
  static ScenarioPlan plan(EnvServerPool servers, RunSpec.Rl job) {
    return job.scenario() == null ? null : ScenarioPlan.resolve(job.scenario(), spec(servers, job.envId()), job.seed());
  }

  private static EnvSpec spec(EnvServerPool servers, String envId) {
    return servers.describe(envId).orElseThrow(() -> new IllegalArgumentException(
        "env " + envId + " is not on the env server's allow-list (see `isoplast envs`)"));
  }
}
