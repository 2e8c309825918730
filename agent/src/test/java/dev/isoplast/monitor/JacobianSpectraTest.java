package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.linalg.Spectral;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.GroupSort;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Jacobians;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.LayerNorm;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

@ExtendWith(Float64Mode.class)
class JacobianSpectraTest {

  private static final DataType F64 = DataType.DOUBLE;

  @Test
  void isometricBodyHasAllSingularValuesOneAndNoGap() {
    // Networks.build's isometric body: orthogonal Dense (gain 1) → MaxMin. Widening 16 → 32 has
    // WᵀW = I and square 32 → 32 is orthogonal, so each layer's P W and the body P₂W₂P₁W₁ preserve
    // norms: all min(out, in) singular values are 1
    SplittableRandom rng = new SplittableRandom(1);
    Sequential net = Networks.build("iso", 16, BodyConfig.isometric(List.of(32, 32), false), 2,
        Networks.CRITIC_HEAD, rng, F64);
    INDArray probes = RandomArrays.gaussian(rng, F64, 20, 16);
    JacobianSpectra.Result r = JacobianSpectra.measure(net, probes);
    assertEquals(List.of("iso.body.0", "iso.body.2"), r.layers().stream().map(JacobianSpectra.Spectrum::name).toList());
    assertEquals(8 * 16, r.layers().get(0).sigmas().length, "8 probes × min(32, 16)");
    assertEquals(8 * 32, r.layers().get(1).sigmas().length);
    assertEquals(8 * 16, r.body().sigmas().length);
    List<JacobianSpectra.Spectrum> all = new ArrayList<>(r.layers());
    all.add(r.body());
    for (JacobianSpectra.Spectrum s : all) {
      for (double sigma : s.sigmas()) {
        assertEquals(1.0, sigma, 1e-4, s.name());
      }
      assertEquals(1.0, s.mean(), 1e-4);
      assertEquals(0.0, s.std(), 1e-4);
      assertTrue(s.gap() < 1e-8, s.name() + " gap " + s.gap());
    }
  }

  @Test
  void aNarrowingOrthogonalLayerCountsItsMinOutInSingularValues() {
    // 32 → 16 orthogonal has orthonormal rows (W Wᵀ = I): its 16 singular values are 1
    SplittableRandom rng = new SplittableRandom(2);
    Sequential net = Networks.build("iso", 8, BodyConfig.isometric(List.of(32, 16), false), 2,
        Networks.CRITIC_HEAD, rng, F64);
    JacobianSpectra.Result r = JacobianSpectra.measure(net, RandomArrays.gaussian(rng, F64, 4, 8), 3);
    JacobianSpectra.Spectrum narrowing = r.layers().get(1);
    assertEquals(3 * 16, narrowing.sigmas().length);
    assertEquals(0.0, narrowing.gap(), 1e-12);
    assertEquals(3 * 8, r.body().sigmas().length);
  }

  @Test
  void reluLayerWithHalfItsUnitsDeadHasThatManyZeroSingularValues() {
    // square orthogonal W; units 0–3 biased to −100 (dead on every probe), 4–7 to +100 (always on):
    // J = diag(0,0,0,0,1,1,1,1) W, so J Jᵀ = diag(φ′), σ = four 1s and four 0s at every probe
    SplittableRandom rng = new SplittableRandom(3);
    Dense d = new Dense("d", 8, 8, false, F64);
    Init.orthogonal(1.0).apply(d, rng);
    for (int i = 0; i < 8; i++) {
      d.bias().value().putScalar(i, i < 4 ? -100 : 100);
    }
    Sequential net = new Sequential("net", List.of(d, new ReLU("relu", 8)));
    int probes = 5;
    JacobianSpectra.Spectrum s = JacobianSpectra.measure(net, RandomArrays.gaussian(rng, F64, 10, 8), probes)
        .layers().get(0);
    int zeros = 0;
    for (double sigma : s.sigmas()) {
      if (sigma < 1e-10) {
        zeros++;
      } else {
        assertEquals(1.0, sigma, 1e-10);
      }
    }
    assertEquals(4 * probes, zeros, "one zero per dead unit per probe");
    assertEquals(0.0, s.min(), 1e-10);
    assertEquals(1.0, s.max(), 1e-10);
    assertEquals(0.5, s.mean(), 1e-10);
    assertEquals(0.5, s.std(), 1e-10);
    assertEquals(0.5, s.gap(), 1e-10, "E[(σ−1)²] = ½ · 1 + ½ · 0");
  }

