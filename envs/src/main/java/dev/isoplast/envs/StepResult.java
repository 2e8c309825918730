package dev.isoplast.envs;

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
