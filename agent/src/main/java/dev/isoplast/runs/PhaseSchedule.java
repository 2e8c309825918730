package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.config.Snapshot;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.scenario.ScenarioPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link ScenarioPlan} alongside training: applies each phase's perturbation to the env
 * ({@code Reconfigure}) at its boundary, tags every metric row with {@code phase} and
 * {@code phase_step}, logs the applied dynamics at each phase start ({@code phase/dynamics/KEY},
 * read back from the env server), and keeps per-phase episode figures for the summary.
 *
 * <p>The agent is never told: phase 0 is applied before training starts ({@link #begin}), later
 * phases after the vector step that reaches their start (so a phase starts up to
 * {@code num_envs − 1} env steps late; its actual start step is recorded). Episodes running at a
 * boundary continue under the new setting and count for the phase in which they end.
 */
public final class PhaseSchedule implements Callback, MetricSink {

  private final ScenarioPlan plan;
  private final VectorEnv env;
  private final MetricSink out;
  private final List<PhaseRecord> records = new ArrayList<>();
  private final List<Callback> listeners = new ArrayList<>();
  private int current = -1;

  /** What happened in one phase instance. */
  public static final class PhaseRecord {
    final ScenarioPlan.Phase phase;
    final long startStep;
    final Perturbation applied;
    final List<Double> returns = new ArrayList<>();
    long endStep;

    PhaseRecord(ScenarioPlan.Phase phase, long startStep, Perturbation applied) {
      this.phase = phase;
      this.startStep = startStep;
      this.applied = applied;
      this.endStep = startStep;
    }

    public ScenarioPlan.Phase phase() {
      return phase;
    }

    /** Returns of the episodes that ended in this phase, in order. */
    public List<Double> returns() {
      return List.copyOf(returns);
    }

    /** Mean of the last 20 episodes of the phase (NaN if none ended). */
    public double finalMeanReturn() {
      return TrainResult.meanOfLast(returns, TrainResult.FINAL_WINDOW);
    }

    /** Mean return over all episodes of the phase: its area under the learning curve, normalised. */
    public double meanReturn() {
      return TrainResult.meanOfLast(returns, returns.size());
    }

    /** The summary entry of this phase. */
    public Map<String, Object> summary() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("phase", phase.index());
      m.put("spec_index", phase.specIndex());
      m.put("start_step", startStep);
      m.put("steps", endStep - startStep);
      m.put("episodes", returns.size());
      m.put("final_mean_return", finalMeanReturn());
      m.put("mean_return", meanReturn());
      m.put("dynamics", new LinkedHashMap<>(applied.dynamics()));
      m.put("reward_scale", applied.rewardScale());
      m.put("obs_permutation", applied.obsPermutation());
      m.put("obs_sign_flip", applied.obsSignFlip());
      if (applied.actionPermutation().length > 0) {
        m.put("action_permutation", applied.actionPermutation());
      }
      return m;
    }
  }

  /** {@code out} receives every row, tagged; {@code env} is the training env. */
  public PhaseSchedule(ScenarioPlan plan, VectorEnv env, MetricSink out) {
    this.plan = plan;
    this.env = env;
    this.out = out;
  }

  /** {@code cb} is told of each phase start ({@link Callback#onPhaseStart}); add before {@link #begin}. */
  public void listen(Callback cb) {
    listeners.add(cb);
  }

  /** Applies phase 0; call before the agent's first step. */
  public void begin() {
    if (current >= 0) {
      throw new IllegalStateException("the schedule has already begun");
    }
    enter(0, 0);
  }

  private void enter(int index, long globalStep) {
    if (current >= 0) {
      records.get(current).endStep = globalStep;
    }
    ScenarioPlan.Phase p = plan.phases().get(index);
    Perturbation applied = env.reconfigure(p.perturbation());
    current = index;
    records.add(new PhaseRecord(p, globalStep, applied));
    Map<String, Double> row = new LinkedHashMap<>();
    applied.dynamics().forEach((k, v) -> row.put("phase/dynamics/" + k, v));
    row.put("phase/reward_scale", applied.rewardScale() == null ? 1.0 : applied.rewardScale());
    log(globalStep, row);
    for (Callback cb : listeners) {
      cb.onPhaseStart(index, globalStep);
    }
  }

  /** Its state for a checkpoint: the phases entered, with their start and end steps and episode returns. */
  public Snapshot state() {
    Snapshot s = new Snapshot().put("current", (long) current);
    for (int i = 0; i < records.size(); i++) {
      PhaseRecord r = records.get(i);
      s.put(i + "/start_step", r.startStep).put(i + "/end_step", r.endStep)
          .put(i + "/returns", r.returns.stream().mapToDouble(Double::doubleValue).toArray());
    }
    return s;
  }

  /**
   * Puts back {@link #state()} instead of {@link #begin}: each phase entered is applied to the env
   * again, in order (so the env ends in the current phase's setting and each record holds the
   * setting read back), with no rows logged and no listener told.
   */
  public void restore(Snapshot s) {
    if (current >= 0) {
      throw new IllegalStateException("the schedule has already begun");
    }
    int saved = s.getInt("current");
    if (saved < 0 || saved >= plan.phases().size()) {
      throw new IllegalArgumentException("the checkpoint's phase " + saved + " is not in this scenario's "
          + plan.phases().size() + " phases");
    }
    for (int i = 0; i <= saved; i++) {
      ScenarioPlan.Phase p = plan.phases().get(i);
      PhaseRecord r = new PhaseRecord(p, s.getLong(i + "/start_step"), env.reconfigure(p.perturbation()));
      r.endStep = s.getLong(i + "/end_step");
      for (double x : s.getDoubles(i + "/returns")) {
        r.returns.add(x);
      }
      records.add(r);
    }
    current = saved;
  }

  @Override
  public boolean onStep(long globalStep) {
    if (current >= 0) {
      records.get(current).endStep = globalStep;
      if (current + 1 < plan.phases().size() && globalStep >= plan.phases().get(current).endStep()) {
        enter(current + 1, globalStep);
      }
    }
    return true;
  }

  @Override
  public void onEpisodeEnd(long globalStep, double episodicReturn, long length) {
    if (current >= 0) {
      records.get(current).returns.add(episodicReturn);
    }
  }

  /** Logs the row with {@code phase} and {@code phase_step} added. */
  @Override
  public void log(long globalStep, Map<String, Double> scalars) {
    Map<String, Double> row = new LinkedHashMap<>(scalars);
    if (current >= 0) {
      row.put("phase", (double) current);
      row.put("phase_step", (double) (globalStep - records.get(current).startStep));
    }
    out.log(globalStep, row);
  }

  /** The phases entered so far (all of them after a complete run). */
  public List<PhaseRecord> records() {
    return List.copyOf(records);
  }

  /** The summary entries of the phases entered so far (mutable copies). */
  public List<Map<String, Object>> summaries() {
    List<Map<String, Object>> out = new ArrayList<>();
    records.forEach(r -> out.add(r.summary()));
    return out;
  }

  /** The index of the current phase (−1 before {@link #begin}). */
  public int currentPhase() {
    return current;
  }
}
