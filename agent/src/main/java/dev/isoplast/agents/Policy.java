package dev.isoplast.agents;

/**
 * A trained agent's behaviour, detached from its training loop: env actions for a batch of
 * observations. Used by {@link Evaluation}; it must not draw from the agent's training random
 * streams, so evaluating in the middle of a run leaves the run's own trajectory unchanged.
 */
@FunctionalInterface
public interface Policy {

  /**
   * Env actions for {@code n} observations ({@code observations} holds {@code n × obsDim} values,
   * row-major): {@code n × actionSpace.flatSize()} values ready for {@code VectorEnv.step}
   * (Discrete actions include the space's {@code start}; Box actions are clipped to the Box).
   */
  double[] act(float[] observations, int n);

  /** The index of the largest of {@code width} values in row {@code row} of {@code a} (first on ties). */
  static int argmax(double[] a, int row, int width) {
    int off = row * width;
    int best = 0;
    for (int j = 1; j < width; j++) {
      if (a[off + j] > a[off + best]) {
        best = j;
      }
    }
    return best;
  }
}
