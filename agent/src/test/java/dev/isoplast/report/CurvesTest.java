package dev.isoplast.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sampling runs on a grid and their mean with a bootstrap band, against hand computation and brute force. */
class CurvesTest {

  private static final double NaN = Double.NaN;

  @Test
  void gridIsEvenlySpacedAndEndsAtTheLastStep() {
    assertArrayEquals(new double[] {25, 50, 75, 100}, Curves.grid(100, 4));
    assertArrayEquals(new double[] {1, 2, 3}, Curves.grid(3, 100), "no repeats when there are fewer steps than points");
    assertArrayEquals(new double[] {1, 3, 4, 7}, Curves.unionGrid(List.of(new long[] {1, 4, 7}, new long[] {3, 4})));
  }

  @Test
  void trailingMeanStaysInsideThePhase() {
    long[] steps = {10, 20, 30, 40, 60, 70};
    int[] phases = {0, 0, 0, 0, 1, 1};
    double[] ret = {1, 2, 3, NaN, 10, 20};
    long[] starts = {0, 50};
    double[] grid = {5, 20, 45, 50, 65, 80, 90};
    double[] got = Curves.trailingPhaseMean(steps, phases, ret, starts, grid, 80, 2);
    // 5: nothing yet; 20: (1+2)/2; 45: last two finite of phase 0 (the NaN return is skipped): (2+3)/2;
    // 50: phase 1, nothing ended yet; 65: 10; 80: (10+20)/2; 90: after the run's end
    assertArrayEquals(new double[] {NaN, 1.5, 2.5, NaN, 10, 15, NaN}, got);
    // without phases, one window over everything
    assertArrayEquals(new double[] {2.5, 15}, Curves.trailingPhaseMean(steps, phases, ret, new long[0],
        new double[] {40, 70}, 80, 2));
  }

  @Test
  void carryForwardHoldsTheLastLoggedValue() {
    double[] got = Curves.carryForward(new long[] {10, 30}, new double[] {0.5, NaN}, new double[] {5, 10, 20, 30, 40, 99},
        40);
    assertArrayEquals(new double[] {NaN, 0.5, 0.5, NaN, NaN, NaN}, got);
  }

  @Test
  void meanBandOfTwoOrThreeRunsSpansTheirMinimumToMaximum() {
    double[] x = {1, 2, 3, 4};
    double[][] runs = {{1, 10, 5, NaN}, {3, 20, NaN, NaN}, {NaN, 60, NaN, 2}};
    Curves.Band b = Curves.meanBand(x, runs);
    assertArrayEquals(new int[] {2, 3, 1, 1}, b.n());
    assertArrayEquals(new double[] {2, 30, 5, 2}, b.mean(), 1e-12);
    // two runs: the resampled means are 1, 2, 3 with probabilities 1/4, 1/2, 1/4, so the 2.5% and 97.5%
    // percentiles are the two values; three runs: the extremes each have probability 1/27 > 2.5%
    assertEquals(1, b.lower()[0], 1e-12);
    assertEquals(3, b.upper()[0], 1e-12);
    assertEquals(10, b.lower()[1], 1e-12);
    assertEquals(60, b.upper()[1], 1e-12);
    assertTrue(Double.isNaN(b.lower()[2]) && Double.isNaN(b.upper()[3]), "one run: no band");
  }

  @Test
  void meanBandMatchesTheExactBootstrapDistributionOfTheMean() {
    // six runs: all 6^6 = 46,656 equally likely resamples enumerated, their means' 2.5% and 97.5% percentiles
    double[] v = {1, 2, 4, 8, 16, 32};
    List<Double> means = new ArrayList<>();
    int n = v.length;
    int[] idx = new int[n];
    for (int c = 0; c < Math.pow(n, n); c++) {
      int r = c;
      double s = 0;
      for (int i = 0; i < n; i++) {
        idx[i] = r % n;
        r /= n;
        s += v[idx[i]];
      }
      means.add(s / n);
    }
    double[] sorted = means.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double lo = Statistics.percentile(sorted, 2.5);
    double hi = Statistics.percentile(sorted, 97.5);
    double[][] runs = Arrays.stream(v).mapToObj(a -> new double[] {a}).toArray(double[][]::new);
    Curves.Band b = Curves.meanBand(new double[] {0}, runs);
    assertEquals(10.5, b.mean()[0], 1e-12);
    // 2,000 replicates: each endpoint within a few Monte Carlo standard errors of the exact one
    assertEquals(lo, b.lower()[0], 0.6, "exact " + lo);
    assertEquals(hi, b.upper()[0], 0.9, "exact " + hi);
  }
}
