package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.config.Snapshot;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.Sgd;
import dev.isoplast.testing.TestLearner;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Hare &amp; Tortoise: the card's hand values (SGD η = 0.1, α = 0.5, R = 2), α = 0 with R = 1 is the
 * plain learner to the bit, α = 1 puts θ₀ back at every reset and keeps Adam's moments, a checkpoint
 * continues exactly, and its preset learns.
 */
class HareTortoiseTest {

  @Test
  void emaAfterEveryStepAndResetEveryRUpdatesAsTheCardComputes() {
    // Dense [1, 1] → ReLU → head [1, 1]: θ = (W₀, b₀) = (1, 2) with g = (1, −1), the head with g = 0
    Sequential net = Networks.build("net", 1, BodyConfig.mlp(List.of(1), BodyConfig.Nonlinearity.RELU, false,
        Init.torchDefault()), 1, Init.torchDefault(), new SplittableRandom(1), DataType.DOUBLE);
    List<Param> p = net.params();
    p.get(0).value().assign(1.0);
    p.get(1).value().assign(2.0);
    double headW = HostArrays.get(p.get(2).value(), 0);
    Sgd sgd = new Sgd(p, 0.1, 0.0);
    TestLearner learner = new TestLearner(Map.of("net", net), sgd, new float[0]);
    HareTortoise ht = new HareTortoise(Map.of("net", net), 2, 0.5);
    double[][] hare = {{0.9, 2.1}, {0.8, 2.2}};
    double[][] tortoise = {{0.95, 2.05}, {0.875, 2.125}};
    for (int t = 1; t <= 2; t++) {
      p.get(0).grad().assign(1.0);
      p.get(1).grad().assign(-1.0);
      p.get(2).grad().assign(0.0);
      p.get(3).grad().assign(0.0);
      sgd.step();
      assertArrayEquals(hare[t - 1], new double[] {HostArrays.get(p.get(0).value(), 0),
          HostArrays.get(p.get(1).value(), 0)}, 1e-15, "hare after step " + t);
      ht.afterStep(learner, t);
      double[] saved = ht.state().getTree("tortoise").getDoubles("0");
      double[] savedB = ht.state().getTree("tortoise").getDoubles("1");
      assertArrayEquals(tortoise[t - 1], new double[] {saved[0], savedB[0]}, 1e-15, "tortoise after step " + t);
      assertArrayEquals(hare[t - 1], new double[] {HostArrays.get(p.get(0).value(), 0),
          HostArrays.get(p.get(1).value(), 0)}, 0.0, "the EMA leaves the hare alone");
      ht.afterUpdate(learner, t);
    }
    assertEquals(0.875, HostArrays.get(p.get(0).value(), 0), 1e-15, "update 2: the hare is the tortoise");
    assertEquals(2.125, HostArrays.get(p.get(1).value(), 0), 1e-15);
    assertEquals(headW, HostArrays.get(p.get(2).value(), 0), 1e-15, "a still parameter stays still");
    assertEquals(1.0, ht.metrics().get("plasticity/hare_tortoise_resets_total"));
  }

  @Test
  void alphaZeroWithROneIsThePlainLearner() {
    SupervisedLearner plain = WeightClipTest.learner(null, Map.of("optimizer", "adam"), 3);
    SupervisedLearner ht = WeightClipTest.learner(null, Map.of("optimizer", "adam", "hare_tortoise_every", 1,
        "hare_tortoise_ema", 0.0), 3);
    WeightClipTest.train(plain, 0, 15);
    WeightClipTest.train(ht, 0, 15);
    assertEquals(Param.values(plain.params()), Param.values(ht.params()), "θ_T = θ_H after every step: no-op resets");
    assertEquals(15.0, ht.metrics().get("plasticity/hare_tortoise_resets_total"));
  }

  @Test
  void alphaOneRestoresTheInitialParametersAndKeepsAdamsMoments() {
    SupervisedLearner l = WeightClipTest.learner(null, Map.of("optimizer", "adam", "hare_tortoise_every", 5,
        "hare_tortoise_ema", 1.0), 3);
    Snapshot theta0 = Param.values(l.params());
    WeightClipTest.train(l, 0, 4);
    assertNotEquals(theta0, Param.values(l.params()), "the hare learns between resets");
    WeightClipTest.train(l, 4, 5); // step 5: Adam moves the hare, then the reset puts θ₀ back
    assertEquals(theta0, Param.values(l.params()), "every reset with α = 1 restores θ₀ exactly");
    WeightClipTest.train(l, 5, 7);
    Snapshot moments = l.optimizer().snapshot();
    HareTortoise ht = (HareTortoise) l.interventions().list().get(0);
    ht.reset();
    assertEquals(theta0, Param.values(l.params()));
    assertEquals(moments, l.optimizer().snapshot(), "a reset leaves Adam's moments and step count alone");
    double m = HostArrays.sumOfSquares(((Adam) l.optimizer()).slot(l.params().get(0), "m"));
    assertTrue(m > 0, "the moments are not zero: " + m);
  }

  @Test
  void aCheckpointContinuesExactly() {
    WeightClipTest.assertSameContinuation(() -> WeightClipTest.learner("hare-tortoise", Map.of(
        "hare_tortoise_every", 4, "hare_tortoise_ema", 0.9), 4), 7, 6);
  }

  @Test
  void itsPresetLearns() {
    // WeightClipTest.assertPresetLearns's 300 steps are too few here: at step 200 the hare goes back to a tortoise
    // that has moved 1 − 0.999²⁰⁰ = 18% of the way from θ₀ (the card's R·(1 − α) = 0.2), so the loss climbs back
    // near its start; over 6 periods the tortoise catches up
    SupervisedLearner l = WeightClipTest.learner("hare-tortoise", Map.of(), 5);
    assertEquals(1, l.interventions().list().size());
    double[] losses = WeightClipTest.train(l, 0, 1200);
    double[] means = new double[6];
    for (int r = 0; r < 6; r++) {
      means[r] = java.util.Arrays.stream(losses, 200 * r + 180, 200 * r + 200).average().orElseThrow();
    }
    double first = java.util.Arrays.stream(losses, 0, 20).average().orElseThrow();
    System.out.printf("hare-tortoise: supervised loss %.4f at the start, before each reset %s%n", first,
        java.util.Arrays.toString(means));
    assertEquals(6.0, l.metrics().get("plasticity/hare_tortoise_resets_total"), "resets at steps 200, 400, ..., 1200");
    assertTrue(means[5] < 0.5 * first, "loss " + first + " → " + means[5]);
  }
}
