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

  /** Only physical parameters. */
  public static Perturbation dynamics(Map<String, Double> dynamics) {
    return new Perturbation(dynamics, null, null, null, null);
  }
}
