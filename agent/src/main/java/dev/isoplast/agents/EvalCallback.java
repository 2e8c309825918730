package dev.isoplast.agents;

import dev.isoplast.agents.MetricSink;
import dev.isoplast.envs.VectorEnv;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Evaluates the agent's deterministic policy on a separate env every {@code everySteps} env steps
 * (SB3's {@code EvalCallback}) and logs {@code eval/episodic_return} (mean over the episodes),
 * {@code eval/episodic_return_std} and {@code eval/episodic_length}. Every evaluation resets the
 * env with the same seed, so successive evaluations start from the same states and differ only by
 * the policy. The agent's own training streams are not touched ({@link Agent#policy}).
 */
public final class EvalCallback implements Callback {

  private final Agent agent;
  private final VectorEnv env;
  private final int episodes;
  private final long everySteps;
  private final long seed;
  private final MetricSink sink;
  private long next;
  private Evaluation.Result last;
  private long lastStep = -1;

  /**
   * @param everySteps env steps between evaluations (> 0)
   * @param seed the eval env's reset seed (env i gets {@code seed + i}) and the policy's seed
   */
  public EvalCallback(Agent agent, VectorEnv env, int episodes, long everySteps, long seed, MetricSink sink) {
    if (everySteps < 1) {
      throw new IllegalArgumentException("eval interval must be positive, got " + everySteps);
    }
    if (episodes < 1) {
      throw new IllegalArgumentException("eval episodes must be positive, got " + episodes);
    }
    this.agent = agent;
    this.env = env;
    this.episodes = episodes;
    this.everySteps = everySteps;
    this.seed = seed;
    this.sink = sink;
  }

  @Override
  public void onStart(long globalStep) {
    next = (globalStep / everySteps + 1) * everySteps;
  }

  @Override
  public boolean onStep(long globalStep) {
    if (globalStep >= next) {
      evaluate(globalStep);
      next = (globalStep / everySteps + 1) * everySteps;
    }
    return true;
  }

  /** Runs one evaluation now and logs it at {@code globalStep}. */
  public Evaluation.Result evaluate(long globalStep) {
    last = Evaluation.run(agent.policy(true, seed), env, episodes, seed);
    lastStep = globalStep;
    sink.log(globalStep, metrics(last));
    return last;
  }

  /** The evaluation at {@code globalStep}: the last one if it was made there, else a new one. */
  public Evaluation.Result evaluateAt(long globalStep) {
    return last != null && lastStep == globalStep ? last : evaluate(globalStep);
  }

  /** The metric row of one evaluation. */
  public static Map<String, Double> metrics(Evaluation.Result r) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("eval/episodic_return", r.meanReturn());
    m.put("eval/episodic_return_std", r.stdReturn());
    double len = 0;
    for (long l : r.lengths()) {
      len += l;
    }
    m.put("eval/episodic_length", len / r.lengths().size());
    return m;
  }
}
