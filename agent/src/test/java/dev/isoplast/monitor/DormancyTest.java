package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Sequential;
import dev.isoplast.testing.Float64Mode;
import dev.isoplast.testing.RandomArrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(Float64Mode.class)
class DormancyTest {

  private static final DataType F64 = DataType.DOUBLE;

  @Test
  void scoresByHand() {
    // E|h| per unit = (1, 0, 2, 1), layer mean 1: s = (1, 0, 2, 1)
    INDArray h = Nd4j.create(new double[][] {{1, 0, 3, -2}, {-1, 0, 1, 0}});
    assertArrayEquals(new double[] {1, 0, 2, 1}, Dormancy.scores(h), 1e-15);
    Dormancy.LayerResult r = Dormancy.layer("h", h, 0.025);
    assertEquals(1, r.dead());
    assertEquals(1, r.dormant());
    assertEquals(0.25, r.deadFraction());
  }

  @Test
  void handmadeNetworkWithKnownDeadAndDormantUnitsMatchesADirectComputation() {
    // 3 → 6 ReLU → 4 ReLU → 2. First hidden layer: units 0, 1 have zero weights and bias −1, so they
    // output 0 on every probe (dead); unit 2 has zero weights and bias 1e-4, a constant tiny output
    // (dormant at τ = 0.025 but not dead). Second hidden layer: unit 0 zero weights, bias −1 (dead).
    SplittableRandom rng = new SplittableRandom(1);
    Sequential net = Networks.build("net", 3, BodyConfig.mlp(List.of(6, 4), BodyConfig.Nonlinearity.RELU, false,
        Init.kaimingUniform(Init.RELU_GAIN)), 2, Init.torchDefault(), rng, F64);
    Dense d0 = (Dense) net.layer(0);
    Dense d1 = (Dense) net.layer(2);
    d0.bias().value().assign(RandomArrays.uniform(rng, 0.2, 0.5, F64, 6));
    d1.bias().value().assign(RandomArrays.uniform(rng, 0.2, 0.5, F64, 4));
    silence(d0, 0, -1);
    silence(d0, 1, -1);
    silence(d0, 2, 1e-4);
    silence(d1, 0, -1);
    INDArray x = RandomArrays.gaussian(rng, F64, 32, 3);

    Dormancy.Result got = Dormancy.measure(net, x);

    // direct: h1 = relu(x W0ᵀ + b0), h2 = relu(h1 W1ᵀ + b1) in plain Java
    double[][] h1 = reluLayer(x.toDoubleMatrix(), d0);
    double[][] h2 = reluLayer(h1, d1);
    double[] s1 = directScores(h1);
    double[] s2 = directScores(h2);
    assertEquals(List.of("net.body.1", "net.body.3"), got.layers().stream().map(Dormancy.LayerResult::layer).toList());
    assertArrayEquals(s1, got.layers().get(0).scores(), 1e-12);
    assertArrayEquals(s2, got.layers().get(1).scores(), 1e-12);

    assertEquals(0, s1[0]);
    assertEquals(0, s1[1]);
    assertTrue(s1[2] > 0 && s1[2] <= Dormancy.DORMANT_TAU, "tiny unit's score " + s1[2]);
    assertEquals(2, got.layers().get(0).dead());
    assertEquals(count(s1, Dormancy.DORMANT_TAU), got.layers().get(0).dormant());
    assertTrue(got.layers().get(0).dormant() >= 3);
    assertEquals(1, got.layers().get(1).dead());
    assertEquals(count(s2, Dormancy.DORMANT_TAU), got.layers().get(1).dormant());

    // totals are unit-weighted: 3 dead of 10 units
    assertEquals(10, got.units());
    assertEquals(0.3, got.deadFraction(), 1e-15);
    assertEquals((count(s1, 0.025) + count(s2, 0.025)) / 10.0, got.dormantFraction(), 1e-15);
    assertEquals(List.of("plasticity/dead_frac/net.body.1", "plasticity/dormant_frac/net.body.1",
        "plasticity/dead_frac/net.body.3", "plasticity/dormant_frac/net.body.3", "plasticity/dead_frac",
        "plasticity/dormant_frac"), List.copyOf(got.metrics().keySet()));
    assertEquals(2 / 6.0, got.metrics().get("plasticity/dead_frac/net.body.1"), 1e-15);
    assertEquals(0.25, got.metrics().get("plasticity/dead_frac/net.body.3"), 1e-15);
  }

  @Test
  void countsActivationOutputsNotLayerNormOrHead() {
    SplittableRandom rng = new SplittableRandom(2);
    Sequential net = Networks.build("q", 3, BodyConfig.isometric(List.of(4, 6), true), 2, Init.torchDefault(), rng,
        F64);
    // layers: Dense, LayerNorm, MaxMin, Dense, LayerNorm, MaxMin, head
    Dormancy.Result r = Dormancy.measure(net, RandomArrays.gaussian(rng, F64, 5, 3));
    assertEquals(List.of("q.body.2", "q.body.5"), r.layers().stream().map(Dormancy.LayerResult::layer).toList());
    assertEquals(10, r.units());
  }

  @Test
  void aSilentLayerIsAllDead() {
    Dormancy.LayerResult r = Dormancy.layer("z", Nd4j.zeros(F64, 4, 3), 0.025);
    assertEquals(3, r.dead());
    assertEquals(3, r.dormant());
    assertArrayEquals(new double[3], r.scores());
  }

  private static void silence(Dense d, int unit, double bias) {
    for (int c = 0; c < d.inSize(); c++) {
      d.weight().value().putScalar(unit, c, 0.0);
    }
    d.bias().value().putScalar(unit, bias);
  }

  private static double[][] reluLayer(double[][] in, Dense d) {
    double[][] w = d.weight().value().toDoubleMatrix();
    double[] b = d.bias().value().toDoubleVector();
    double[][] out = new double[in.length][w.length];
    for (int r = 0; r < in.length; r++) {
      for (int i = 0; i < w.length; i++) {
        double z = b[i];
        for (int c = 0; c < in[r].length; c++) {
          z += w[i][c] * in[r][c];
        }
        out[r][i] = Math.max(0, z);
      }
    }
    return out;
  }

  /** s_i = E|h_i| / ((1/H) Σ_k E|h_k|), straight from the definition. */
  private static double[] directScores(double[][] h) {
    int units = h[0].length;
    double[] mean = new double[units];
    for (double[] row : h) {
      for (int i = 0; i < units; i++) {
        mean[i] += Math.abs(row[i]) / h.length;
      }
    }
    double avg = 0;
    for (double m : mean) {
      avg += m / units;
    }
    double[] s = new double[units];
    for (int i = 0; i < units; i++) {
      s[i] = mean[i] / avg;
    }
    return s;
  }

  private static int count(double[] s, double tau) {
    int n = 0;
    for (double v : s) {
      n += v <= tau ? 1 : 0;
    }
    return n;
  }
}
