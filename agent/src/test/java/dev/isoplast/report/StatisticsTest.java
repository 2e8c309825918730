package dev.isoplast.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Statistics} and {@link StratifiedBootstrap} on small cases worked out by hand (and a brute
 * force count for the Mann–Whitney U). The comparison with rliable itself is
 * agent/src/test/python/test_statistics.py.
 */
class StatisticsTest {

  static final double EPS = 1e-12;

  @Test
  void iqmDropsTheLowestAndHighestQuarterRoundedDown() {
    // scipy's docstring example: [1, 2, 3, 5] -> drop one at each end -> (2 + 3) / 2
    assertEquals(2.5, Statistics.iqm(new double[][] {{1, 2}, {3, 5}}), EPS);
    // 8 scores, sorted 1 2 3 7 8 9 10 100: drop two at each end -> (3 + 7 + 8 + 9) / 4
    assertEquals(6.75, Statistics.iqm(new double[][] {{10, 1}, {9, 2}, {8, 3}, {7, 100}}), EPS);
    // 5 scores: floor(1.25) = 1 at each end -> (2 + 3 + 4) / 3
    assertEquals(3.0, Statistics.iqm(new double[][] {{5, 1, 4, 2, 3}}), EPS);
    // 3 scores: floor(0.75) = 0 -> the plain mean
    assertEquals(11.0, Statistics.iqm(new double[][] {{1}, {2}, {30}}), EPS);
    // 7 scores: floor(1.75) = 1 -> (2 + 3 + 4 + 5 + 6) / 5, the outliers gone
    assertEquals(4.0, Statistics.iqm(new double[][] {{-1000, 2, 3, 4, 5, 6, 1000}}), EPS);
  }

  @Test
  void trimMeanValidatesItsProportion() {
    assertEquals(2.0, Statistics.trimMean(new double[] {3, 1, 2}, 0.0), EPS);
    assertThrows(IllegalArgumentException.class, () -> Statistics.trimMean(new double[] {1, 2}, 0.5));
    assertThrows(IllegalArgumentException.class, () -> Statistics.trimMean(new double[] {1, 2}, -0.1));
    assertThrows(IllegalArgumentException.class, () -> Statistics.trimMean(new double[0], 0.25));
  }

  @Test
  void meanIsTheMeanOfTaskMeans() {
    assertEquals(11.0, Statistics.mean(new double[][] {{1, 10}, {3, 30}}), EPS); // (2 + 20) / 2
    assertEquals(3.0, Statistics.mean(new double[][] {{0, 4}, {2, 8}, {4, 0}}), EPS); // (2 + 4) / 2
  }

  @Test
  void probabilityOfImprovementCountsWinsAndHalfTies() {
    // x = {1, 2, 3} vs y = {2, 2}: pairs 1<2, 1<2, 2=2, 2=2, 3>2, 3>2 -> (0+0+.5+.5+1+1) / 6
    assertEquals(0.5, Statistics.probabilityOfImprovement(new double[][] {{1}, {2}, {3}}, new double[][] {{2}, {2}}), EPS);
    // x = {3, 4} vs y = {1, 2, 3}: 3 beats 1, 2 and ties 3 (2.5); 4 beats all (3) -> 5.5 / 6
    double[][] x = {{3, 1}, {4, 2}}; // task 0: {3, 4}; task 1: {1, 2}
    double[][] y = {{1, 5}, {2, 6}, {3, 7}}; // task 0: {1, 2, 3}; task 1: {5, 6, 7}
    assertEquals(5.5 / 6, Statistics.probabilityOfImprovement(column(x, 0), column(y, 0)), EPS);
    // averaged over tasks: task 1 is never an improvement
    assertEquals((5.5 / 6 + 0) / 2, Statistics.probabilityOfImprovement(x, y), EPS);
    assertEquals(0.5, Statistics.probabilityOfImprovement(x, x), EPS);
    assertThrows(IllegalArgumentException.class,
        () -> Statistics.probabilityOfImprovement(new double[][] {{1, 2}}, new double[][] {{1}}));
  }