  @Test
  void tanhLayerSpectrumIsThatOfDiagDerivativeTimesW() {
    SplittableRandom rng = new SplittableRandom(4);
    Sequential net = Networks.build("mlp", 5, BodyConfig.mlp(List.of(6), BodyConfig.Nonlinearity.TANH, false,
        Init.orthogonal(Init.RELU_GAIN)), 2, Networks.CRITIC_HEAD, rng, F64);
    INDArray x = RandomArrays.gaussian(rng, F64, 3, 5);
    double[] got = JacobianSpectra.measure(net, x).layers().get(0).sigmas();
    // by hand: J = diag(1 − tanh²(W x + b)) W
    INDArray w = ((Dense) net.layer(0)).weight().value();
    INDArray b = ((Dense) net.layer(0)).bias().value();
    List<Double> expected = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      INDArray z = w.mmul(x.getRow(r).reshape(5, 1)).addi(b.reshape(6, 1));
      double[][] j = new double[6][5];
      for (int i = 0; i < 6; i++) {
        double t = Math.tanh(z.getDouble(i, 0));
        for (int c = 0; c < 5; c++) {
          j[i][c] = (1 - t * t) * w.getDouble(i, c);
        }
      }
      for (double v : Spectral.singularValues(j)) {
        expected.add(v);
      }
    }
    assertArrayEquals(expected.stream().mapToDouble(Double::doubleValue).toArray(), got, 1e-12);
  }

  @Test
  void everyLayerKindMatchesTheJacobianThroughBackward() {
    // Dense → LayerNorm → Tanh → Dense → MaxMin → Dense → ReLU → head: each hidden layer's spectrum
    // and the body's equal those of Jacobians.inputOutput on the same layers (the backward contract)
    SplittableRandom rng = new SplittableRandom(5);
    Dense d0 = new Dense("d0", 4, 6, false, F64);
    LayerNorm ln = new LayerNorm("ln", 6, F64);
    Dense d1 = new Dense("d1", 6, 8, false, F64);
    Dense d2 = new Dense("d2", 8, 6, false, F64);
    Dense head = new Dense("head", 6, 2, true, F64);
    for (Dense d : List.of(d0, d1, d2, head)) {
      Init.torchDefault().apply(d, rng);
    }
    ln.gain().value().assign(RandomArrays.uniform(rng, 0.5, 1.5, F64, 6));
    ln.bias().value().assign(RandomArrays.gaussian(rng, F64, 6));
    List<Layer> bodyLayers = List.of(d0, ln, new Tanh("t", 6), d1, GroupSort.maxMin("mm", 8), d2, new ReLU("r", 6));
    List<Layer> all = new ArrayList<>(bodyLayers);
    all.add(head);
    Sequential net = new Sequential("net", all);
    INDArray x = RandomArrays.gaussian(rng, F64, 8, 4);
    for (Param p : net.params()) {
      p.grad().assign(RandomArrays.gaussian(rng, F64, p.value().shape()));
    }
    List<INDArray> grads = net.params().stream().map(p -> p.grad().dup()).toList();

    JacobianSpectra.Result got = JacobianSpectra.measure(net, x, 4);

    Sequential body = new Sequential("body", bodyLayers);
    List<Sequential> hidden = List.of(new Sequential("h0", List.of(d0, ln, bodyLayers.get(2))),
        new Sequential("h1", List.of(d1, bodyLayers.get(4))), new Sequential("h2", List.of(d2, bodyLayers.get(6))));
    for (int r = 0; r < 4; r++) {
      INDArray a = x.getRow(r);
      for (int l = 0; l < 3; l++) {
        double[] expected = Spectral.singularValues(Jacobians.inputOutput(hidden.get(l), a));
        double[] pooled = got.layers().get(l).sigmas();
        int n = expected.length;
        assertArrayEquals(expected, Arrays.copyOfRange(pooled, r * n, (r + 1) * n), 1e-12, "layer " + l);
        a = hidden.get(l).forward(a.reshape(1, a.length())).dup();
      }
      double[] expectedBody = Spectral.singularValues(Jacobians.inputOutput(body, x.getRow(r)));
      assertArrayEquals(expectedBody, Arrays.copyOfRange(got.body().sigmas(), r * 4, (r + 1) * 4), 1e-12);
    }
    for (int i = 0; i < grads.size(); i++) {
      assertEquals(grads.get(i), net.params().get(i).grad(), "gradients untouched");
    }
  }

  @Test
  void metricNames() {
    SplittableRandom rng = new SplittableRandom(6);
    Sequential net = Networks.build("actor", 4, BodyConfig.cleanRlPpo().withHiddenSizes(List.of(8)), 2,
        Networks.ACTOR_HEAD, rng, F64);
    assertEquals(List.of("isometry/actor.body.0/sigma_mean", "isometry/actor.body.0/sigma_std",
        "isometry/actor.body.0/sigma_min", "isometry/actor.body.0/sigma_max", "isometry/actor.body.0/gap",
        "isometry/actor.body/sigma_mean", "isometry/actor.body/sigma_std", "isometry/actor.body/sigma_min",
        "isometry/actor.body/sigma_max", "isometry/actor.body/gap"),
        List.copyOf(JacobianSpectra.measure(net, RandomArrays.gaussian(rng, F64, 3, 4)).metrics().keySet()));
  }
}
