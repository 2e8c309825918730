package dev.isoplast.optim;

/**
 * A learning-rate schedule as a function of training progress in [0, 1] (0 at the start). The
 * trainer evaluates it and calls {@link Optimizer#setLearningRate}; AdamO's isometry rate follows
 * it by default.
 */
@FunctionalInterface
public interface Schedule {

  double value(double progress);

  static Schedule constant(double value) {
    return progress -> value;
  }

  /**
   * Linear from {@code start} at progress 0 to {@code end} at progress 1. CleanRL's PPO anneal is
   * {@code linear(lr, 0)} evaluated at progress {@code (iteration - 1) / num_iterations}.
   */
  static Schedule linear(double start, double end) {
    return progress -> start + (end - start) * Math.min(1.0, Math.max(0.0, progress));
  }

  /** By name, as configs spell it: {@code constant} or {@code linear} (to 0). */
  static Schedule named(String name, double value) {
    return switch (name) {
      case "constant" -> constant(value);
      case "linear" -> linear(value, 0.0);
      default -> throw new IllegalArgumentException("unknown learning-rate schedule '" + name
          + "': expected constant or linear");
    };
  }
}
