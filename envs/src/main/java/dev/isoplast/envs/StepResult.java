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
 * @param episodeReturns undiscounted return of each ended episode; NaN for an episode that was cut
 *     off without finishing ({@link #cutOff}), which has no statistics ({@link #finished})
 * @param episodeLengths length of each ended episode (0 for a cut-off one)
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

  /**
   * The step of {@code numEnvs} envs whose episodes were all cut off, e.g. because their env server
   * died and the envs were made anew: every env is truncated with reward 0 and its final
   * observation is {@code lastObservations} (what the agent saw before the step, so a learner
   * bootstraps from it), the episodes have no statistics ({@link #finished} is false: they did not
   * end, they were lost), and the next observations are {@code freshObservations}, those of the
   * new episodes.
   */
  public static StepResult cutOff(float[] lastObservations, float[] freshObservations, int numEnvs) {
    if (lastObservations.length != freshObservations.length || freshObservations.length % Math.max(numEnvs, 1) != 0) {
      throw new IllegalArgumentException("a cut-off step of " + numEnvs + " envs needs observations of one size, got "
          + lastObservations.length + " last and " + freshObservations.length + " fresh values");
    }
    boolean[] truncated = new boolean[numEnvs];
    java.util.Arrays.fill(truncated, true);
    int[] ended = new int[numEnvs];
    double[] returns = new double[numEnvs];
    for (int i = 0; i < numEnvs; i++) {
      ended[i] = i;
      returns[i] = Double.NaN;
    }
    return new StepResult(freshObservations.clone(), new double[numEnvs], new boolean[numEnvs], truncated, ended,
        lastObservations.clone(), returns, new long[numEnvs]);
  }

  /**
   * Whether the k-th ended episode (k indexes {@link #endedIndices()}) finished, terminated or
   * truncated by the env, and so has a return and length; false for an episode {@link #cutOff}.
   */
  public boolean finished(int k) {
    return !Double.isNaN(episodeReturns[k]);
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
