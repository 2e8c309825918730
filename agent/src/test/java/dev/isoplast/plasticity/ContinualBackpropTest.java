package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.testing.TestLearner;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Continual Backprop's bookkeeping: replacement counts, maturity, outputs and the bias correction at replacement. */
class ContinualBackpropTest {

  private static ContinualBackprop cbp(Sequential net, double rate, long maturity) {
    return new ContinualBackprop(Map.of("net", net), rate, maturity, 0.99, 17);
  }

  private static INDArray batch(float[] x) {
    return Nd4j.create(x, new long[] {RedoTest.ROWS, RedoTest.IN}, 'c').castTo(DataType.DOUBLE);
  }

  @Test
  void replacementsFollowRhoTimesMatureUnitsWithFractionalAccumulation() {
    Sequential net = RedoTest.reluNet(3, false);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), RedoTest.inputs(1));
    double rate = 0.013;
    long maturity = 20;
    ContinualBackprop c = cbp(net, rate, maturity);
    INDArray x = batch(RedoTest.inputs(1));
    int steps = 2000;
    double[] expected = new double[2];
    long[] replaced = new long[2];
    for (int t = 1; t <= steps; t++) {
      double[][] agesBefore = {c.ages(0), c.ages(1)};
      net.forward(x);
      c.afterStep(learner, t);
      for (int l = 0; l < 2; l++) {
        double[] now = c.ages(l);
        int mature = 0;
        for (int i = 0; i < now.length; i++) {
          mature += agesBefore[l][i] + 1 > maturity ? 1 : 0;
          if (now[i] == 0) {
            replaced[l]++;
            assertTrue(agesBefore[l][i] + 1 > maturity, "an immature unit (age " + (agesBefore[l][i] + 1)
                + ") was replaced at step " + t);
          }
        }
        expected[l] += rate * mature;
      }
    }
    for (int l = 0; l < 2; l++) {
      // the accumulator carries the fraction: total replaced = ⌊Σ_t ρ·mature_t⌋ (up to rounding of the sum)
      assertTrue(replaced[l] <= expected[l] + 1e-9 && replaced[l] > expected[l] - 1,
          "layer " + l + ": replaced " + replaced[l] + ", ρ·Σ mature = " + expected[l]);
      assertTrue(replaced[l] > 100, "enough replacements to test the rate: " + replaced[l]);
    }
    assertEquals((double) (replaced[0] + replaced[1]), c.metrics().get("plasticity/cbp_replaced_total"));
  }

  @Test
  void immatureUnitsAreNeverReplaced() {
    Sequential net = RedoTest.reluNet(4, false);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), RedoTest.inputs(1));
    ContinualBackprop c = cbp(net, 0.5, 300);
    INDArray x = batch(RedoTest.inputs(2));
    for (int t = 1; t <= 300; t++) {
      net.forward(x);
      c.afterStep(learner, t);
    }
    assertEquals(0.0, c.metrics().get("plasticity/cbp_replaced_total"), "every unit is 300 steps old, none mature");
    net.forward(x);
    c.afterStep(learner, 301);
    assertEquals(16.0, c.metrics().get("plasticity/cbp_replaced"), "at age 301 all 32 units are mature: ρ·32 = 16");
  }

  @Test
  void replacingDeadUnitsLeavesOutputsExactlyUnchanged() {
    Sequential net = RedoTest.reluNet(8, false);
    List<Dense> dense = net.layersOf(Dense.class);
    RedoTest.kill(dense.get(0), 3);
    RedoTest.kill(dense.get(1), 12);
    Adam adam = new Adam(net.params(), 1e-3);
    net.params().forEach(p -> adam.slots(p).values().forEach(a -> a.assign(1.0)));
    TestLearner learner = new TestLearner(Map.of("net", net), adam, RedoTest.inputs(1));
    // once mature (age > 5), ρ·16 = 1 unit per layer per step: the dead units have the lowest utility (0)
    ContinualBackprop c = cbp(net, 1.0 / 16, 5);
    INDArray x = batch(RedoTest.inputs(5));
    for (int t = 1; t <= 5; t++) {
      net.forward(x);
      c.afterStep(learner, t);
    }
    double[] w0 = HostArrays.toDoubles(dense.get(0).weight().value(), null);
    double[] before = HostArrays.toDoubles(net.forward(x), null).clone();
    c.afterStep(learner, 6);
    assertEquals(0.0, c.ages(0)[3], "layer 0 replaced its dead unit");
    assertEquals(0.0, c.ages(1)[12], "layer 1 replaced its dead unit");
    double[] w0After = HostArrays.toDoubles(dense.get(0).weight().value(), null);
    for (int i = 0; i < 16; i++) {
      boolean changed = false;
      for (int j = 0; j < RedoTest.IN; j++) {
        changed |= w0[i * RedoTest.IN + j] != w0After[i * RedoTest.IN + j];
      }
      assertEquals(i == 3, changed, "only row 3 of W0 is new");
      assertTrue(c.ages(0)[i] == (i == 3 ? 0 : 6), "ages of layer 0");
    }
    assertEquals(0.0, HostArrays.get(adam.slot(dense.get(0).weight(), "m"), 3L * RedoTest.IN), "moments zeroed");
    assertEquals(1.0, HostArrays.get(adam.slot(dense.get(0).weight(), "m"), 4L * RedoTest.IN), "others kept");
    assertArrayEquals(before, HostArrays.toDoubles(net.forward(x), null), 0.0,
        "dead units (mean activation 0) replaced with zero outgoing weights: outputs exactly unchanged");
  }

  @Test
  void theNextBiasAbsorbsAReplacedUnitsMeanContribution() {
    Sequential net = dev.isoplast.nn.Networks.build("net", RedoTest.IN,
        dev.isoplast.nn.BodyConfig.mlp(List.of(16), dev.isoplast.nn.BodyConfig.Nonlinearity.RELU, false,
            dev.isoplast.nn.Init.kaimingUniform(dev.isoplast.nn.Init.RELU_GAIN)),
        3, dev.isoplast.nn.Init.orthogonal(1.0), new java.util.SplittableRandom(21), DataType.DOUBLE);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), RedoTest.inputs(1));
    ContinualBackprop c = cbp(net, 1.0 / 16, 5);
    INDArray x = batch(RedoTest.inputs(6));
    for (int t = 1; t <= 5; t++) {
      net.forward(x);
      c.afterStep(learner, t);
    }
    double[] out = HostArrays.toDoubles(net.forward(x), null).clone();
    double[] h = HostArrays.toDoubles(net.layersOf(dev.isoplast.nn.ReLU.class).get(0).lastOutput(), null).clone();
    Dense head = net.layersOf(Dense.class).get(1);
    double[] w = HostArrays.toDoubles(head.weight().value(), null);
    c.afterStep(learner, 6);
    int unit = -1;
    for (int i = 0; i < 16; i++) {
      if (c.ages(0)[i] == 0) {
        unit = i;
      }
    }
    assertTrue(unit >= 0, "one unit replaced");
    // the same batch every step and no weight change: the bias-corrected running mean is the batch mean
    double mean = 0;
    for (int r = 0; r < RedoTest.ROWS; r++) {
      mean += h[r * 16 + unit] / RedoTest.ROWS;
    }
    assertTrue(mean > 0, "a live unit was replaced (the test's point), mean activation " + mean);
    double[] after = HostArrays.toDoubles(net.forward(x), null);
    double[] batchMeanShift = new double[3];
    for (int r = 0; r < RedoTest.ROWS; r++) {
      for (int k = 0; k < 3; k++) {
        // b ← b + w·f̂ and w ← 0: the output moves by w (f̂ − h(x))
        double shift = w[k * 16 + unit] * (mean - h[r * 16 + unit]);
        assertEquals(out[r * 3 + k] + shift, after[r * 3 + k], 1e-9, "output row " + r + ", " + k);
        batchMeanShift[k] += (after[r * 3 + k] - out[r * 3 + k]) / RedoTest.ROWS;
      }
    }
    assertArrayEquals(new double[3], batchMeanShift, 1e-9, "on average over the batch the outputs do not move");
  }

  @Test
  void stateRestoresExactly() {
    Sequential a = RedoTest.reluNet(12, false);
    Sequential b = RedoTest.reluNet(12, false);
    TestLearner la = new TestLearner(Map.of("net", a), new Adam(a.params(), 1e-3), RedoTest.inputs(1));
    TestLearner lb = new TestLearner(Map.of("net", b), new Adam(b.params(), 1e-3), RedoTest.inputs(1));
    ContinualBackprop ca = cbp(a, 0.02, 10);
    INDArray x = batch(RedoTest.inputs(3));
    for (int t = 1; t <= 40; t++) {
      a.forward(x);
      ca.afterStep(la, t);
    }
    // b takes a's parameters and intervention state, then both continue identically
    for (int k = 0; k < a.params().size(); k++) {
      b.params().get(k).value().assign(a.params().get(k).value());
    }
    ContinualBackprop cb = cbp(b, 0.02, 10);
    cb.restore(ca.state());
    assertEquals(ca.state(), cb.state());
    for (int t = 41; t <= 120; t++) {
      a.forward(x);
      ca.afterStep(la, t);
      b.forward(x);
      cb.afterStep(lb, t);
    }
    assertEquals(ca.state(), cb.state());
    for (int k = 0; k < a.params().size(); k++) {
      assertArrayEquals(HostArrays.toDoubles(a.params().get(k).value(), null),
          HostArrays.toDoubles(b.params().get(k).value(), null), 0.0);
    }
    assertTrue(ca.metrics().get("plasticity/cbp_replaced_total") > 0, "units were replaced after the restore");
  }
}
