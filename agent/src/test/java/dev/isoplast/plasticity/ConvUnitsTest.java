package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.config.Seeds;
import dev.isoplast.monitor.Dormancy;
import dev.isoplast.nn.AffineLayer;
import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.Flatten;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.NetworkParts;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.ReLU;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.testing.RandomArrays;
import dev.isoplast.testing.TestLearner;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The units of a conv layer are its channels: dormancy, ReDo, Continual Backprop, resets and Shrink
 * &amp; Perturb on a small conv net, each against a nested-loop computation in plain Java. The net:
 * conv 2→4 (3×3, stride 1, same padding, 6×6) → ReLU → conv 4→3 (3×3, stride 2, valid: 2×2) → ReLU →
 * Flatten → Dense head 12→2. A channel of the first conv is read by the second conv's kernel columns
 * c·9 … c·9+8; a channel of the second by the head's columns c·4 … c·4+3.
 */
class ConvUnitsTest {

  static final int C = 2;
  static final int SIDE = 6;
  static final int ROWS = 16;
  static final int IN = C * SIDE * SIDE;

  static Sequential convNet(long seed, Init init) {
    SplittableRandom rng = new SplittableRandom(seed);
    Conv2D c0 = new Conv2D("net.body.0", C, SIDE, SIDE, 4, 3, 1, 1, false, DataType.DOUBLE);
    init.apply(c0, rng);
    Conv2D c1 = new Conv2D("net.body.2", 4, SIDE, SIDE, 3, 3, 2, 0, false, DataType.DOUBLE);
    init.apply(c1, rng);
    Dense head = new Dense("net.head", 12, 2, true, DataType.DOUBLE);
    Init.orthogonal(1.0).apply(head, rng);
    return new Sequential("net", List.of(c0, new ReLU("net.body.1", c0.outSize()), c1,
        new ReLU("net.body.3", c1.outSize()), new Flatten("net.body.4", 3, 2, 2), head));
  }

  static Sequential convNet(long seed) {
    return convNet(seed, Init.kaimingUniform(Init.RELU_GAIN));
  }

  static float[] inputs(long seed) {
    return RandomArrays.gaussian(new SplittableRandom(seed), DataType.FLOAT, ROWS * IN).toFloatVector();
  }

  static INDArray probes(float[] x) {
    return Nd4j.create(x, new long[] {x.length / IN, IN}, 'c').castTo(DataType.DOUBLE);
  }

