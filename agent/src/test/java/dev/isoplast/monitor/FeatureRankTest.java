package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isoplast.linalg.Spectral;
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
class FeatureRankTest {

  @Test
  void ranksOfThePenultimateFeaturesSingularValues() {
    SplittableRandom rng = new SplittableRandom(1);
    Sequential net = Networks.build("q", 3, BodyConfig.mlp(List.of(8, 6), BodyConfig.Nonlinearity.RELU, false,
        Init.kaimingUniform(Init.RELU_GAIN)), 2, Init.torchDefault(), rng, DataType.DOUBLE);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 20, 3);
    SpectrumStats got = FeatureRank.measure(net, x);
    // Φ [20, 6] = the output of the body's four layers, run on their own
    INDArray phi = new Sequential("body", net.layers().subList(0, 4)).forward(x).dup();
    SpectrumStats expected = SpectrumStats.of(Spectral.singularValues(phi), 20 * Math.ulp(1.0));
    assertEquals(expected, got);
    assertEquals(6, got.size(), "min(B, d) singular values");
  }

  @Test
  void rankOfKnownFeatures() {
    // a head-less network is all body: Φ is its output. Dense 4 → 4 with W = diag(3, 1, 0, 0), b = 0
    // on the identity input gives Φ = diag(3, 1, 0, 0): σ = (3, 1, 0, 0), srank 2
    Dense d = new Dense("d", 4, 4, false, DataType.DOUBLE);
    d.weight().value().putScalar(0, 0, 3);
    d.weight().value().putScalar(1, 1, 1);
    SpectrumStats s = FeatureRank.measure(new Sequential("f", List.of(d)),
        Nd4j.eye(4).castTo(DataType.DOUBLE));
    assertEquals(2, s.srank());
    assertEquals(Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))), s.erank(), 1e-12);
    assertEquals(List.of("plasticity/feature_srank", "plasticity/feature_erank"),
        List.copyOf(FeatureRank.metrics(s).keySet()));
  }
}
