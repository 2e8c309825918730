package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.config.Snapshot;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.LayerNorm;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Weight clipping: the card's hand values (κ = 2, fan-in 4: bound 1), every Dense parameter within
 * its bound after every step while LayerNorm is left alone, κ very large ⇒ plain Adam to the bit, a
 * checkpoint continues identically, and its preset learns a small classification task. The
 * supervised helpers here ({@link #learner}, {@link #train}, {@link #assertSameContinuation}) are
 * shared by the other method tests.
 */
class WeightClipTest {

  static final int IN = 6;
  static final int CLASSES = 3;
  static final int BATCH = 16;

  /** A supervised learner (two hidden layers of 16) with preset {@code preset}'s keys and {@code extra} on top. */
  static SupervisedLearner learner(String preset, Map<String, Object> extra, long seed) {
    Map<String, Object> m = new LinkedHashMap<>(preset == null ? Map.of() : Methods.get(preset).overrides("supervised"));
    m.put("hidden_sizes", "16,16");
    m.putAll(extra);
    return new SupervisedLearner(SupervisedConfig.fromMap(SupervisedConfig.small(), m), IN, CLASSES, seed);
  }

  /**
   * Steps {@code from} (inclusive) to {@code to} (exclusive) of a fixed task, batch k drawn from its
   * own stream: x ~ N(0, I), label = argmax of a fixed linear map of x. Returns each step's loss.
   */
  static double[] train(SupervisedLearner learner, int from, int to) {
    SplittableRandom a = new SplittableRandom(99);
    double[] map = new double[CLASSES * IN];
    for (int i = 0; i < map.length; i++) {
      map[i] = a.nextGaussian();
    }
    double[] losses = new double[to - from];
    float[] x = new float[BATCH * IN];
    int[] y = new int[BATCH];
    for (int k = from; k < to; k++) {
      SplittableRandom rng = new SplittableRandom(1000 + k);
      for (int r = 0; r < BATCH; r++) {
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < IN; i++) {
          x[r * IN + i] = (float) rng.nextGaussian();
        }
        for (int c = 0; c < CLASSES; c++) {
          double z = 0;
          for (int i = 0; i < IN; i++) {
            z += map[c * IN + i] * x[r * IN + i];
          }
          if (z > best) {
            best = z;
            y[r] = c;
          }
        }
      }
      learner.step(x, y, BATCH);
      losses[k - from] = learner.lastLoss();
    }
    return losses;
  }

  private static double mean(double[] v, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += v[i];
    }
    return s / (to - from);
  }

  /**
   * Preset {@code preset}'s supervised learner, with its one intervention, halves its loss on the
   * task of {@link #train} within 300 steps (the mean of the last 20 against the first 20); returns it.
   */
  static SupervisedLearner assertPresetLearns(String preset) {
    SupervisedLearner l = learner(preset, Map.of(), 5);
    assertEquals(1, l.interventions().list().size(), preset);
    double[] losses = train(l, 0, 300);
    double first = mean(losses, 0, 20);
    double last = mean(losses, 280, 300);
    System.out.printf("%s: supervised loss %.4f -> %.4f in 300 steps%n", preset, first, last);
    assertTrue(last < 0.5 * first, preset + ": loss " + first + " → " + last);
    return l;
  }

  /**
   * Trains two learners built by {@code make}: one straight for {@code before + after} steps, the
   * other for {@code before}, then its state through bytes into a fresh learner which trains
   * {@code after} more; both end in the same state to the bit (parameters, optimizer, interventions).
   */
  static void assertSameContinuation(java.util.function.Supplier<SupervisedLearner> make, int before, int after) {
    SupervisedLearner straight = make.get();
    train(straight, 0, before + after);
    SupervisedLearner first = make.get();
    train(first, 0, before);
    SupervisedLearner resumed = make.get();
    resumed.restore(Snapshot.fromBytes(first.state().toBytes()));
    train(resumed, before, before + after);
    assertEquals(straight.state(), resumed.state(), "a restored learner continues exactly");
    assertEquals(straight.metrics(), resumed.metrics());
  }

  private static Sequential net(boolean layerNorm) {
    // Dense [2, 4] → (LayerNorm) → ReLU → head Dense [3, 2]
    return Networks.build("net", 4, BodyConfig.mlp(List.of(2), BodyConfig.Nonlinearity.RELU, layerNorm,
        Init.torchDefault()), 3, Init.torchDefault(), new SplittableRandom(1), DataType.DOUBLE);
  }

  @Test
  void clampsToKappaOverRootFanInAsTheCardComputes() {
    Sequential net = net(true);
    List<Dense> dense = net.layersOf(Dense.class);
    HostArrays.fromDoubles(new double[] {1.5, -0.3, 0.2, -2.0, 0.9, 1.0, -1.0001, 0}, dense.get(0).weight().value());
    HostArrays.fromDoubles(new double[] {1.2, -0.5}, dense.get(0).bias().value());
    HostArrays.fromDoubles(new double[] {1.5, -1.0, 0.1, -3.0, 1.4, 2.0}, dense.get(1).weight().value());
    LayerNorm ln = net.layersOf(LayerNorm.class).get(0);
    HostArrays.fromDoubles(new double[] {5.0, -4.0}, ln.gain().value());
    WeightClip clip = new WeightClip(Map.of("net", net), 2.0);
    assertEquals(7, clip.clip(), "entries outside their bound: 3 in W₀ (−1.0001 too), 1 in b₀, 3 in the head");
    assertArrayEquals(new double[] {1, -0.3, 0.2, -1, 0.9, 1, -1, 0},
        HostArrays.toDoubles(dense.get(0).weight().value(), null), 1e-15, "κ = 2, fan_in 4: bound 1");
    assertArrayEquals(new double[] {1, -0.5}, HostArrays.toDoubles(dense.get(0).bias().value(), null), 1e-15);
    double r2 = Math.sqrt(2);
    assertArrayEquals(new double[] {r2, -1.0, 0.1, -r2, 1.4, r2},
        HostArrays.toDoubles(dense.get(1).weight().value(), null), 1e-15, "the head: fan_in 2, bound √2");
    assertArrayEquals(new double[] {5.0, -4.0}, HostArrays.toDoubles(ln.gain().value(), null), 0.0,
        "LayerNorm gains are not clipped");
    assertEquals(0, clip.clip(), "a second clip changes nothing");
    assertEquals(7.0, clip.metrics().get("plasticity/weight_clip_clipped"));
    assertEquals(0.0, clip.metrics().get("plasticity/weight_clip_clipped"), "counts since the previous row");
  }

  @Test
  void everyDenseParameterStaysWithinItsBoundWhileALargeKappaIsPlainAdam() {
    SupervisedLearner clipped = learner(null, Map.of("optimizer", "adam", "weight_clip_kappa", 1.0,
        "learning_rate", 0.05), 3);
    for (int k = 0; k < 20; k++) {
      train(clipped, k, k + 1);
      for (Dense d : clipped.net().layersOf(Dense.class)) {
        double bound = 1.0 / Math.sqrt(d.inSize());
        for (Param p : d.params()) {
          for (double v : HostArrays.toDoubles(p.value(), null)) {
            assertTrue(Math.abs(v) <= bound * (1 + 1e-6), p.name() + " = " + v + " beyond " + bound);
          }
        }
      }
    }
    assertTrue(clipped.metrics().get("plasticity/weight_clip_clipped") > 0, "lr 0.05 pushes weights to the bound");
    SupervisedLearner adam = learner(null, Map.of("optimizer", "adam"), 3);
    SupervisedLearner huge = learner(null, Map.of("optimizer", "adam", "weight_clip_kappa", 1e9), 3);
    train(adam, 0, 10);
    train(huge, 0, 10);
    assertEquals(Param.values(adam.params()), Param.values(huge.params()), "κ = 1e9 never clips: plain Adam");
    assertNotEquals(Param.values(adam.params()), Param.values(clipped.params()));
  }

  @Test
  void aCheckpointContinuesExactly() {
    assertSameContinuation(() -> learner("weight-clip", Map.of("weight_clip_kappa", 1.0, "learning_rate", 0.05), 4),
        7, 6);
  }

  @Test
  void itsPresetLearns() {
    assertPresetLearns("weight-clip");
  }
}
