package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.Flatten;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.ReLU;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.Tanh;
import dev.isoplast.testing.Float64Mode;
import dev.isoplast.testing.RandomArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The monitors on a net with conv layers, each against a reference computed another way: the
 * Jacobian spectra against central finite differences with commons-math3's SVD, the NTK against
 * explicit per-sample gradients ({@link Ntk#bruteForce}), the feature rank against commons-math3's
 * SVD of the head's input computed layer by layer, the weight norms by hand, and the float64 copy
 * of {@link Networks#copy} against the float32 net. The net: conv 2→3 (3×3, same, 5×5) → tanh →
 * conv 3→2 (3×3, stride 2, valid: 2×2) → tanh → Flatten → Dense 8→4 → tanh → head 4→2.
 */
@ExtendWith(Float64Mode.class)
class ConvMonitorsTest {

  static Sequential convNet(long seed, DataType type) {
    SplittableRandom rng = new SplittableRandom(seed);
    Conv2D c0 = new Conv2D("n.body.0", 2, 5, 5, 3, 3, 1, 1, false, type);
    Init.kaimingUniform(1.0).apply(c0, rng);
    Conv2D c1 = new Conv2D("n.body.2", 3, 5, 5, 2, 3, 2, 0, false, type);
    Init.kaimingUniform(1.0).apply(c1, rng);
    Dense d = new Dense("n.body.5", 8, 4, false, type);
    Init.orthogonal(1.0).apply(d, rng);
    Dense head = new Dense("n.head", 4, 2, true, type);
    Init.orthogonal(1.0).apply(head, rng);
    // non-zero biases, so that they matter in the NTK and in the Jacobians' activation slopes
    for (Param p : List.of(c0.bias(), c1.bias(), d.bias(), head.bias())) {
      p.value().assign(RandomArrays.gaussian(rng, type, p.value().length()).mul(0.3));
    }
    return new Sequential("n", List.<Layer>of(c0, new Tanh("n.body.1", 75), c1, new Tanh("n.body.3", 8),
        new Flatten("n.body.4", 2, 2, 2), d, new Tanh("n.body.6", 4), head));
  }

  /** Runs {@code layers} forward on the single row {@code x} and returns a copy of the output. */
  static double[] run(List<Layer> layers, double[] x) {
    INDArray h = Nd4j.create(x, new long[] {1, x.length}, 'c');
    for (Layer layer : layers) {
      h = layer.forward(h);
    }
    return HostArrays.toDoubles(h, null).clone();
  }

  /** The central-difference Jacobian [out, in] of {@code layers} at x, step 1e-5. */
  static double[][] finiteDifferences(List<Layer> layers, double[] x) {
    int out = run(layers, x).length;
    double[][] j = new double[out][x.length];
    double eps = 1e-5;
    for (int i = 0; i < x.length; i++) {
      double[] plus = x.clone();
      double[] minus = x.clone();
      plus[i] += eps;
      minus[i] -= eps;
      double[] fp = run(layers, plus);
      double[] fm = run(layers, minus);
      for (int o = 0; o < out; o++) {
        j[o][i] = (fp[o] - fm[o]) / (2 * eps);
      }
    }
    return j;
  }

  static double[] singularValues(double[][] m) {
    return new SingularValueDecomposition(new Array2DRowRealMatrix(m, false)).getSingularValues();
  }

  @Test
  void jacobianSpectraOfConvLayersMatchFiniteDifferences() {
    Sequential net = convNet(1, DataType.DOUBLE);
    INDArray probes = RandomArrays.gaussian(new SplittableRandom(2), DataType.DOUBLE, 5, 50);
    int k = 3;
    JacobianSpectra.Result r = JacobianSpectra.measure(net, probes, k);
    assertEquals(List.of("n.body.0", "n.body.2", "n.body.5"),
        r.layers().stream().map(JacobianSpectra.Spectrum::name).toList());
    List<Layer> layers = net.layers();
    // hidden layers: [0, 2), [2, 5) (conv, tanh, Flatten), [5, 7); the body [0, 7)
    int[][] spans = {{0, 2}, {2, 5}, {5, 7}, {0, 7}};
    for (int s = 0; s < spans.length; s++) {
      JacobianSpectra.Spectrum spectrum = s < 3 ? r.layers().get(s) : r.body();
      List<Double> expected = new ArrayList<>();
      for (int row = 0; row < k; row++) {
        double[] x = HostArrays.toDoubles(probes.getRow(row, true), null).clone();
        double[] input = run(layers.subList(0, spans[s][0]), x);
        for (double v : singularValues(finiteDifferences(layers.subList(spans[s][0], spans[s][1]), input))) {
          expected.add(v);
        }
      }
      double[] want = expected.stream().mapToDouble(Double::doubleValue).toArray();
      assertEquals(want.length, spectrum.sigmas().length, spectrum.name() + ": k × min(out, in) values");
      assertArrayEquals(want, spectrum.sigmas(), 1e-7, spectrum.name());
    }
    assertEquals(3 * 8, r.layers().get(1).sigmas().length, "conv 1: min(2·2·2, 3·5·5) = 8 per probe");
  }

  @Test
  void theIsometryMonitorRefusesJacobiansTooLargeToBuild() {
    // an Atari Nature-CNN's first conv: 4×84×84 → 32×20×20
    Conv2D conv = new Conv2D("a.body.0", 4, 84, 84, 32, 8, 4, 0, false, DataType.FLOAT);
    Dense head = new Dense("a.head", conv.outSize(), 1, true, DataType.FLOAT);
    Sequential net = new Sequential("a", List.<Layer>of(conv, new ReLU("a.body.1", conv.outSize()), head));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JacobianSpectra.checkSize(net));
    assertTrue(e.getMessage().contains("a.body.0") && e.getMessage().contains("361267200"), e.getMessage());
  }

  @Test
  void theNtkOfAConvNetIsThatOfItsPerSampleGradients() {
    INDArray probes = RandomArrays.gaussian(new SplittableRandom(4), DataType.DOUBLE, 6, 50);
    Sequential net = convNet(3, DataType.DOUBLE);
    INDArray brute = Ntk.bruteForce(net, probes);
    INDArray fast = new Ntk(net).kernel(probes).dup();
    double scale = brute.amaxNumber().doubleValue();
    assertTrue(scale > 0);
    assertArrayEquals(HostArrays.toDoubles(brute, null), HostArrays.toDoubles(fast, null), 1e-12 * scale);

    // a float32 net measured in float64 through its copy: the copy's kernel, to float32 round-off
    Sequential f32 = convNet(3, DataType.FLOAT);
    INDArray inFloat64 = new Ntk(f32, DataType.DOUBLE).kernel(probes.castTo(DataType.FLOAT)).dup();
    assertArrayEquals(HostArrays.toDoubles(brute, null), HostArrays.toDoubles(inFloat64, null), 1e-5 * scale);
  }

  @Test
  void aFloat64CopyOfAConvNetComputesWhatTheNetDoes() {
    Sequential net = convNet(5, DataType.FLOAT);
    Sequential copy = Networks.copy(net, DataType.DOUBLE);
    assertEquals(net.toString(), copy.toString());
    assertInstanceOf(Conv2D.class, copy.layer(2));
    assertEquals(Init.kaimingUniform(1.0), ((Conv2D) copy.layer(2)).init());
    assertInstanceOf(Flatten.class, copy.layer(4));
    INDArray x = RandomArrays.gaussian(new SplittableRandom(6), DataType.FLOAT, 4, 50);
    double[] want = HostArrays.toDoubles(net.forward(x), null).clone();
    assertArrayEquals(want, HostArrays.toDoubles(copy.forward(x.castTo(DataType.DOUBLE)), null), 1e-5);
    assertEquals(DataType.DOUBLE, copy.params().get(0).value().dataType());
  }

  @Test
  void featureRankAndWeightStatsOnAConvNet() {
    Sequential net = convNet(7, DataType.DOUBLE);
    INDArray probes = RandomArrays.gaussian(new SplittableRandom(8), DataType.DOUBLE, 10, 50);
    double[][] phi = new double[10][];
    for (int r = 0; r < 10; r++) {
      phi[r] = run(net.layers().subList(0, 7), HostArrays.toDoubles(probes.getRow(r, true), null).clone());
    }
    double[] sigma = singularValues(phi);
    SpectrumStats stats = FeatureRank.measure(net, probes);
    SpectrumStats expected = SpectrumStats.of(sigma, SpectrumStats.relativeFloor(10, DataType.DOUBLE));
    assertEquals(expected.srank(), stats.srank());
    assertEquals(expected.erank(), stats.erank(), 1e-10);

    WeightStats weights = new WeightStats(net);
    WeightStats.Result result = weights.measure();
    assertEquals(List.of("n.body.0", "n.body.2", "n.body.5", "n.head"),
        result.layers().stream().map(WeightStats.LayerWeights::layer).toList());
    Conv2D c1 = (Conv2D) net.layer(2);
    double sq = Arrays.stream(HostArrays.toDoubles(c1.weight().value(), null)).map(v -> v * v).sum()
        + Arrays.stream(HostArrays.toDoubles(c1.bias().value(), null)).map(v -> v * v).sum();
    assertEquals(Math.sqrt(sq), result.layers().get(1).norm(), 1e-12, "‖(W, b)‖ of the kernel and bias");
    c1.weight().value().addi(0.5); // every one of its 54 kernel entries moves by 0.5
    assertEquals(0.5 * Math.sqrt(54), weights.measure().layers().get(1).change(), 1e-12);
  }
}
