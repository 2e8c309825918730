package dev.isoplast.optim;

import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.plasticity.Methods;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Whether a method preset trains the supervised learner (float32, hidden 32, 32): it fits one
 * fixed batch of 32 Gaussian points in 4-D labelled by the sign of x₀ + x₁.
 */
final class PresetFit {

  private PresetFit() {}

  /** The supervised learner of preset {@code method}. */
  static SupervisedLearner learner(String method) {
    Map<String, Object> m = new LinkedHashMap<>(Methods.get(method).overrides("supervised"));
    m.put("hidden_sizes", "32,32");
    return new SupervisedLearner(SupervisedConfig.fromMap(SupervisedConfig.small(), m), 4, 2, 3);
  }

  /** The loss on the batch before the first step and before the last of {@code steps} steps. */
  static double[] losses(SupervisedLearner learner, int steps) {
    SplittableRandom rng = new SplittableRandom(1);
    int n = 32;
    float[] x = new float[n * 4];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) rng.nextGaussian();
      }
      y[i] = x[i * 4] + x[i * 4 + 1] > 0 ? 1 : 0;
    }
    learner.step(x, y, n);
    double first = learner.lastLoss();
    for (int s = 1; s < steps; s++) {
      learner.step(x, y, n);
    }
    return new double[] {first, learner.lastLoss()};
  }
}
