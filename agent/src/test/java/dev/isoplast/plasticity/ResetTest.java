package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.testing.TestLearner;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Resets: the last k layers get a fresh draw of their init and zero moments; the others are untouched. */
class ResetTest {

  @Test
  void resetsTheLastLayerOnItsScheduleAndZeroesItsMoments() {
    Sequential net = RedoTest.reluNet(2, true);
    Adam adam = new Adam(net.params(), 1e-3);
    net.params().forEach(p -> adam.slots(p).values().forEach(a -> a.assign(1.0)));
    TestLearner learner = new TestLearner(Map.of("net", net), adam, RedoTest.inputs(1));
    List<Dense> dense = net.layersOf(Dense.class);
    // move the head and the first layer away from their init
    dense.forEach(d -> d.weight().value().addi(0.25));
    double[] head = HostArrays.toDoubles(dense.get(2).weight().value(), null);
    double[] first = HostArrays.toDoubles(dense.get(0).weight().value(), null);
    Interventions reset = MethodConfig.from(RedoTest.withKeys(Map.of("reset_every", 2, "reset_layers", 1)))
        .interventions(learner.networks(), 5);
    reset.afterUpdate(learner, learner.nextUpdate());
    assertArrayEquals(head, HostArrays.toDoubles(dense.get(2).weight().value(), null), 0.0, "update 1: no reset");
    reset.afterUpdate(learner, learner.nextUpdate());
    double[] newHead = HostArrays.toDoubles(dense.get(2).weight().value(), null);
    assertNotEquals(Arrays.toString(head), Arrays.toString(newHead));
    // the head's init is orthogonal with gain 1 (3 × 16: orthonormal rows)
    dev.isoplast.optim.IsometryPenalty iso = new dev.isoplast.optim.IsometryPenalty(
        dev.isoplast.optim.IsometryPenalty.Gram.AUTO, 1.0);
    assertEquals(0.0, iso.distance(dense.get(2).weight().value()), 1e-9, "a fresh orthogonal head");
    assertArrayEquals(first, HostArrays.toDoubles(dense.get(0).weight().value(), null), 0.0, "body untouched");
    assertEquals(0.0, adam.slot(dense.get(2).weight(), "m").sumNumber().doubleValue());
    assertEquals(0.0, adam.slot(dense.get(2).bias(), "v").sumNumber().doubleValue());
    assertEquals(1.0, HostArrays.get(adam.slot(dense.get(0).weight(), "m"), 0), "body moments kept");
    assertEquals(1.0, reset.metrics().get("plasticity/resets_total"));
  }

  @Test
  void resetAllIncludesLayerNormsAndThePhaseOracleOnlyFiresWhenAsked() {
    Sequential net = RedoTest.reluNet(3, true);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), RedoTest.inputs(1));
    net.params().forEach(p -> p.value().addi(0.5));
    Interventions scheduled = MethodConfig.from(RedoTest.withKeys(Map.of("reset_every", 1, "reset_layers", 0)))
        .interventions(learner.networks(), 5);
    scheduled.onPhaseStart(learner, 1);
    assertEquals(1.5, HostArrays.get(net.layersOf(dev.isoplast.nn.LayerNorm.class).get(0).gain().value(), 0), 1e-12,
        "a scheduled reset ignores phase starts");
    Interventions oracle = MethodConfig.from(RedoTest.withKeys(Map.of("reset_at_phase", true, "reset_layers", 0)))
        .interventions(learner.networks(), 5);
    oracle.onPhaseStart(learner, 0);
    assertEquals(0.0, oracle.metrics().get("plasticity/resets_total"), "phase 0 is the start, not a change");
    oracle.onPhaseStart(learner, 1);
    for (dev.isoplast.nn.LayerNorm ln : net.layersOf(dev.isoplast.nn.LayerNorm.class)) {
      assertEquals(1.0, HostArrays.get(ln.gain().value(), 3), 0.0);
      assertEquals(0.0, HostArrays.get(ln.bias().value(), 3), 0.0);
    }
    assertEquals(0.0, HostArrays.get(net.layersOf(Dense.class).get(0).bias().value(), 0), 0.0, "biases re-zeroed");
  }
}
