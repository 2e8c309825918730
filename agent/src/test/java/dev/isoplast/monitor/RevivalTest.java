package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.AdamO;
import dev.isoplast.optim.Optimizer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Unit revival: the fractions by hand, and AdamO's isometry step reviving dead ReLU units that Adam leaves dead. */
class RevivalTest {

  private static Dormancy.LayerResult layer(String name, double... scores) {
    return new Dormancy.LayerResult(name, scores, 0, 0);
  }

  @Test
  void fractionsByHand() {
    Dormancy.Result before = new Dormancy.Result(List.of(layer("a", 0, 0.01, 1, 1), layer("b", 0.5, 0.5, 0, 2)));
    Dormancy.Result now = new Dormancy.Result(List.of(layer("a", 0.5, 0.01, 0.02, 1), layer("b", 0.5, 0.5, 0, 2)));
    Map<String, Double> m = Revival.metrics(before, now, 0.025);
    // a: dormant before {0, 1}; now {1, 2}: revived 1 of 2, newly dormant 1 of 2 active
    assertEquals(0.5, m.get("plasticity/revived_frac/a"));
    assertEquals(0.5, m.get("plasticity/newly_dormant_frac/a"));
    // b: dormant {2} both times
    assertEquals(0.0, m.get("plasticity/revived_frac/b"));
    assertEquals(0.0, m.get("plasticity/newly_dormant_frac/b"));
    // overall, unit-weighted: revived 1 of 3 dormant, newly dormant 1 of 5 active
    assertEquals(1.0 / 3, m.get("plasticity/revived_frac"), 1e-15);
    assertEquals(1.0 / 5, m.get("plasticity/newly_dormant_frac"), 1e-15);
    assertThrows(IllegalArgumentException.class,
        () -> Revival.metrics(before, new Dormancy.Result(List.of(layer("a", 1, 1, 1, 1))), 0.025));
  }

  @Test
  void unitsAMethodResetAreLeftOutOfRevivalByHand() {
    Dormancy.Result before = new Dormancy.Result(List.of(layer("a", 0, 0.01, 1, 1), layer("b", 0.5, 0.5, 0, 2)));
    Dormancy.Result now = new Dormancy.Result(List.of(layer("a", 0.5, 0.01, 0.02, 1), layer("b", 0.5, 0.5, 0.7, 2)));
    java.util.BitSet a = new java.util.BitSet();
    a.set(0); // the unit that "revived" in a was reset by the method
    java.util.BitSet b = new java.util.BitSet();
    b.set(2); // so was b's dormant unit, which is active now
    b.set(3);
    Map<String, Double> m = Revival.metrics(before, now, 0.025, Map.of("a", a, "b", b));
    // a: dormant before {0, 1}, {1} not reset: it stays dormant, revived 0 of 1; active before {2, 3}: 2 newly dormant
    assertEquals(0.0, m.get("plasticity/revived_frac/a"));
    assertEquals(0.5, m.get("plasticity/newly_dormant_frac/a"));
    assertEquals(0.25, m.get("plasticity/reset_frac/a"));
    // b: its one dormant unit was reset: none left to revive; the active {0, 1} stay active
    assertEquals(0.0, m.get("plasticity/revived_frac/b"));
    assertEquals(0.0, m.get("plasticity/newly_dormant_frac/b"));
    assertEquals(0.5, m.get("plasticity/reset_frac/b"));
    assertEquals(0.0, m.get("plasticity/revived_frac"));
    assertEquals(1.0 / 4, m.get("plasticity/newly_dormant_frac"), 1e-15); // 1 of the 4 unreset active units
    assertEquals(3.0 / 8, m.get("plasticity/reset_frac"), 1e-15);
    // without resets: as before, and reset_frac 0
    Map<String, Double> plain = Revival.metrics(before, now, 0.025);
    assertEquals(2.0 / 3, plain.get("plasticity/revived_frac"), 1e-15);
    assertEquals(0.0, plain.get("plasticity/reset_frac"));
  }

  static final int IN = 8;
  static final int B = 256;
  static final int[] DEAD = {1, 4, 6};

  /** 8 → 8 ReLU (orthogonal, gain 1) → 2, with units 1, 4, 6 dead on nonnegative inputs: all-negative rows. */
  private static Sequential plantedNet() {
    Sequential net = Networks.build("net", IN, BodyConfig.mlp(List.of(IN), BodyConfig.Nonlinearity.RELU, false,
        Init.orthogonal(1.0)), 2, Init.orthogonal(1.0), new SplittableRandom(2), DataType.DOUBLE);
    INDArray w = net.layersOf(Dense.class).get(0).weight().value();
    for (int i : DEAD) {
      for (int j = 0; j < IN; j++) {
        HostArrays.set(w, (long) i * IN + j, -Math.abs(HostArrays.get(w, (long) i * IN + j)));
      }
    }
    return net;
  }

