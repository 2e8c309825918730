package dev.isoplast.agents;

/**
 * Generalized advantage estimation (Schulman et al. 2016) over a rollout of {@code T} vector steps
 * of {@code N} envs with same-step autoreset, as produced by a {@code VectorEnv}.
 *
 * <p>Arrays are flat {@code [T, N]} row-major: entry {@code t * N + i} is env i at step t. At step t
 * env i was in state s_t with critic value {@code v_t = V(s_t)}, took an action and got reward
 * {@code r_t}; then either the episode went on (the next row holds s_{t+1}), or it ended: a
 * <b>terminated</b> episode reached a terminal state whose value is 0; a <b>truncated</b> one was cut
 * off by a time limit, and its last observation (the env's {@code final_observation}) has value
 * {@code f_t = V(final_obs)}, supplied by the agent in {@code finalValues}. In both cases the next row
 * already belongs to a new episode, so the recursion must not cross the boundary.
 *
 * <p>With {@code d_t = terminated_t or truncated_t} and the bootstrap value
 *
 * <pre>
 *   b_t = 0                      if terminated_t
 *       = f_t                    if truncated_t            (V of the ended episode's last obs)
 *       = v_{t+1}                if not d_t and t &lt; T−1
 *       = V(s_T) = lastValues_i  if not d_t and t = T−1    (value of the obs after the rollout)
 *
 *   δ_t = r_t + γ b_t − v_t
 *   A_t = δ_t + γ λ (1 − d_t) A_{t+1},     A_T = 0
 *   R_t = A_t + v_t                        (the critic's regression target, CleanRL's "returns")
 * </pre>
 *
 * Without truncations this is exactly CleanRL's {@code ppo.py} loop (its {@code nextnonterminal}
 * is {@code 1 − d}); the truncated case is SB3's time-limit bootstrap, written into the recursion.
 */
public final class Gae {

  private Gae() {}

  /**
   * Fills {@code advantages} and {@code returns} ({@code [T * N]} each).
   *
   * @param rewards r_t, {@code [T * N]}
   * @param values v_t = V(s_t), {@code [T * N]}
   * @param lastValues V(s_T) of the observation following the rollout, {@code [N]}
   * @param terminated {@code [T * N]}
   * @param truncated {@code [T * N]}; an entry both terminated and truncated counts as terminated
   * @param finalValues V(final_obs) where truncated (read only there), {@code [T * N]}
   */
  public static void compute(int numSteps, int numEnvs, double gamma, double gaeLambda, double[] rewards,
      double[] values, double[] lastValues, boolean[] terminated, boolean[] truncated, double[] finalValues,
      double[] advantages, double[] returns) {
    int n = numSteps * numEnvs;
    check(rewards.length, n, "rewards");
    check(values.length, n, "values");
    check(lastValues.length, numEnvs, "lastValues");
    check(terminated.length, n, "terminated");
    check(truncated.length, n, "truncated");
    check(finalValues.length, n, "finalValues");
    check(advantages.length, n, "advantages");
    check(returns.length, n, "returns");
    for (int i = 0; i < numEnvs; i++) {
      double nextAdvantage = 0;
      for (int t = numSteps - 1; t >= 0; t--) {
        int k = t * numEnvs + i;
        boolean ended = terminated[k] || truncated[k];
        double bootstrap;
        if (terminated[k]) {
          bootstrap = 0;
        } else if (truncated[k]) {
          bootstrap = finalValues[k];
        } else if (t == numSteps - 1) {
          bootstrap = lastValues[i];
        } else {
          bootstrap = values[k + numEnvs];
        }
        double delta = rewards[k] + gamma * bootstrap - values[k];
        double a = delta + (ended ? 0 : gamma * gaeLambda * nextAdvantage);
        advantages[k] = a;
        returns[k] = a + values[k];
        nextAdvantage = a;
      }
    }
  }

  private static void check(int length, int expected, String what) {
    if (length != expected) {
      throw new IllegalArgumentException(what + " has " + length + " entries, expected " + expected);
    }
  }
}
