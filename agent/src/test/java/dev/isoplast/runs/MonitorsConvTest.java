package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.MetricSink;
import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.ReLU;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.testing.ConvNets;
import dev.isoplast.testing.RandomArrays;
import dev.isoplast.testing.TestLearner;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every monitor through the training callback on a float32 conv Q-network (2×6×6 → conv 4, 3×3,
 * same → ReLU → Flatten → Dense 16 → ReLU → 3 outputs): each metric present and finite, a dead
 * channel counted as one of the conv layer's 4 units; and the isometry monitor refused when the run
 * starts on a net whose Jacobians it cannot build.
 */
class MonitorsConvTest {

  @Test
  void everyMonitorMeasuresAConvNetAndADeadChannelIsOneUnit() {
    SplittableRandom rng = new SplittableRandom(1);
    Sequential net = ConvNets.qNetwork("q", 2, 6, 4, 1, 16, 3, DataType.FLOAT, rng);
    Conv2D conv = (Conv2D) net.layer(0);
    HostArrays.set(conv.bias().value(), 2, -1000.0); // channel 2 dead on every input
    float[] x = RandomArrays.gaussian(rng, DataType.FLOAT, 64 * net.inSize()).toFloatVector();
    TestLearner learner = new TestLearner(Map.of("q", net), new Adam(net.params(), 1e-3), x);
    Set<Monitors.Kind> all = EnumSet.allOf(Monitors.Kind.class);
    Monitors monitors = new Monitors(learner, all,
        all.stream().collect(Collectors.toMap(k -> k, k -> 1)), 32, 1000, 5, MetricSink.discard());
    Map<String, Double> m = monitors.measure(List.copyOf(all));
    for (String key : List.of("plasticity/dead_frac/q.body.1", "plasticity/ntk_erank/q", "plasticity/feature_srank/q",
        "isometry/q.body.0/sigma_mean", "isometry/q.body.3/gap", "isometry/q.body/sigma_max", "weights/q.body.0/norm")) {
      assertTrue(m.containsKey(key) && Double.isFinite(m.get(key)), key + " in " + m.keySet());
    }
    assertEquals(0.25, m.get("plasticity/dead_frac/q.body.1"), "one channel of four");
    assertEquals(1.0 / 20, m.get("plasticity/dead_frac"), 1e-15, "4 channels + 16 units");
  }

  @Test
  void theIsometryMonitorIsRefusedWhenTheRunStartsOnAnAtariSizedConv() {
    Conv2D conv = new Conv2D("a.body.0", 4, 84, 84, 32, 8, 4, 0, false, DataType.FLOAT);
    Dense head = new Dense("a.head", conv.outSize(), 2, true, DataType.FLOAT);
    Init.kaimingUniform(1.0).apply(conv, new SplittableRandom(2));
    Sequential net = new Sequential("a", List.<Layer>of(conv, new ReLU("a.body.1", conv.outSize()), head));
    TestLearner learner = new TestLearner(Map.of("a", net), new Adam(net.params(), 1e-3), new float[0]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Monitors(learner,
        Set.of(Monitors.Kind.ISOMETRY), Map.of(Monitors.Kind.ISOMETRY, 1), 32, 1000, 5, MetricSink.discard()));
    assertTrue(e.getMessage().contains("a.body.0") && e.getMessage().contains("--monitors"), e.getMessage());
    new Monitors(learner, Set.of(Monitors.Kind.DORMANCY, Monitors.Kind.NTK), Map.of(Monitors.Kind.DORMANCY, 1,
        Monitors.Kind.NTK, 1), 32, 1000, 5, MetricSink.discard()); // the others are fine
  }
}
