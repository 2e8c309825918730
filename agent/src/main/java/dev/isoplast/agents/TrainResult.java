package dev.isoplast.agents;

import java.util.List;

/**
 * What a training run returns to its caller (the CLI writes {@code summary.json} from it).
 *
 * @param globalSteps env steps taken (over all envs)
 * @param iterations updates done (PPO: rollout-and-update iterations completed)
 * @param episodeReturns undiscounted return of every finished episode, in order
 * @param episodeLengths length of every finished episode, in order
 * @param sps env steps per second over the whole run (training included)
 * @param wallSeconds wall-clock time of the run
 * @param stoppedByCallback whether a callback ended training before the budget
 */
public record TrainResult(long globalSteps, int iterations, List<Double> episodeReturns, List<Long> episodeLengths,
    double sps, double wallSeconds, boolean stoppedByCallback) {

  public TrainResult {
    episodeReturns = List.copyOf(episodeReturns);
    episodeLengths = List.copyOf(episodeLengths);
  }

  /** How many of the last finished episodes {@code final_mean_return} averages (as CleanRL reports). */
  public static final int FINAL_WINDOW = 20;

  /** Mean return of the last {@code k} finished episodes (fewer if fewer finished; NaN if none). */
  public double meanLastReturns(int k) {
    return meanOfLast(episodeReturns, k);
  }

  /** {@code final_mean_return} of summary.json: the mean over the last {@link #FINAL_WINDOW} finished episodes. */
  public double finalMeanReturn() {
    return meanLastReturns(FINAL_WINDOW);
  }

  /** Mean of the last {@code k} values (fewer if fewer exist; NaN if none): the one place this is computed. */
  public static double meanOfLast(List<Double> values, int k) {
    int n = values.size();
    if (n == 0) {
      return Double.NaN;
    }
    int from = Math.max(0, n - k);
    double s = 0;
    for (int i = from; i < n; i++) {
      s += values.get(i);
    }
    return s / (n - from);
  }
}
