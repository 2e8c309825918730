package dev.isoplast.envs;

import static dev.isoplast.envs.StepAssertions.assertSameStep;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random rollouts of a vector, and states replayed against them (saveState / loadState tests). */
public final class Rollouts {

  private Rollouts() {}

  /** {@code steps} batches of seeded random actions for {@code env}: 0/1 for CartPole, else in [-2, 2] (Pendulum). */
  public static List<double[]> actions(VectorEnv env, int steps, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    boolean discrete = env.envId().equals("CartPole-v1");
    List<double[]> out = new ArrayList<>();
    for (int t = 0; t < steps; t++) {
      double[] a = new double[env.numEnvs() * env.actionSpace().flatSize()];
      for (int i = 0; i < a.length; i++) {
        a[i] = discrete ? rng.nextInt(2) : rng.nextDouble(-2.0, 2.0);
      }
      out.add(a);
    }
    return out;
  }

  /** The steps of {@code env} through {@code actions}. */
  public static List<StepResult> rollout(VectorEnv env, List<double[]> actions) {
    List<StepResult> out = new ArrayList<>();
    for (double[] a : actions) {
      out.add(env.step(a));
    }
    return out;
  }

  /** A state, the actions stepped after it was taken, and the steps they gave. */
  public record Saved(byte[] state, List<double[]> actions, List<StepResult> after) {

    /** Takes {@code env}'s state, then steps it through {@code actions}. */
    public static Saved take(VectorEnv env, List<double[]> actions) {
      byte[] state = env.saveState();
      return new Saved(state, actions, rollout(env, actions));
    }

    /**
     * Loads the state into {@code into} and steps it through the same actions: every step must equal,
     * bit for bit, the one after the state was taken. Returns the number of episodes that ended.
     */
    public int assertReplayedBy(VectorEnv into, String what) {
      into.loadState(state);
      List<StepResult> again = rollout(into, actions);
      int ended = 0;
      for (int t = 0; t < after.size(); t++) {
        ended += assertSameStep(after.get(t), again.get(t), what + ", step " + t + " after the state");
      }
      return ended;
    }
  }
}
