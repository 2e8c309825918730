package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.testing.TestLearner;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** ReDo on a ReLU net with planted dead units: exactly those are recycled, outputs unchanged, moments zeroed. */
class RedoTest {

  static final int IN = 6;
  static final int ROWS = 64;

  static Sequential reluNet(long seed, boolean layerNorm) {
    BodyConfig body = BodyConfig.mlp(List.of(16, 16), BodyConfig.Nonlinearity.RELU, layerNorm,
        Init.kaimingUniform(Init.RELU_GAIN));
    return Networks.build("net", IN, body, 3, Init.orthogonal(1.0), new SplittableRandom(seed), DataType.DOUBLE);
  }

  static float[] inputs(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[ROWS * IN];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    return x;
  }

  /** Kills unit i of {@code d} on every input: a bias far below any pre-activation. */
  static void kill(Dense d, int... units) {
    for (int i : units) {
      HostArrays.set(d.bias().value(), i, -1000.0);
    }
  }

  /** Sokar et al.'s scores computed directly from the weights in plain Java: per hidden layer, s_i. */
  static double[][] directScores(Sequential net, float[] x) {
    List<Dense> dense = net.layersOf(Dense.class);
    double[][] h = new double[ROWS][];
    for (int r = 0; r < ROWS; r++) {
      h[r] = new double[IN];
      for (int j = 0; j < IN; j++) {
        h[r][j] = x[r * IN + j];
      }
    }
    double[][] scores = new double[dense.size() - 1][];
    for (int l = 0; l + 1 < dense.size(); l++) {
      Dense d = dense.get(l);
      double[] w = HostArrays.toDoubles(d.weight().value(), null);
      double[] b = HostArrays.toDoubles(d.bias().value(), null);
      double[] meanAbs = new double[d.outSize()];
      double[][] next = new double[ROWS][d.outSize()];
      for (int r = 0; r < ROWS; r++) {
        for (int i = 0; i < d.outSize(); i++) {
          double z = b[i];
          for (int j = 0; j < d.inSize(); j++) {
            z += w[i * d.inSize() + j] * h[r][j];
          }
          next[r][i] = Math.max(0, z);
          meanAbs[i] += next[r][i] / ROWS;
        }
      }
      double layer = 0;
      for (double v : meanAbs) {
        layer += v / meanAbs.length;
      }
      scores[l] = new double[meanAbs.length];
      for (int i = 0; i < meanAbs.length; i++) {
        scores[l][i] = meanAbs[i] / layer;
      }
      h = next;
    }
    return scores;
  }

