package dev.isoplast.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** GAE against hand-computed values (γ = 0.9, λ = 0.5, so γλ = 0.45). */
class GaeTest {

  private static final double G = 0.9;
  private static final double L = 0.5;
  private static final double EPS = 1e-12;

  /**
   * One env, 3 steps; the episode terminates at t = 1 and a new one starts at t = 2 (autoreset in
   * the middle of the rollout); t = 2 bootstraps from the value after the rollout.
   */
  @Test
  void terminatedEpisodeDoesNotBootstrapNorCrossTheBoundary() {
    double[] r = {1, 2, 3};
    double[] v = {0.5, 1.0, 2.0};
    double[] last = {4.0};
    boolean[] term = {false, true, false};
    boolean[] trunc = {false, false, false};
    double[] fin = {99, 99, 99}; // must not be read
    double[] adv = new double[3];
    double[] ret = new double[3];
    Gae.compute(3, 1, G, L, r, v, last, term, trunc, fin, adv, ret);
    // t=2: δ = 3 + 0.9·4 − 2 = 4.6, A = 4.6
    // t=1: terminated: δ = 2 + 0 − 1 = 1, A = 1 (A_2 not added)
    // t=0: δ = 1 + 0.9·1.0 − 0.5 = 1.4, A = 1.4 + 0.45·1 = 1.85
    assertArrayEquals(new double[] {1.85, 1.0, 4.6}, adv, EPS);
    assertArrayEquals(new double[] {1.85 + 0.5, 1.0 + 1.0, 4.6 + 2.0}, ret, EPS);
  }

  /** The same trajectory truncated at t = 1: bootstraps from V(final_observation) = 10. */
  @Test
  void truncatedEpisodeBootstrapsFromTheFinalObservationValue() {
    double[] r = {1, 2, 3};
    double[] v = {0.5, 1.0, 2.0};
    double[] last = {4.0};
    boolean[] term = {false, false, false};
    boolean[] trunc = {false, true, false};
    double[] fin = {99, 10, 99};
    double[] adv = new double[3];
    double[] ret = new double[3];
    Gae.compute(3, 1, G, L, r, v, last, term, trunc, fin, adv, ret);
    // t=2: 4.6 as before (the next episode)
    // t=1: δ = 2 + 0.9·10 − 1 = 10, A = 10 (does not reach into t=2's episode)
    // t=0: δ = 1.4, A = 1.4 + 0.45·10 = 5.9
    assertArrayEquals(new double[] {5.9, 10.0, 4.6}, adv, EPS);
    assertArrayEquals(new double[] {6.4, 11.0, 6.6}, ret, EPS);
  }

  /** Two envs interleaved [T, N]: env 0 terminates at t = 1, env 1 runs through. */
  @Test
  void envsAreIndependentInTheFlatLayout() {
    // rows: t=0: (env0, env1), t=1, t=2
    double[] r = {1, 0, 2, 0, 3, 1};
    double[] v = {0.5, 0, 1.0, 0, 2.0, 0};
    double[] last = {4.0, 1.0};
    boolean[] term = {false, false, true, false, false, false};
    boolean[] trunc = new boolean[6];
    double[] fin = new double[6];
    double[] adv = new double[6];
    double[] ret = new double[6];
    Gae.compute(3, 2, G, L, r, v, last, term, trunc, fin, adv, ret);
    // env 1: t=2: δ = 1 + 0.9·1 − 0 = 1.9; t=1: δ = 0, A = 0.45·1.9 = 0.855; t=0: A = 0.45·0.855 = 0.38475
    assertArrayEquals(new double[] {1.85, 0.38475, 1.0, 0.855, 4.6, 1.9}, adv, EPS);
    assertArrayEquals(new double[] {2.35, 0.38475, 2.0, 0.855, 6.6, 1.9}, ret, EPS);
  }

  /** Truncated at the last step of the rollout: the final observation's value, not lastValues. */
  @Test
  void truncationAtTheLastStepUsesTheFinalObservation() {
    double[] r = {1, 1};
    double[] v = {2, 3};
    double[] last = {100}; // the new episode's first obs: must not be used
    boolean[] term = {false, false};
    boolean[] trunc = {false, true};
    double[] fin = {0, 5};
    double[] adv = new double[2];
    double[] ret = new double[2];
    Gae.compute(2, 1, G, L, r, v, last, term, trunc, fin, adv, ret);
    // t=1: δ = 1 + 0.9·5 − 3 = 2.5; t=0: δ = 1 + 0.9·3 − 2 = 1.7, A = 1.7 + 0.45·2.5 = 2.825
    assertArrayEquals(new double[] {2.825, 2.5}, adv, EPS);
    assertArrayEquals(new double[] {4.825, 5.5}, ret, EPS);
  }

  /** With λ = 1 and no ends GAE is the discounted return minus the value (Monte Carlo + bootstrap). */
  @Test
  void lambdaOneGivesDiscountedReturns() {
    double[] r = {1, 1, 1};
    double[] v = {0.3, 0.2, 0.1};
    double[] adv = new double[3];
    double[] ret = new double[3];
    Gae.compute(3, 1, G, 1.0, r, v, new double[] {2}, new boolean[3], new boolean[3], new double[3], adv, ret);
    // R_0 = 1 + 0.9 + 0.81 + 0.729·2 = 4.168; R_1 = 1 + 0.9 + 0.81·2 = 3.52; R_2 = 1 + 0.9·2 = 2.8
    assertArrayEquals(new double[] {4.168, 3.52, 2.8}, ret, 1e-12);
  }

  @Test
  void rejectsMismatchedLengths() {
    assertThrows(IllegalArgumentException.class, () -> Gae.compute(2, 1, G, L, new double[3], new double[2],
        new double[1], new boolean[2], new boolean[2], new double[2], new double[2], new double[2]));
  }
}
