package dev.isoplast.envs;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A change of an env's dynamics and of the perturbation wrappers around it (DESIGN.md §3–§4).
 * Empty / null fields leave the current setting as it is.
 *
 * @param dynamics physical parameters by Gymnasium attribute name (e.g. CartPole {@code gravity}),
 *     kept sorted by name so that everything written from it (config.yaml, summaries) has one order
 * @param obsPermutation flattened observation permutation: obs'[i] = sign[i] * obs[perm[i]]
 * @param obsSignFlip +1 / -1 per flattened observation entry
 * @param actionPermutation Discrete actions: the env receives perm[a] for agent action a
 * @param rewardScale rewards are multiplied by this (> 0); null leaves it unchanged
 */
public record Perturbation(
    Map<String, Double> dynamics,
    int[] obsPermutation,
    double[] obsSignFlip,
    int[] actionPermutation,
    Double rewardScale) {

  public Perturbation {
    dynamics = dynamics == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(dynamics));
    obsPermutation = obsPermutation == null ? new int[0] : obsPermutation.clone();
    obsSignFlip = obsSignFlip == null ? new double[0] : obsSignFlip.clone();
    actionPermutation = actionPermutation == null ? new int[0] : actionPermutation.clone();
  }

  /**
   * The configuration in force after this one and then {@code later} were applied: {@code later}'s
   * dynamics over this one's, and each wrapper field of {@code later} unless it is empty (which
   * leaves the setting as it was).
   */
  public Perturbation andThen(Perturbation later) {
    Map<String, Double> dyn = new TreeMap<>(dynamics);
    dyn.putAll(later.dynamics());
    return new Perturbation(dyn,
        later.obsPermutation().length > 0 ? later.obsPermutation() : obsPermutation,
        later.obsSignFlip().length > 0 ? later.obsSignFlip() : obsSignFlip,
        later.actionPermutation().length > 0 ? later.actionPermutation() : actionPermutation,
        later.rewardScale() != null ? later.rewardScale() : rewardScale);
  }

  /** Only physical parameters. */
  public static Perturbation dynamics(Map<String, Double> dynamics) {
    return new Perturbation(dynamics, null, null, null, null);
  }
}