  /** ReLU(conv(x)) by nested loops: x [rows][C·H·W] → [rows][out·H'·W'], NCHW rows. */
  static double[][] reluConv(Conv2D conv, double[][] x) {
    double[] w = HostArrays.toDoubles(conv.weight().value(), null);
    double[] b = HostArrays.toDoubles(conv.bias().value(), null);
    int k = conv.kernel();
    int oh = conv.outHeight();
    int ow = conv.outWidth();
    double[][] out = new double[x.length][conv.outSize()];
    for (int r = 0; r < x.length; r++) {
      for (int o = 0; o < conv.outChannels(); o++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            double z = b[o];
            for (int c = 0; c < conv.inChannels(); c++) {
              for (int u = 0; u < k; u++) {
                for (int v = 0; v < k; v++) {
                  int y = conv.stride() * i + u - conv.padding();
                  int q = conv.stride() * j + v - conv.padding();
                  if (y >= 0 && y < conv.height() && q >= 0 && q < conv.width()) {
                    z += w[o * conv.fanIn() + (c * k + u) * k + v] * x[r][(c * conv.height() + y) * conv.width() + q];
                  }
                }
              }
            }
            out[r][(o * oh + i) * ow + j] = Math.max(0, z);
          }
        }
      }
    }
    return out;
  }

  /** The two hidden layers' post-activations by nested loops. */
  static double[][][] hidden(Sequential net, float[] x) {
    double[][] h = new double[x.length / IN][IN];
    for (int r = 0; r < h.length; r++) {
      for (int j = 0; j < IN; j++) {
        h[r][j] = x[r * IN + j];
      }
    }
    List<Conv2D> convs = net.layersOf(Conv2D.class);
    double[][] h0 = reluConv(convs.get(0), h);
    return new double[][][] {h0, reluConv(convs.get(1), h0)};
  }

  /** Per channel: the mean over rows and positions of f(h), f = |·| or the identity. */
  static double[] channelMeans(double[][] h, int channels, boolean abs) {
    int positions = h[0].length / channels;
    double[] m = new double[channels];
    for (double[] row : h) {
      for (int c = 0; c < channels; c++) {
        for (int p = 0; p < positions; p++) {
          double v = row[c * positions + p];
          m[c] += (abs ? Math.abs(v) : v) / (h.length * positions);
        }
      }
    }
    return m;
  }

  /** Kills channel c of {@code conv} on every input: a bias far below any pre-activation. */
  static void kill(Conv2D conv, int... channels) {
    for (int c : channels) {
      HostArrays.set(conv.bias().value(), c, -1000.0);
    }
  }

  @Test
  void dormancyScoresAChannelByItsMeanOverBatchAndPositions() {
    Sequential net = convNet(3);
    kill(net.layersOf(Conv2D.class).get(1), 1);
    float[] x = inputs(4);
    double[][][] h = hidden(net, x);
    Dormancy.Result result = Dormancy.measure(net, probes(x));
    assertEquals(2, result.layers().size());
    int[] channels = {4, 3};
    for (int l = 0; l < 2; l++) {
      double[] meanAbs = channelMeans(h[l], channels[l], true);
      double layerMean = java.util.Arrays.stream(meanAbs).average().orElseThrow();
      double[] expected = java.util.Arrays.stream(meanAbs).map(v -> v / layerMean).toArray();
      assertArrayEquals(expected, result.layers().get(l).scores(), 1e-12, "layer " + l);
    }
    assertEquals(1, result.layers().get(1).dead(), "the killed channel is dead at every position");
    assertEquals(1.0 / 7, result.deadFraction(), 1e-15, "7 channels in all");
  }

  @Test
  void redoRecyclesDeadChannelsAndOnlyTheirWeights() {
    Sequential net = convNet(8);
    List<Conv2D> convs = net.layersOf(Conv2D.class);
    Dense head = net.layersOf(Dense.class).get(0);
    kill(convs.get(0), 1);
    kill(convs.get(1), 2);
    float[] x = inputs(9);
    Adam adam = new Adam(net.params(), 1e-3);
    net.params().forEach(p -> adam.slots(p).values().forEach(a -> a.assign(1.0)));
    TestLearner learner = new TestLearner(Map.of("net", net), adam, x);
    Interventions redo = MethodConfig.from(RedoTest.withKeys(Map.of("redo_every", 1))).interventions(learner.networks(), 3);
    learner.withInterventions(redo);

    double[] outBefore = HostArrays.toDoubles(net.forward(probes(x)), null).clone();
    List<double[]> before = net.params().stream().map(p -> HostArrays.toDoubles(p.value(), null).clone()).toList();
    redo.afterUpdate(learner, learner.nextUpdate());
    assertArrayEquals(outBefore, HostArrays.toDoubles(net.forward(probes(x)), null), 0.0,
        "zero outgoing weights leave the outputs exactly as they were");
    assertEquals(2.0, redo.metrics().get("plasticity/redo_recycled"));

    // what each entry becomes: c0 row 1 fresh, bias 1 zero; c1 row 2 fresh, bias 2 zero, the rest of
    // its columns 9..17 (read c0's channel 1) zero; the head's columns 8..11 (read c1's channel 2) zero
    Conv2D c0 = convs.get(0);
    Conv2D c1 = convs.get(1);
    Map<Param, BiFunction<Integer, Integer, String>> fate = Map.of(
        c0.weight(), (r, c) -> r == 1 ? "fresh" : "kept", c0.bias(), (r, c) -> c == 1 ? "zero" : "kept",
        c1.weight(), (r, c) -> r == 2 ? "fresh" : c / 9 == 1 ? "zero" : "kept",
        c1.bias(), (r, c) -> c == 2 ? "zero" : "kept",
        head.weight(), (r, c) -> c / 4 == 2 ? "zero" : "kept", head.bias(), (r, c) -> "kept");
    for (int k = 0; k < net.params().size(); k++) {
      Param p = net.params().get(k);
      double[] now = HostArrays.toDoubles(p.value(), null);
      long cols = p.value().rank() == 2 ? p.value().columns() : p.value().length();
      for (int e = 0; e < now.length; e++) {
        int r = (int) (e / cols);
        int c = (int) (e % cols);
        String what = fate.get(p).apply(r, c);
        String at = p.name() + "[" + r + "," + c + "]";
        switch (what) {
          case "kept" -> assertEquals(before.get(k)[e], now[e], at);
          case "zero" -> assertEquals(0.0, now[e], at);
          default -> {
            double bound = Init.kaimingUniformBound((int) cols, Init.RELU_GAIN);
            assertNotEquals(before.get(k)[e], now[e], "fresh " + at);
            assertTrue(Math.abs(now[e]) <= bound, "from the layer's kaiming init: " + now[e]);
          }
        }
        for (String slot : List.of("m", "v")) {
          assertEquals(what.equals("kept") ? 1.0 : 0.0, HostArrays.get(adam.slot(p, slot), e), slot + " of " + at);
        }
      }
    }
    Map<String, BitSet> resets = redo.unitResets().drain();
    assertEquals(BitSet.valueOf(new long[] {0b10}), resets.get("net.body.1"), "channel 1 of the first conv");
    assertEquals(BitSet.valueOf(new long[] {0b100}), resets.get("net.body.3"), "channel 2 of the second");
    double[] s = Dormancy.measure(net, probes(x)).layers().get(0).scores();
    assertTrue(s[1] > 0, "the recycled channel fires again: " + s[1]);
  }

  @Test
  void continualBackpropReplacesTheChannelOfLeastContribution() {
    Sequential net = convNet(5);
    List<Conv2D> convs = net.layersOf(Conv2D.class);
    Dense head = net.layersOf(Dense.class).get(0);
    float[] x = inputs(6);
    double[][][] h = hidden(net, x);
    // contributions by hand: channel c of conv 0 is read by the 9 kernel columns of every output
    // channel of conv 1; channel c of conv 1 position p by the head's column c·4 + p
    double[] w1 = HostArrays.toDoubles(convs.get(1).weight().value(), null);
    double[] wh = HostArrays.toDoubles(head.weight().value(), null);
    double[] meanAbs0 = channelMeans(h[0], 4, true);
    double[] u0 = new double[4];
    for (int c = 0; c < 4; c++) {
      for (int o = 0; o < 3; o++) {
        for (int j = 0; j < 9; j++) {
          u0[c] += meanAbs0[c] * Math.abs(w1[o * 36 + c * 9 + j]);
        }
      }
    }
    double[] u1 = new double[3];
    for (int c = 0; c < 3; c++) {
      for (int p = 0; p < 4; p++) {
        double entry = 0;
        for (double[] row : h[1]) {
          entry += Math.abs(row[c * 4 + p]) / h[1].length;
        }
        for (int o = 0; o < 2; o++) {
          u1[c] += entry * Math.abs(wh[o * 12 + c * 4 + p]);
        }
      }
    }
    int worst0 = argmin(u0);
    int worst1 = argmin(u1);
    double[] f0 = channelMeans(h[0], 4, false);
    double[] f1 = channelMeans(h[1], 3, false);
    double[] b1 = HostArrays.toDoubles(convs.get(1).bias().value(), null).clone();
    double[] bh = HostArrays.toDoubles(head.bias().value(), null).clone();
    double[] w0 = HostArrays.toDoubles(convs.get(0).weight().value(), null).clone();

    Adam adam = new Adam(net.params(), 1e-3);
    TestLearner learner = new TestLearner(Map.of("net", net), adam, x);
    // ρ = 0.34, maturity 0: after one step 4ρ = 1.36 → one channel of conv 0, 3ρ = 1.02 → one of conv 1
    ContinualBackprop cbp = new ContinualBackprop(Map.of("net", net), 0.34, 0, 0.99, 17);
    net.forward(probes(x));
    cbp.afterStep(learner, 1);
    assertEquals(2.0, cbp.metrics().get("plasticity/cbp_replaced"));

    // after one step û = u (the bias correction undoes the 1 − η), so the least contribution goes
    double[] w0After = HostArrays.toDoubles(convs.get(0).weight().value(), null);
    for (int c = 0; c < 4; c++) {
      for (int j = 0; j < 18; j++) {
        if (c == worst0) {
          assertNotEquals(w0[c * 18 + j], w0After[c * 18 + j]);
        } else {
          assertEquals(w0[c * 18 + j], w0After[c * 18 + j]);
        }
      }
    }
    double[] w1After = HostArrays.toDoubles(convs.get(1).weight().value(), null);
    double[] whAfter = HostArrays.toDoubles(head.weight().value(), null);
    for (int o = 0; o < 3; o++) {
      if (o == worst1) {
        assertEquals(0.0, HostArrays.get(convs.get(1).bias().value(), o), "conv 1's replaced channel");
        continue; // its row is fresh
      }
      double column = 0;
      for (int j = 0; j < 9; j++) {
        column += w1[o * 36 + worst0 * 9 + j];
        assertEquals(0.0, w1After[o * 36 + worst0 * 9 + j], "outgoing kernel columns zeroed");
      }
      // the next bias absorbs the mean activation times the summed outgoing columns
      assertEquals(b1[o] + column * f0[worst0], HostArrays.get(convs.get(1).bias().value(), o), 1e-12);
    }
    for (int o = 0; o < 2; o++) {
      double column = 0;
      for (int p = 0; p < 4; p++) {
        column += wh[o * 12 + worst1 * 4 + p];
        assertEquals(0.0, whAfter[o * 12 + worst1 * 4 + p], "outgoing head columns zeroed");
      }
      assertEquals(bh[o] + column * f1[worst1], HostArrays.get(head.bias().value(), o), 1e-12);
    }
    assertEquals(0.0, HostArrays.get(convs.get(0).bias().value(), worst0));
    assertEquals(0.0, cbp.ages(0)[worst0]);
    assertEquals(1.0, cbp.ages(0)[(worst0 + 1) % 4]);
  }

  private static int argmin(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] < v[best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void resetsCountConvLayersAndDrawTheirWholeKernelFromTheirInit() {
    Sequential net = convNet(11);
    List<AffineLayer> affine = net.layersOf(AffineLayer.class);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), inputs(1));
    net.params().forEach(p -> learner.optimizer().slots(p).values().forEach(a -> a.assign(1.0)));
    List<double[]> before = net.params().stream().map(p -> HostArrays.toDoubles(p.value(), null).clone()).toList();
    // the last two layers with weights: conv 1 and the head, not conv 0
    new Reset(learner.networks(), 1, 2, false, 42).afterUpdate(learner, 1);
    SplittableRandom rng = Seeds.stream(42, 0);
    for (AffineLayer d : affine.subList(1, 3)) {
      double[] w = flat(d.init().weights(d, rng));
      double[] b = d.init().biases(d.units(), d.fanIn(), rng);
      assertArrayEquals(w, HostArrays.toDoubles(d.weight().value(), null), 0.0, d.name());
      assertArrayEquals(b, HostArrays.toDoubles(d.bias().value(), null), 0.0, d.name());
    }
    for (int k = 0; k < net.params().size(); k++) {
      Param p = net.params().get(k);
      boolean reset = !affine.get(0).params().contains(p);
      if (!reset) {
        assertArrayEquals(before.get(k), HostArrays.toDoubles(p.value(), null), 0.0, p.name());
      }
      assertEquals(reset ? 0.0 : 1.0, learner.optimizer().slots(p).get("m").maxNumber().doubleValue(), p.name());
    }
    BitSet all = new BitSet();
    all.set(0, 3);
    assertEquals(Map.of("net.body.3", all), learner.interventions().unitResets().drain(),
        "every channel of conv 1 counts as reset; conv 0 was not, the head has no units");
  }

  @Test
  void shrinkPerturbFreshInterpolatesWholeKernelsTowardsAFreshDrawOfTheirInit() {
    Sequential net = convNet(12, Init.deltaOrthogonal(1.0));
    List<double[]> before = net.params().stream().map(p -> HostArrays.toDoubles(p.value(), null).clone()).toList();
    double p = 0.75;
    new ShrinkPerturb(List.of(net), ShrinkPerturb.Mode.FRESH, p, 0, 1, 5).apply(new SplittableRandom(13));
    SplittableRandom rng = new SplittableRandom(13);
    List<double[]> fresh = new ArrayList<>();
    for (AffineLayer d : net.layersOf(AffineLayer.class)) {
      fresh.add(flat(d.init().weights(d, rng)));
      fresh.add(d.init().biases(d.units(), d.fanIn(), rng));
    }
    for (int k = 0; k < net.params().size(); k++) {
      double[] now = HostArrays.toDoubles(net.params().get(k).value(), null);
      for (int e = 0; e < now.length; e++) {
        assertEquals(p * before.get(k)[e] + (1 - p) * fresh.get(k)[e], now[e], 1e-15, net.params().get(k).name());
      }
    }
    // both delta-orthogonal: every off-centre tap of a kernel stays exactly 0
    double[] w0 = HostArrays.toDoubles(net.layersOf(Conv2D.class).get(0).weight().value(), null);
    for (int e = 0; e < w0.length; e++) {
      if (e % 9 != 4) {
        assertEquals(0.0, w0[e], "tap " + e % 9);
      }
    }
  }

  @Test
  void aFreshDeltaOrthogonalChannelIsACentreTapRowOfTheInitsNorm() {
    Conv2D conv = new Conv2D("c", 3, 5, 5, 8, 3, 1, 1, false, DataType.DOUBLE);
    Init init = Init.deltaOrthogonal(2.0);
    double[] row = init.row(conv, new SplittableRandom(1));
    double sq = 0;
    for (int e = 0; e < row.length; e++) {
      if (e % 9 != 4) {
        assertEquals(0.0, row[e]);
      }
      sq += row[e] * row[e];
    }
    // a row of an [8, 3] orthogonal matrix with gain 2: the first 3 coordinates of a unit 8-vector, times 2
    assertTrue(sq > 0 && sq < 4.0, "squared norm " + sq);
    assertArrayEquals(init.row(8, 3, new SplittableRandom(1)), new double[] {row[4], row[13], row[22]}, 0.0);
  }

  @Test
  void weightClippingBoundsAKernelByItsFanInOfChannelsTimesTaps() {
    Sequential net = convNet(2);
    Conv2D c0 = net.layersOf(Conv2D.class).get(0);
    c0.weight().value().assign(1.0);
    new WeightClip(Map.of("net", net), 2.0).clip();
    assertEquals(2.0 / Math.sqrt(18), c0.weight().value().minNumber().doubleValue(), 1e-15, "κ/√(C·k·k), C·k·k = 18");
    assertEquals(2.0 / Math.sqrt(18), c0.weight().value().maxNumber().doubleValue(), 1e-15);
    Conv2D c1 = net.layersOf(Conv2D.class).get(1);
    assertTrue(c1.weight().value().amaxNumber().doubleValue() <= 2.0 / 6 + 1e-15, "conv 1: κ/√36");
  }

  @Test
  void aConvReadingADenseHasNoUnitsAndSaysSo() {
    Dense d = new Dense("x.0", 4, 2 * 3 * 3, false, DataType.DOUBLE);
    Conv2D conv = new Conv2D("x.2", 2, 3, 3, 2, 3, 1, 1, false, DataType.DOUBLE);
    Dense head = new Dense("x.head", 18, 1, true, DataType.DOUBLE);
    Sequential net = new Sequential("x", List.<Layer>of(d, new ReLU("x.1", 18), conv, new ReLU("x.3", 18), head));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkParts.hiddenLayers(net));
    assertTrue(e.getMessage().contains("x.1") && e.getMessage().contains("reads it as an image"), e.getMessage());
  }

  static double[] flat(double[][] w) {
    return java.util.Arrays.stream(w).flatMapToDouble(java.util.Arrays::stream).toArray();
  }
}
