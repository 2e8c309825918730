package dev.isoplast.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link MannWhitney} and {@link Power} by brute force and by hand; scipy's own answers are checked
 * on many more cases in agent/src/test/python/test_statistics.py.
 */
class MannWhitneyTest {

  /** P(U ≥ u) by enumerating every subset of the n pooled ranks that x can hold. */
  private static double bruteSurvival(long u, int n1, int n2) {
    int n = n1 + n2;
    long hits = 0;
    long total = 0;
    for (int mask = 0; mask < (1 << n); mask++) {
      if (Integer.bitCount(mask) != n1) {
        continue;
      }
      long uu = 0; // pairs (x, y) with x above y: ranks are 0..n-1, x holds the set bits
      for (int i = 0; i < n; i++) {
        if ((mask & (1 << i)) != 0) {
          for (int j = 0; j < i; j++) {
            if ((mask & (1 << j)) == 0) {
              uu++;
            }
          }
        }
      }
      total++;
      if (uu >= u) {
        hits++;
      }
    }
    return (double) hits / total;
  }

  @Test
  void exactNullDistributionEqualsEnumeration() {
    for (int n1 = 1; n1 <= 6; n1++) {
      for (int n2 = 1; n2 <= 6; n2++) {
        for (long u = 0; u <= (long) n1 * n2 + 1; u++) {
          assertEquals(bruteSurvival(u, n1, n2), MannWhitney.exactSurvival(u, n1, n2), 1e-14,
              "P(U >= " + u + ") at " + n1 + ", " + n2);
        }
      }
    }
  }

  @Test
  void pValuesAsComputedByHandAndByScipy() {
    // no ties, 4 and 4: U = 15 of 16, P(U >= 15) = 2 / 70, two-sided 4 / 70 (scipy 0.05714285714285714)
    MannWhitney.Result r = MannWhitney.test(new double[] {10, 14, 16, 30}, new double[] {4, 8, 12, 2});
    assertEquals(15, r.u(), 0);
    assertEquals(4.0 / 70, r.p(), 1e-15);
    assertTrue(r.exact());
    // the roles swapped: U₁ = 1, the same two-sided p
    assertEquals(1, MannWhitney.test(new double[] {4, 8, 12, 2}, new double[] {10, 14, 16, 30}).u(), 0);
    // ties: x = 1, 2, 2 and y = 2, 3; mid-ranks 1, 3, 3 | 3, 5: U₁ = 7 − 6 = 1, U = 5;
    // s = √(6/12 · (6 − 24/20)) = √2.4, z = (5 − 3 − ½)/√2.4, p = 2(1 − Φ(z)) (scipy 0.3329216080655659)
    r = MannWhitney.test(new double[] {1, 2, 2}, new double[] {2, 3});
    assertFalse(r.exact(), "ties: the normal approximation, as scipy's method='auto'");
    assertEquals(1, r.u(), 0);
    assertEquals(0.3329216080655659, r.p(), 1e-12);
    // 10 and 10 without ties: above 8 each, so asymptotic (scipy 0.04515456962427901, U = 77)
    r = MannWhitney.test(new double[] {1, 5, 9, 12, 20, 30, 31, 40, 41, 50}, new double[] {2, 3, 4, 6, 7, 8, 10, 11,
        13, 14});
    assertFalse(r.exact());
    assertEquals(77, r.u(), 0);
    assertEquals(0.04515456962427901, r.p(), 1e-12);
    // identical samples: p = 1
    assertEquals(1.0, MannWhitney.test(new double[] {1, 2, 3}, new double[] {1, 2, 3}).p(), 0);
    assertThrows(IllegalArgumentException.class, () -> MannWhitney.test(new double[0], new double[] {1}));
    assertThrows(IllegalArgumentException.class, () -> MannWhitney.test(new double[] {Double.NaN}, new double[] {1}));
  }

  @Test
  void uOverPairsIsTheProbabilityOfImprovement() {
    SplittableRandom rng = new SplittableRandom(3);
    for (int rep = 0; rep < 50; rep++) {
      double[] x = new double[1 + rng.nextInt(12)];
      double[] y = new double[1 + rng.nextInt(12)];
      for (int i = 0; i < x.length; i++) {
        x[i] = rng.nextInt(6);
      }
      for (int i = 0; i < y.length; i++) {
        y[i] = rng.nextInt(6);
      }
      double[][] xm = new double[x.length][1];
      double[][] ym = new double[y.length][1];
      for (int i = 0; i < x.length; i++) {
        xm[i][0] = x[i];
      }
      for (int i = 0; i < y.length; i++) {
        ym[i][0] = y[i];
      }
      assertEquals(Statistics.probabilityOfImprovement(xm, ym), MannWhitney.test(x, y).u() / (x.length * y.length),
          1e-12);
    }
  }

  @Test
  void minimumDetectableDifferenceByHand() {
    // s_p² = (227 + 59) / 6; (t_0.975,6 + t_0.8,6) · s_p · √(1/4 + 1/4) (scipy: 16.367264280068337)
    assertEquals(16.367264280068337, Power.minimumDetectableDifference(new double[] {10, 14, 16, 30},
        new double[] {4, 8, 12, 2}), 1e-6);
    assertEquals(Math.sqrt(286.0 / 6), Power.pooledSd(new double[] {10, 14, 16, 30}, new double[] {4, 8, 12, 2}),
        1e-12);
    // it shrinks as 1/√n for a fixed spread (the t quantiles shrink too)
    double at5 = Power.minimumDetectableDifference(1, 5, 5, 0.05, 0.8);
    double at20 = Power.minimumDetectableDifference(1, 20, 20, 0.05, 0.8);
    assertTrue(at20 < at5 / 2 && at20 > at5 / 2.6, at5 + " " + at20);
    // large n: the normal quantiles, (1.959964 + 0.841621) · √(2/n)
    assertEquals((1.959964 + 0.841621) * Math.sqrt(2.0 / 100_000), Power.minimumDetectableDifference(1, 100_000,
        100_000, 0.05, 0.8), 1e-6);
    assertTrue(Double.isNaN(Power.minimumDetectableDifference(new double[] {1}, new double[] {2})), "no variance");
  }
}