  @Test
  void sortedUCountEqualsTheBruteForcePairCount() {
    Random rng = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      int nx = 1 + rng.nextInt(9);
      int ny = 1 + rng.nextInt(9);
      double[] x = new double[nx];
      double[] y = new double[ny];
      for (int i = 0; i < nx; i++) {
        x[i] = rng.nextInt(4); // few distinct values: many ties
      }
      for (int j = 0; j < ny; j++) {
        y[j] = rng.nextInt(4);
      }
      double pairs = 0;
      for (double xi : x) {
        for (double yj : y) {
          pairs += xi > yj ? 1 : xi == yj ? 0.5 : 0;
        }
      }
      double brute = pairs / (nx * ny);
      double[][] xm = asColumn(x);
      double[][] ym = asColumn(y);
      assertEquals(brute, Statistics.probabilityOfImprovement(xm, ym), 0.0, Arrays.toString(x) + " vs " + Arrays.toString(y));
      assertEquals(1.0, Statistics.probabilityOfImprovement(xm, ym) + Statistics.probabilityOfImprovement(ym, xm), EPS);
    }
  }

  @Test
  void percentileIsNumpysLinearRule() {
    double[] v = {1, 2, 3, 4};
    assertEquals(1.75, Statistics.percentile(v, 25), EPS); // h = 0.75
    assertEquals(2.5, Statistics.percentile(v, 50), EPS);
    assertEquals(1.075, Statistics.percentile(v, 2.5), EPS); // h = 0.075
    assertEquals(3.925, Statistics.percentile(v, 97.5), EPS); // h = 2.925
    assertEquals(1.0, Statistics.percentile(v, 0), 0.0);
    assertEquals(4.0, Statistics.percentile(v, 100), 0.0);
    assertEquals(7.0, Statistics.percentile(new double[] {7}, 2.5), 0.0);
    assertTrue(Double.isNaN(Statistics.percentile(new double[] {1, Double.NaN}, 50)));
  }

  @Test
  void scoresMustBeAFiniteRectangularMatrix() {
    assertThrows(IllegalArgumentException.class, () -> Statistics.iqm(new double[0][]));
    assertThrows(IllegalArgumentException.class, () -> Statistics.iqm(new double[][] {{}}));
    assertThrows(IllegalArgumentException.class, () -> Statistics.iqm(new double[][] {{1, 2}, {3}}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Statistics.mean(new double[][] {{1, Double.NaN}}));
    assertTrue(e.getMessage().contains("[0][1]"), e.getMessage());
  }

  @Test
  void bootstrapOfTwoRunsGivesTheBinomialReplicates() {
    // one task, runs {0, 1}: a replicate draws two runs, so its mean is 0, 0.5 or 1 with
    // probabilities 1/4, 1/2, 1/4; the 2.5% and 97.5% points are then exactly 0 and 1
    StratifiedBootstrap b = StratifiedBootstrap.withSeed(1);
    double[][] s = {{0}, {1}};
    double[] reps = b.replicates(s, Statistics::mean);
    assertEquals(StratifiedBootstrap.DEFAULT_REPS, reps.length);
    double tol = 5 * Math.sqrt(0.25 * 0.75 / reps.length); // five binomial standard errors
    assertEquals(0.25, fraction(reps, 0.0), tol);
    assertEquals(0.50, fraction(reps, 0.5), tol);
    assertEquals(0.25, fraction(reps, 1.0), tol);
    StratifiedBootstrap.Interval i = b.mean(s);
    assertEquals(0.5, i.point(), 0.0);
    assertEquals(0.0, i.lower(), 0.0);
    assertEquals(1.0, i.upper(), 0.0);
  }

  @Test
  void runsAreResampledWithinEachTaskNotAsWholeRows() {
    // runs {0, 0} and {1, 1}: the replicate mean is 0 only if both tasks draw run 0 twice:
    // (1/4)^2 = 1/16 when tasks are resampled independently, 1/4 if whole runs were resampled
    double[] reps = StratifiedBootstrap.withSeed(2).replicates(new double[][] {{0, 0}, {1, 1}}, Statistics::mean);
    assertEquals(1.0 / 16, fraction(reps, 0.0), 5 * Math.sqrt((1.0 / 16) * (15.0 / 16) / reps.length));
  }

  @Test
  void degenerateAndTwoSampleIntervalsByHand() {
    StratifiedBootstrap b = new StratifiedBootstrap(4000, 0.95, 5);
    // one run: every replicate is the data itself
    double[][] one = {{1, 7, 3, 4}};
    StratifiedBootstrap.Interval iqm = b.iqm(one);
    assertEquals(3.5, iqm.point(), EPS);
    assertEquals(0.0, iqm.width(), 0.0);
    // P(x > y) with x = {1, 2} against y = {0}: always 1
    StratifiedBootstrap.Interval sure = b.probabilityOfImprovement(new double[][] {{1}, {2}}, new double[][] {{0}});
    assertEquals(1.0, sure.point(), 0.0);
    assertEquals(1.0, sure.lower(), 0.0);
    assertEquals(1.0, sure.upper(), 0.0);
    // x = {0, 2} against y = {1}: replicates 0 (1/4), 0.5 (1/2), 1 (1/4) -> [0, 1] around 0.5
    StratifiedBootstrap.Interval coin = b.probabilityOfImprovement(new double[][] {{0}, {2}}, new double[][] {{1}});
    assertEquals(0.5, coin.point(), 0.0);
    assertEquals(0.0, coin.lower(), 0.0);
    assertEquals(1.0, coin.upper(), 0.0);
    // IQM ratio of x = {1, 3} (IQM of two values = their mean) to y = {2}: replicates 0.5, 1, 1.5
    StratifiedBootstrap.Interval ratio = b.ratio(new double[][] {{1}, {3}}, new double[][] {{2}}, Statistics::iqm);
    assertEquals(1.0, ratio.point(), EPS);
    assertEquals(0.5, ratio.lower(), EPS);
    assertEquals(1.5, ratio.upper(), EPS);
  }

  @Test
  void seededDeterministicAndNarrowerAtLowerConfidence() {
    double[][] s = randomScores(new Random(9), 10, 3);
    StratifiedBootstrap a = new StratifiedBootstrap(2000, 0.95, 42);
    assertEquals(a.iqm(s), a.iqm(s), "same seed, same interval");
    assertArrayEquals(a.replicates(s, Statistics::iqm), new StratifiedBootstrap(2000, 0.95, 42).replicates(s, Statistics::iqm));
    assertFalse(Arrays.equals(a.replicates(s, Statistics::iqm), new StratifiedBootstrap(2000, 0.95, 43)
        .replicates(s, Statistics::iqm)), "another seed, other replicates");
    StratifiedBootstrap.Interval wide = a.iqm(s);
    StratifiedBootstrap.Interval narrow = new StratifiedBootstrap(2000, 0.5, 42).iqm(s);
    assertEquals(wide.point(), narrow.point(), 0.0);
    assertTrue(narrow.lower() > wide.lower() && narrow.upper() < wide.upper(), wide + " vs " + narrow);
    assertTrue(wide.lower() < wide.point() && wide.point() < wide.upper(), wide.toString());
    assertThrows(IllegalArgumentException.class, () -> new StratifiedBootstrap(0, 0.95, 1));
    assertThrows(IllegalArgumentException.class, () -> new StratifiedBootstrap(10, 1.0, 1));
  }

  @Test
  void toolAnswersJsonWithTheSameNumbers() throws Exception {
    double[][] x = randomScores(new Random(1), 5, 3);
    double[][] y = randomScores(new Random(2), 4, 3);
    ObjectMapper json = new ObjectMapper();
    var request = json.createObjectNode().put("reps", 500).put("seed", 7).put("replicates", true);
    request.putObject("scores").set("x", json.valueToTree(x));
    ((com.fasterxml.jackson.databind.node.ObjectNode) request.get("scores")).set("y", json.valueToTree(y));
    request.putArray("pairs").add(json.createArrayNode().add("x").add("y"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = StatisticsTool.run(new ByteArrayInputStream(json.writeValueAsBytes(request)),
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertEquals(0, code);
    JsonNode a = json.readTree(out.toByteArray());
    StratifiedBootstrap b = new StratifiedBootstrap(500, 0.95, 7);
    assertEquals(Statistics.iqm(x), a.at("/aggregates/x/iqm/point").asDouble(), 0.0);
    assertEquals(b.mean(y).upper(), a.at("/aggregates/y/mean/upper").asDouble(), 0.0);
    assertEquals(500, a.at("/aggregates/x/iqm/replicates").size());
    assertEquals(Statistics.probabilityOfImprovement(x, y), a.at("/probability_of_improvement/0/point").asDouble(), 0.0);
    assertEquals(b.probabilityOfImprovement(x, y).lower(), a.at("/probability_of_improvement/0/lower").asDouble(), 0.0);
    assertEquals(Statistics.iqm(x) / Statistics.iqm(y), a.at("/iqm_ratio/0/point").asDouble(), 0.0);

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int bad = StatisticsTool.run(new ByteArrayInputStream("{\"scores\": {\"x\": [[1, 2], [3]]}}".getBytes(StandardCharsets.UTF_8)),
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, bad);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("not rectangular"), err.toString(StandardCharsets.UTF_8));
  }

  private static double fraction(double[] values, double v) {
    return Arrays.stream(values).filter(x -> x == v).count() / (double) values.length;
  }

  private static double[][] column(double[][] s, int task) {
    double[][] c = new double[s.length][1];
    for (int i = 0; i < s.length; i++) {
      c[i][0] = s[i][task];
    }
    return c;
  }

  private static double[][] asColumn(double[] v) {
    double[][] c = new double[v.length][1];
    for (int i = 0; i < v.length; i++) {
      c[i][0] = v[i];
    }
    return c;
  }

  private static double[][] randomScores(Random rng, int runs, int tasks) {
    double[][] s = new double[runs][tasks];
    for (double[] row : s) {
      for (int m = 0; m < tasks; m++) {
        row[m] = rng.nextGaussian();
      }
    }
    return s;
  }
}
