package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.MetricSink;
import dev.isoplast.monitor.Dormancy;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.plasticity.MethodConfig;
import dev.isoplast.plasticity.Interventions;
import dev.isoplast.testing.TestLearner;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * revived_frac counts only the units the method did not reset (issue 21): ReDo recycles planted
 * dead units, which then fire, and the monitors must not call that revival; reset_frac reports them.
 */
class MonitorsUnitResetsTest {

  private static final int IN = 6;
  private static final int ROWS = 64;

  @Test
  void unitsRecycledByRedoAreResetNotRevived() {
    Sequential net = Networks.build("net", IN, BodyConfig.mlp(List.of(16, 16), BodyConfig.Nonlinearity.RELU, false,
        Init.kaimingUniform(Init.RELU_GAIN)), 3, Init.orthogonal(1.0), new SplittableRandom(8), DataType.DOUBLE);
    List<Dense> dense = net.layersOf(Dense.class);
    int[][] dead = {{2, 5, 11}, {0, 7}};
    for (int l = 0; l < 2; l++) {
      for (int i : dead[l]) {
        HostArrays.set(dense.get(l).bias().value(), i, -1000.0); // dead on every input
      }
    }
    SplittableRandom rng = new SplittableRandom(9);
    float[] x = new float[ROWS * IN];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    Map<String, Object> keys = new LinkedHashMap<>();
    MethodConfig.adam(1e-8).putInto(keys);
    keys.put("redo_every", 1);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), x);
    Interventions redo = MethodConfig.from(keys).interventions(learner.networks(), 3);
    learner.withInterventions(redo);
    Monitors monitors = new Monitors(learner, Set.of(Monitors.Kind.DORMANCY), Map.of(Monitors.Kind.DORMANCY, 1),
        ROWS, 1000, 5, MetricSink.discard());
    List<String> layers = Dormancy.measure(net, Nd4j.create(x, new long[] {ROWS, IN}, 'c').castTo(DataType.DOUBLE))
        .layers().stream().map(Dormancy.LayerResult::layer).toList();

    var probe = Nd4j.create(x, new long[] {ROWS, IN}, 'c').castTo(DataType.DOUBLE);
    Dormancy.Result before = Dormancy.measure(net, probe);
    monitors.measure(List.of(Monitors.Kind.DORMANCY)); // the first measurement: the planted units are dormant
    redo.afterUpdate(learner, learner.nextUpdate()); // ReDo recycles exactly them
    Dormancy.Result after = Dormancy.measure(net, probe);
    Map<String, Double> m = monitors.measure(List.of(Monitors.Kind.DORMANCY));
    // precondition: most recycled units fire now, so counting them would have called them revived
    double counted = dev.isoplast.monitor.Revival.metrics(before, after, Dormancy.DORMANT_TAU)
        .get("plasticity/revived_frac");
    assertTrue(counted >= 0.8, "without leaving resets out: " + counted);
    assertEquals(0.0, m.get("plasticity/revived_frac"), "no unit revived by itself: all five were reset");
    assertEquals(5.0 / 32, m.get("plasticity/reset_frac"), 1e-15);
    assertEquals(3.0 / 16, m.get("plasticity/reset_frac/" + layers.get(0)), 1e-15);
    assertEquals(2.0 / 16, m.get("plasticity/reset_frac/" + layers.get(1)), 1e-15);
    assertEquals(0.0, m.get("plasticity/newly_dormant_frac"));

    // nothing reset since: reset_frac 0
    m = monitors.measure(List.of(Monitors.Kind.DORMANCY));
    assertEquals(0.0, m.get("plasticity/reset_frac"));
  }

  @Test
  void resetsRecordWholeLayersAndTheRecordSurvivesACheckpoint() {
    Sequential net = Networks.build("net", IN, BodyConfig.mlp(List.of(8, 4), BodyConfig.Nonlinearity.RELU, false,
        Init.kaimingUniform(Init.RELU_GAIN)), 3, Init.orthogonal(1.0), new SplittableRandom(1), DataType.DOUBLE);
    Map<String, Object> keys = new LinkedHashMap<>();
    MethodConfig.adam(1e-8).putInto(keys);
    keys.put("reset_every", 1);
    keys.put("reset_layers", 2); // the head and the second hidden layer's incoming Dense
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), new float[2 * IN]);
    Interventions reset = MethodConfig.from(keys).interventions(learner.networks(), 3);
    learner.withInterventions(reset);
    reset.afterUpdate(learner, learner.nextUpdate());
    Interventions restored = MethodConfig.from(keys).interventions(learner.networks(), 3);
    restored.restore(reset.state());
    Map<String, BitSet> units = reset.unitResets().drain();
    assertEquals(units, restored.unitResets().drain(), "restored from the checkpoint state");
    assertEquals(1, units.size(), units.toString());
    BitSet all = new BitSet();
    all.set(0, 4);
    assertEquals(all, units.values().iterator().next(), "every unit of the 4-unit layer");
    assertTrue(reset.unitResets().drain().isEmpty(), "drained");
  }
}
