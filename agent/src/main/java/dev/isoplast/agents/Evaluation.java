package dev.isoplast.agents;

import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluation of a {@link Policy} on its own vector env, for a fixed number of whole episodes
 * (SB3's {@code evaluate_policy}): env i of n runs exactly {@code (episodes + i) / n} episodes, so
 * the result is not biased towards short episodes (a vector env stepped "until k episodes end"
 * over-samples them); episodes an env finishes beyond its share are discarded.
 */
public final class Evaluation {

  private Evaluation() {}

  /**
   * The returns and lengths of the evaluated episodes, in the order they ended.
   *
   * @param returns undiscounted return per episode
   * @param lengths length per episode
   */
  public record Result(List<Double> returns, List<Long> lengths) {

    public Result {
      returns = List.copyOf(returns);
      lengths = List.copyOf(lengths);
    }

    /** Mean return (NaN for no episodes). */
    public double meanReturn() {
      return TrainResult.meanOfLast(returns, returns.size());
    }

    /** Population standard deviation of the returns (NaN for no episodes). */
    public double stdReturn() {
      double mean = meanReturn();
      double s = 0;
      for (double r : returns) {
        s += (r - mean) * (r - mean);
      }
      return Math.sqrt(s / returns.size());
    }
  }

  /**
   * Resets {@code env} with {@code seed} (env i gets {@code seed + i}) and runs {@code policy}
   * until every env has finished its share of {@code episodes}.
   *
   * @throws IllegalArgumentException if {@code episodes < 1}
   */
  public static Result run(Policy policy, VectorEnv env, int episodes, long seed) {
    if (episodes < 1) {
      throw new IllegalArgumentException("evaluation needs at least one episode, got " + episodes);
    }
    int n = env.numEnvs();
    int[] target = new int[n];
    int[] done = new int[n];
    for (int i = 0; i < n; i++) {
      target[i] = (episodes + i) / n;
    }
    List<Double> returns = new ArrayList<>();
    List<Long> lengths = new ArrayList<>();
    float[] obs = env.reset(seed);
    while (returns.size() < episodes) {
      StepResult r = env.step(policy.act(obs, n));
      for (int k = 0; k < r.endedCount(); k++) {
        int i = r.endedIndices()[k];
        if (done[i] < target[i] && r.finished(k)) { // a cut-off episode is no evaluation; the env plays another
          done[i]++;
          returns.add(r.episodeReturns()[k]);
          lengths.add(r.episodeLengths()[k]);
        }
      }
      obs = r.observations();
    }
    return new Result(returns, lengths);
  }
}
