package dev.isoplast.envs;

import java.util.List;

/**
 * One batched step of a {@link VectorEnv}.
 *
 * @param observations next observations, {@code [numEnvs * obsSize]}; for an env that ended this is
 *     the first observation of its new episode (same-step autoreset)
 * @param rewards reward of the step taken, per env
 * @param terminated the episode reached a terminal state (do not bootstrap)
 * @param truncated the episode was cut off (bootstrap from the final observation)
 * @param endedIndices envs whose episode ended in this step, ascending
 * @param finalObservations last observation of each ended episode, {@code [endedIndices.length *
 *     obsSize]}, in the order of {@code endedIndices}
 * @param episodeReturns undiscounted return of each ended episode
 * @param episodeLengths length of each ended episode
 */
public record StepResult(
    float[] observations,
    double[] rewards,
    boolean[] terminated,
    boolean[] truncated,
    int[] endedIndices,
    float[] finalObservations,
    double[] episodeReturns,
    long[] episodeLengths) {

  /**
   * The steps of vectors side by side as one step of the whole: rows in order, ended indices
   * shifted by the number of envs before their part (so they stay ascending).
   */
  public static StepResult concat(List<StepResult> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    int n = 0;
    int obs = 0;
    int ended = 0;
    int fin = 0;
    for (StepResult r : parts) {
      n += r.rewards.length;
      obs += r.observations.length;
      ended += r.endedIndices.length;
      fin += r.finalObservations.length;
    }
    float[] o = new float[obs];
    double[] rew = new double[n];
    boolean[] term = new boolean[n];
    boolean[] trunc = new boolean[n];
    int[] idx = new int[ended];
    float[] finals = new float[fin];
    double[] rets = new double[ended];
    long[] lens = new long[ended];
    int envs = 0;
    int oAt = 0;
    int eAt = 0;
    int fAt = 0;
    for (StepResult r : parts) {
      int m = r.rewards.length;
      System.arraycopy(r.observations, 0, o, oAt, r.observations.length);
      System.arraycopy(r.rewards, 0, rew, envs, m);
      System.arraycopy(r.terminated, 0, term, envs, m);
      System.arraycopy(r.truncated, 0, trunc, envs, m);
      for (int k = 0; k < r.endedIndices.length; k++) {
        idx[eAt + k] = r.endedIndices[k] + envs;
      }
      System.arraycopy(r.episodeReturns, 0, rets, eAt, r.endedIndices.length);
      System.arraycopy(r.episodeLengths, 0, lens, eAt, r.endedIndices.length);
      System.arraycopy(r.finalObservations, 0, finals, fAt, r.finalObservations.length);
      envs += m;
      oAt += r.observations.length;
      eAt += r.endedIndices.length;
      fAt += r.finalObservations.length;
    }
    return new StepResult(o, rew, term, trunc, idx, finals, rets, lens);
  }

  /** Number of episodes that ended in this step. */
  public int endedCount() {
    return endedIndices.length;
  }

  /** The final observation of the k-th ended episode (k indexes {@link #endedIndices()}). */
  public float[] finalObservation(int k) {
    int size = finalObservations.length / Math.max(1, endedIndices.length);
    float[] out = new float[size];
    System.arraycopy(finalObservations, k * size, out, 0, size);
    return out;
  }
}