  @Test
  void recyclesExactlyThePlantedDeadUnitsLeavingOutputsAndOtherWeightsAlone() {
    Sequential net = reluNet(8, false);
    List<Dense> dense = net.layersOf(Dense.class);
    kill(dense.get(0), 2, 5, 11);
    kill(dense.get(1), 0, 7);
    float[] x = inputs(9);
    // precondition, computed independently: the τ-dormant units are exactly the planted ones
    double[][] s = directScores(net, x);
    Set<String> dormant = new TreeSet<>();
    for (int l = 0; l < s.length; l++) {
      for (int i = 0; i < s[l].length; i++) {
        if (s[l][i] <= 0.025) {
          dormant.add(l + ":" + i);
        }
      }
    }
    assertEquals(Set.of("0:2", "0:5", "0:11", "1:0", "1:7"), dormant);

    Adam adam = new Adam(net.params(), 1e-3);
    net.params().forEach(p -> adam.slots(p).values().forEach(a -> a.assign(1.0)));
    TestLearner learner = new TestLearner(Map.of("net", net), adam, x);
    MethodConfig cfg = MethodConfig.from(withKeys(Map.of("redo_every", 1)));
    Interventions redo = cfg.interventions(learner.networks(), 3);

    INDArray probe = Nd4j.create(x, new long[] {ROWS, IN}, 'c').castTo(DataType.DOUBLE);
    double[] outBefore = HostArrays.toDoubles(net.forward(probe), null);
    double[][] before = dense.stream().map(d -> HostArrays.toDoubles(d.weight().value(), null)).toArray(double[][]::new);
    redo.afterUpdate(learner, learner.nextUpdate());
    double[] outAfter = HostArrays.toDoubles(net.forward(probe), null);
    assertArrayEquals(outBefore, outAfter, 0.0, "zero outgoing weights leave the outputs exactly as they were");

    int[][] recycled = {{2, 5, 11}, {0, 7}};
    for (int l = 0; l < 2; l++) {
      Dense d = dense.get(l);
      double[] w = HostArrays.toDoubles(d.weight().value(), null);
      double bound = Init.kaimingUniformBound(d.inSize(), Init.RELU_GAIN);
      for (int i = 0; i < d.outSize(); i++) {
        boolean isRecycled = contains(recycled[l], i);
        double[] rowBefore = java.util.Arrays.copyOfRange(before[l], i * d.inSize(), (i + 1) * d.inSize());
        double[] rowAfter = java.util.Arrays.copyOfRange(w, i * d.inSize(), (i + 1) * d.inSize());
        if (isRecycled) {
          assertNotEquals(java.util.Arrays.toString(rowBefore), java.util.Arrays.toString(rowAfter));
          for (double v : rowAfter) {
            assertTrue(Math.abs(v) <= bound, "fresh weight " + v + " from the layer's kaiming init, bound " + bound);
          }
          assertEquals(0.0, HostArrays.get(d.bias().value(), i), "recycled bias");
          assertEquals(0.0, HostArrays.get(adam.slot(d.bias(), "m"), i));
          assertEquals(0.0, HostArrays.get(adam.slot(d.bias(), "v"), i));
        } else {
          // a row may only have lost the columns of the previous layer's recycled units
          for (int j = 0; j < d.inSize(); j++) {
            boolean zeroed = l > 0 && contains(recycled[l - 1], j);
            assertEquals(zeroed ? 0.0 : rowBefore[j], rowAfter[j], "net.body W" + l + "[" + i + "," + j + "]");
          }
          assertEquals(1.0, HostArrays.get(adam.slot(d.bias(), "m"), i));
        }
        for (int j = 0; j < d.inSize(); j++) {
          boolean zeroMoment = isRecycled || (l > 0 && contains(recycled[l - 1], j));
          for (String slot : List.of("m", "v")) {
            assertEquals(zeroMoment ? 0.0 : 1.0, HostArrays.get(adam.slot(d.weight(), slot), (long) i * d.inSize() + j),
                slot + " of W" + l + "[" + i + "," + j + "]");
          }
        }
      }
    }
    // the head is never recycled: only the columns of the last hidden layer's recycled units are zero
    Dense head = dense.get(2);
    double[] wh = HostArrays.toDoubles(head.weight().value(), null);
    for (int k = 0; k < head.outSize(); k++) {
      for (int j = 0; j < head.inSize(); j++) {
        assertEquals(contains(recycled[1], j) ? 0.0 : before[2][k * head.inSize() + j], wh[k * head.inSize() + j]);
      }
    }
    Map<String, Double> m = redo.metrics();
    assertEquals(5.0, m.get("plasticity/redo_recycled"));
    assertEquals(5.0, m.get("plasticity/redo_recycled_total"));
    assertEquals(0.0, redo.metrics().get("plasticity/redo_recycled"), "the count is since the previous row");
    // recycled units are alive again on the same inputs (fresh incoming weights, zero bias)
    double[][] s2 = directScores(net, x);
    assertTrue(s2[0][2] > 0 && s2[0][5] > 0 && s2[0][11] > 0, "layer 0 recycled units fire again");
  }

  @Test
  void actsOnlyEveryFUpdates() {
    Sequential net = reluNet(6, false);
    kill(net.layersOf(Dense.class).get(0), 1);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), inputs(2));
    Interventions redo = MethodConfig.from(withKeys(Map.of("redo_every", 3))).interventions(learner.networks(), 1);
    redo.afterUpdate(learner, learner.nextUpdate());
    redo.afterUpdate(learner, learner.nextUpdate());
    assertEquals(0.0, redo.metrics().get("plasticity/redo_recycled_total"));
    redo.afterUpdate(learner, learner.nextUpdate());
    assertEquals(1.0, redo.metrics().get("plasticity/redo_recycled_total"));
  }

  @Test
  void refusesMaxMinBodiesWithAClearMessage() {
    Sequential iso = Networks.build("net", IN, BodyConfig.isometric(List.of(16), false), 2, Init.orthogonal(1.0),
        new SplittableRandom(1), DataType.DOUBLE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MethodConfig.from(withKeys(Map.of("redo_every", 10))).interventions(Map.of("net", iso), 1));
    assertTrue(e.getMessage().contains("redo") && e.getMessage().contains("MaxMin"), e.getMessage());
  }

  static boolean contains(int[] a, int v) {
    for (int x : a) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  /** Every intervention key at its default, with {@code changes} on top. */
  static Map<String, Object> withKeys(Map<String, Object> changes) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    MethodConfig.adam(1e-8).putInto(m);
    m.putAll(changes);
    return m;
  }
}
