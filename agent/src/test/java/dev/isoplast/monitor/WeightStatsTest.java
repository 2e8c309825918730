package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.testing.Float64Mode;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(Float64Mode.class)
class WeightStatsTest {

  @Test
  void normsGradientNormsAndChangeByHand() {
    // 2 → 2 (LayerNorm) tanh → 1, every parameter set by hand
    Sequential net = Networks.build("n", 2, BodyConfig.mlp(List.of(2), BodyConfig.Nonlinearity.TANH, true,
        Init.orthogonal(1)), 1, Init.torchDefault(), new SplittableRandom(1), DataType.DOUBLE);
    List<Param> p = net.params(); // body.0.W, body.0.b, body.1.gamma, body.1.beta, head.W, head.b
    p.get(0).value().assign(Nd4j.create(new double[][] {{1, 2}, {2, 0}})); // ‖·‖² = 9
    p.get(1).value().assign(Nd4j.create(new double[] {4, 0})); // 16
    // LayerNorm keeps γ = (1, 1), β = 0: ‖·‖² = 2
    p.get(4).value().assign(Nd4j.create(new double[][] {{3, 4}})); // 25
    p.get(5).value().assign(Nd4j.create(new double[] {0})); // 0
    p.get(0).grad().assign(Nd4j.create(new double[][] {{0, 3}, {0, 0}})); // 9
    p.get(1).grad().assign(Nd4j.create(new double[] {0, 4})); // 16
    p.get(5).grad().assign(Nd4j.create(new double[] {-2})); // 4

    WeightStats stats = new WeightStats(net);
    WeightStats.Result r = stats.measure();
    assertEquals(List.of("n.body.0", "n.body.1", "n.head"), r.layers().stream().map(WeightStats.LayerWeights::layer)
        .toList());
    assertEquals(5, r.layers().get(0).norm(), 1e-12);
    assertEquals(Math.sqrt(2), r.layers().get(1).norm(), 1e-12);
    assertEquals(5, r.layers().get(2).norm(), 1e-12);
    assertEquals(Math.sqrt(9 + 16 + 2 + 25), r.norm(), 1e-12);
    assertEquals(5, r.layers().get(0).gradNorm(), 1e-12);
    assertEquals(0, r.layers().get(1).gradNorm(), 0);
    assertEquals(2, r.layers().get(2).gradNorm(), 1e-12);
    assertEquals(Math.sqrt(29), r.gradNorm(), 1e-12);
    assertEquals(0, r.change(), 0, "no change right after the snapshot taken at construction");

    // move W by (1, −1; 0, 0) and γ by (0, 2): changes √2 and 2
    p.get(0).value().addi(Nd4j.create(new double[][] {{1, -1}, {0, 0}}));
    p.get(2).value().addi(Nd4j.create(new double[] {0, 2}));
    r = stats.measure();
    assertEquals(Math.sqrt(2), r.layers().get(0).change(), 1e-12);
    assertEquals(2, r.layers().get(1).change(), 1e-12);
    assertEquals(0, r.layers().get(2).change(), 0);
    assertEquals(Math.sqrt(6), r.change(), 1e-12);

    stats.snapshot();
    assertEquals(0, stats.measure().change(), 0, "a new phase starts from the current weights");
    assertEquals(List.of("weights/n.body.0/norm", "weights/n.body.0/grad_norm", "weights/n.body.0/change"),
        List.copyOf(r.metrics().keySet()).subList(0, 3));
    assertEquals(Math.sqrt(6), r.metrics().get("weights/n/change"), 1e-12);
  }

  @Test
  void float32NetsAreSummedInDoubleAsBruteForceDoes() {
    // a float32 net like the RL ones: the figures are sums in double of the float values
    Sequential net = Networks.build("f", 50, BodyConfig.mlp(List.of(64, 64), BodyConfig.Nonlinearity.RELU, false,
        Init.orthogonal(Math.sqrt(2))), 3, Init.torchDefault(), new SplittableRandom(2), DataType.FLOAT);
    WeightStats stats = new WeightStats(net);
    java.util.Map<Param, double[]> before = new java.util.HashMap<>();
    SplittableRandom rng = new SplittableRandom(3);
    for (Param q : net.params()) {
      before.put(q, HostArrays.toDoubles(q.value(), null));
      assertEquals(DataType.FLOAT, q.value().dataType());
      double[] g = new double[(int) q.grad().length()];
      for (int i = 0; i < g.length; i++) {
        g[i] = rng.nextGaussian();
      }
      HostArrays.fromDoubles(g, q.grad());
      q.value().addi(q.grad().mul(0.01)); // a step away from the snapshot
    }
    WeightStats.Result r = stats.measure();
    double n2 = 0;
    double g2 = 0;
    double c2 = 0;
    for (int l = 0; l < 3; l++) {
      double ln2 = 0;
      double lg2 = 0;
      double lc2 = 0;
      for (Param q : net.layers().stream().filter(x -> !x.params().isEmpty()).toList().get(l).params()) {
        double[] v = HostArrays.toDoubles(q.value(), null);
        double[] g = HostArrays.toDoubles(q.grad(), null);
        double[] d = before.get(q);
        for (int i = 0; i < v.length; i++) {
          ln2 += v[i] * v[i];
          lg2 += g[i] * g[i];
          lc2 += (v[i] - d[i]) * (v[i] - d[i]);
        }
      }
      assertEquals(Math.sqrt(ln2), r.layers().get(l).norm(), 1e-12 * Math.sqrt(ln2));
      assertEquals(Math.sqrt(lg2), r.layers().get(l).gradNorm(), 1e-12 * Math.sqrt(lg2));
      assertEquals(Math.sqrt(lc2), r.layers().get(l).change(), 1e-12 * Math.sqrt(lc2));
      n2 += ln2;
      g2 += lg2;
      c2 += lc2;
    }
    assertEquals(Math.sqrt(n2), r.norm(), 1e-12 * Math.sqrt(n2));
    assertEquals(Math.sqrt(g2), r.gradNorm(), 1e-12 * Math.sqrt(g2));
    assertEquals(Math.sqrt(c2), r.change(), 1e-12 * Math.sqrt(c2));
  }
}