  /** Inputs such as a previous ReLU layer gives: max(0, N(0, 1)), nonnegative and about half zeros. */
  private static INDArray probes() {
    SplittableRandom rng = new SplittableRandom(7);
    double[] x = new double[B * IN];
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.max(0, rng.nextGaussian());
    }
    return Nd4j.create(x, new long[] {B, IN}, 'c');
  }

  /** Whether unit i's pre-activation is positive on some probe. */
  private static boolean firesSomewhere(Sequential net, INDArray x, int unit) {
    net.forward(x);
    double[] z = HostArrays.toDoubles(net.layersOf(dev.isoplast.nn.ReLU.class).get(0).lastInput(), null);
    for (int r = 0; r < B; r++) {
      if (z[r * IN + unit] > 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Steps the optimizer with zero task gradient (the dead units get none), so only AdamO's
   * isometry step can move their weights. Where it revives them, and where not (measured with the
   * same update in numpy, 20 draws each, η_iso·λ = 1e-3): 8×8 and 16×16 layers on ReLU-like
   * sparse inputs, all revived (median 118 and 366 steps); the same on dense uniform inputs, 2 of 20
   * and 0 of 20; 64×64 on either, 1 of 20 or none within 5,000 steps. The step makes a dead row
   * mixed-sign, but in wide layers its projection on the inputs' mean direction stays negative.
   * This test pins the case where the mechanism works; docs/methods.md reports the rest.
   *
   * <p>Steps the optimizer with zero task gradient (dead units get none anyway) until every planted
   * unit fires on some probe or {@code maxSteps}; returns {steps to revive all (or −1), the revival metrics}.
   */
  private static Object[] run(Function<Sequential, Optimizer> make, int maxSteps) {
    Sequential net = plantedNet();
    INDArray x = probes();
    Dormancy.Result before = Dormancy.measure(net, x);
    double[] s0 = before.layers().get(0).scores();
    int[] dormantBefore = java.util.stream.IntStream.range(0, IN).filter(i -> s0[i] <= Dormancy.DORMANT_TAU).toArray();
    assertArrayEquals(DEAD, dormantBefore, "precondition: exactly the planted units are dormant, scores "
        + java.util.Arrays.toString(s0));
    assertEquals(DEAD.length, before.layers().get(0).dead(), "and dead");
    Optimizer opt = make.apply(net);
    int revivedAt = -1;
    for (int t = 1; t <= maxSteps && revivedAt < 0; t++) {
      net.zeroGrad();
      opt.step();
      boolean all = true;
      for (int i : DEAD) {
        all &= firesSomewhere(net, x, i);
      }
      revivedAt = all ? t : -1;
    }
    // continue as long again so the revived units grow past the dormancy threshold
    for (int t = 0; revivedAt > 0 && t < revivedAt; t++) {
      net.zeroGrad();
      opt.step();
    }
    Dormancy.Result after = Dormancy.measure(net, x);
    int revived = 0;
    for (int i : DEAD) {
      revived += after.layers().get(0).scores()[i] > Dormancy.DORMANT_TAU ? 1 : 0;
    }
    return new Object[] {revivedAt, Revival.metrics(before, after, Dormancy.DORMANT_TAU), revived, net};
  }

  @Test
  @SuppressWarnings("unchecked")
  void adamOsIsometryStepRevivesDeadUnitsThatAdamLeavesDead() {
    int bound = 3000;
    Object[] adamo = run(net -> new AdamO(net.params(), 1e-2, 1e-1), bound);
    Object[] adam = run(net -> new Adam(net.params(), 1e-2), bound);
    int steps = (int) adamo[0];
    Map<String, Double> mo = (Map<String, Double>) adamo[1];
    Map<String, Double> ma = (Map<String, Double>) adam[1];
    System.out.printf("RevivalTest: AdamO (η = 1e-2, λ = 0.1, zero task gradient) revived all %d dead units within "
        + "%d steps; revived_frac %.3f (Adam: %.3f)%n", DEAD.length, steps, mo.get("plasticity/revived_frac"),
        ma.get("plasticity/revived_frac"));
    assertTrue(steps > 0 && steps <= bound, "AdamO revives every planted unit within " + bound + " steps: " + steps);
    assertEquals((int) adamo[2] / (double) DEAD.length, mo.get("plasticity/revived_frac/net.body.1"), 1e-15,
        "revived_frac counts the units whose score rose above τ");
    assertTrue(mo.get("plasticity/revived_frac") > 0);
    assertEquals(-1, (int) adam[0], "Adam with zero gradients never moves the dead units");
    assertEquals(0.0, ma.get("plasticity/revived_frac"));
    double[] w = HostArrays.toDoubles(((Sequential) adam[3]).layersOf(Dense.class).get(0).weight().value(), null);
    double[] w0 = HostArrays.toDoubles(plantedNet().layersOf(Dense.class).get(0).weight().value(), null);
    assertArrayEquals(w0, w, 0.0, "Adam's weights did not change at all");
  }
}
