package dev.isoplast.optim;

/**
 * How AdamO computes its decoupled isometry step ({@link AdamO} has the equations). The default,
 * {@link #EXACT}, is the paper's rule: ∇R(W) at every step. The two cheaper forms are this
 * project's additions (not the paper's), for wide networks where W Wᵀ W costs more than the rest
 * of a training step (docs/performance.md measures cost and the isometry gap each reaches):
 *
 * @param every {@code iso_every} = k ≥ 1: the step is taken at every k-th update only, k times
 *     as large (k η_iso); 1 = every update
 * @param sketch {@code iso_sketch} = s ≥ 0: 0 = the exact ∇R; s ≥ 1 = an unbiased sketch of ∇R
 *     from s fresh Gaussian directions per update, O(out·in·s) instead of O(out·in·min(out, in))
 */
public record IsometryStep(int every, int sketch) {

  /** The paper's rule: the exact ∇R at every update. */
  public static final IsometryStep EXACT = new IsometryStep(1, 0);

  public IsometryStep {
    if (every < 1) {
      throw new IllegalArgumentException("iso_every must be >= 1 (1 = every update), got " + every);
    }
    if (sketch < 0) {
      throw new IllegalArgumentException("iso_sketch must be >= 0 (0 = the exact gradient), got " + sketch);
    }
    if (every > 1 && sketch > 0) {
      throw new IllegalArgumentException("iso_every and iso_sketch are two alternatives to the exact isometry step; "
          + "give one of them (got iso_every " + every + ", iso_sketch " + sketch + ")");
    }
  }

  public boolean isExact() {
    return every == 1 && sketch == 0;
  }

  /** {@code exact}, {@code every 4}, {@code sketch 8}. */
  @Override
  public String toString() {
    return isExact() ? "exact" : sketch > 0 ? "sketch " + sketch : "every " + every;
  }
}
