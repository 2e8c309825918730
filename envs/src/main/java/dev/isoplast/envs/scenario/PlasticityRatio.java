package dev.isoplast.envs.scenario;

import java.util.Map;

/**
 * The plasticity ratio of a phase: how well the continual learner ends the phase compared with a
 * freshly initialised learner trained on that phase alone for as many steps,
 *
 * <pre>
 *   plasticity_ratio = (R_continual − R_min) / (R_fresh − R_min)
 * </pre>
 *
 * where R is a final mean return and R_min the lowest episode return the env can give (times the
 * phase's reward scale). The shift makes the ratio meaningful where returns are negative (Acrobot:
 * −500 for never swinging up; a learner at −100 next to a fresh one at −80 has ratio 400/420 =
 * 0.95, where the unshifted −100/−80 = 1.25 would read as better). 1 means the continual learner
 * learns the phase as well as a fresh one; below 1 it has lost plasticity (or kept a bad policy).
 *
 * <p>R_min by env (episode length limit × worst reward per step): CartPole-v1 0 (rewards ≥ 0),
 * Acrobot-v1 −500, MountainCar-v0 −200, MountainCarContinuous-v0 −99.9 (999 steps × −0.1·a², |a| ≤ 1),
 * Pendulum-v1 −3254.72 (200 steps × −(π² + 0.1·8² + 0.001·2²)). Envs without a finite known minimum
 * (the MuJoCo locomotion envs) get no shift ({@link #floor} null) and the plain ratio, which is
 * only meaningful while both returns are positive.
 */
public final class PlasticityRatio {

  private static final Map<String, Double> FLOORS = Map.of(
      "CartPole-v1", 0.0,
      "Acrobot-v1", -500.0,
      "MountainCar-v0", -200.0,
      "MountainCarContinuous-v0", -99.9,
      "Pendulum-v1", -200 * (Math.PI * Math.PI + 0.1 * 64 + 0.001 * 4));

  private PlasticityRatio() {}

  /** The lowest episode return of {@code envId} at reward scale 1, or null if not known. */
  public static Double floor(String envId) {
    return FLOORS.get(envId);
  }

  /**
   * {@code (continual − floor) / (fresh − floor)} with floor = {@link #floor}(envId) × rewardScale
   * (0 if unknown); NaN if either return is NaN or the denominator is 0.
   */
  public static double of(String envId, double rewardScale, double continual, double fresh) {
    Double f = floor(envId);
    double shift = f == null ? 0.0 : f * rewardScale;
    double den = fresh - shift;
    if (Double.isNaN(continual) || Double.isNaN(fresh) || den == 0) {
      return Double.NaN;
    }
    return (continual - shift) / den;
  }
}
