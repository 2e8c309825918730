package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.GroupSort;
import dev.isoplast.nn.Init;
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
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(Float64Mode.class)
class NtkTest {

  /** Dense → ReLU → Dense → LayerNorm → Tanh → Dense → MaxMin → head: every layer kind in one net. */
  private static Sequential mixed(int in, int outputs, DataType type, SplittableRandom rng) {
    Dense d0 = new Dense("d0", in, 8, false, type);
    Dense d1 = new Dense("d1", 8, 6, false, type);
    LayerNorm ln = new LayerNorm("ln", 6, type);
    Dense d2 = new Dense("d2", 6, 6, false, type);
    Dense head = new Dense("head", 6, outputs, true, type);
    for (Dense d : List.of(d0, d1, d2, head)) {
      Init.torchDefault().apply(d, rng);
    }
    Sequential net = new Sequential("mixed", List.of(d0, new ReLU("r", 8), d1, ln, new Tanh("t", 6), d2,
        GroupSort.maxMin("mm", 6), head));
    randomiseNormParams(net, rng);
    return net;
  }

  /** LayerNorm starts at γ = 1, β = 0; move them so their NTK terms are tested in general. */
  private static void randomiseNormParams(Sequential net, SplittableRandom rng) {
    for (LayerNorm ln : net.layersOf(LayerNorm.class)) {
      ln.gain().value().assign(RandomArrays.uniform(rng, 0.5, 1.5, ln.gain().value().dataType(), ln.outSize()));
      ln.bias().value().assign(RandomArrays.gaussian(rng, ln.bias().value().dataType(), ln.outSize()).muli(0.3));
    }
  }

  private static List<Sequential> networks(int outputs, SplittableRandom rng) {
    DataType d = DataType.DOUBLE;
    List<Sequential> nets = new ArrayList<>();
    nets.add(mixed(3, outputs, d, rng));
    nets.add(Networks.build("relu_ln", 3, BodyConfig.mlp(List.of(8, 6), BodyConfig.Nonlinearity.RELU, true,
        Init.kaimingUniform(Init.RELU_GAIN)), outputs, Init.torchDefault(), rng, d));
    nets.add(Networks.build("tanh", 3, BodyConfig.cleanRlPpo().withHiddenSizes(List.of(8, 8)), outputs,
        Init.torchDefault(), rng, d));
    nets.add(Networks.build("iso_ln", 3, BodyConfig.isometric(List.of(8, 8), true), outputs, Init.torchDefault(),
        rng, d));
    for (Sequential net : nets) {
      randomiseNormParams(net, rng);
    }
    return nets;
  }

  private static double relativeFrobenius(INDArray a, INDArray reference) {
    return a.distance2(reference) / reference.norm2Number().doubleValue();
  }

  @Test
  void fastKernelEqualsTheBruteForceGramOfPerSampleGradients() {
    SplittableRandom rng = new SplittableRandom(11);
    int[] batches = {6, 8, 10};
    int[] outputSizes = {1, 2, 5};
    for (int c = 0; c < outputSizes.length; c++) {
      int outputs = outputSizes[c];
      for (Sequential net : networks(outputs, rng)) {
        INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, batches[c], 3);
        INDArray fast = new Ntk(net).kernel(x).dup();
        INDArray brute = Ntk.bruteForce(net, x);
        double err = relativeFrobenius(fast, brute);
        assertTrue(err < 1e-8, net + " with " + outputs + " outputs: relative error " + err);
        assertEquals(batches[c], fast.rows());
        assertTrue(fast.sub(fast.transpose()).amaxNumber().doubleValue() < 1e-12, "K is symmetric");
      }
    }
  }

  @Test
  void kernelOfASingleDenseLayerByHand() {
    // f(x) = W x + b with O outputs: ∇_W f_o = e_o xᵀ, ∇_b f_o = e_o, so K = O (X Xᵀ + 1)
    SplittableRandom rng = new SplittableRandom(12);
    Dense d = new Dense("d", 4, 3, true, DataType.DOUBLE);
    Init.torchDefault().apply(d, rng);
    Sequential net = new Sequential("linear", List.of(d));
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 5, 4);
    INDArray expected = x.mmul(x.transpose()).addi(1).muli(3);
    assertTrue(new Ntk(net).kernel(x).distance2(expected) < 1e-12);
  }

  @Test
  void layerNormTermByHand() {
    // a LayerNorm alone, f_o(x) = γ_o x̂_o + β_o for its n outputs: ∂f_o/∂γ = x̂_o e_o and
    // ∂f_o/∂β = e_o, hence K_ik = Σ_o (x̂_io x̂_ko + 1) = (X̂ X̂ᵀ)_ik + n
    SplittableRandom rng = new SplittableRandom(13);
    LayerNorm ln = new LayerNorm("ln", 4, DataType.DOUBLE);
    Sequential net = new Sequential("ln_only", List.of(ln));
    randomiseNormParams(net, rng);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 6, 4);
    INDArray k = new Ntk(net).kernel(x).dup();
    net.forward(x);
    INDArray xhat = ln.lastNormalized();
    INDArray expected = xhat.mmul(xhat.transpose()).addi(4);
    assertTrue(k.distance2(expected) < 1e-12, k + " vs " + expected);
  }

  @Test
  void float32AgreesWithBruteForceToSinglePrecision() {
    SplittableRandom rng = new SplittableRandom(14);
    Sequential net = Networks.build("actor", 4, BodyConfig.cleanRlPpo().withHiddenSizes(List.of(16, 16)), 2,
        Networks.CRITIC_HEAD, rng, DataType.FLOAT);
    INDArray x = RandomArrays.gaussian(rng, DataType.FLOAT, 12, 4);
    INDArray fast = new Ntk(net).kernel(x);
    assertEquals(DataType.FLOAT, fast.dataType());
    double err = relativeFrobenius(fast.castTo(DataType.DOUBLE), Ntk.bruteForce(net, x).castTo(DataType.DOUBLE));
    assertTrue(err < 1e-5, "relative error " + err);
  }

  @Test
  void leavesParameterGradientsAsTheyWere() {
    SplittableRandom rng = new SplittableRandom(15);
    Sequential net = mixed(3, 2, DataType.DOUBLE, rng);
    for (Param p : net.params()) {
      p.grad().assign(RandomArrays.gaussian(rng, DataType.DOUBLE, p.value().shape()));
    }
    List<INDArray> before = net.params().stream().map(p -> p.grad().dup()).toList();
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 7, 3);
    new Ntk(net).kernel(x);
    Ntk.bruteForce(net, x);
    for (int i = 0; i < before.size(); i++) {
      assertEquals(before.get(i), net.params().get(i).grad(), net.params().get(i).name());
    }
  }

  @Test
  void reusesBuffersAcrossBatchSizes() {
    SplittableRandom rng = new SplittableRandom(16);
    Sequential net = mixed(3, 2, DataType.DOUBLE, rng);
    Ntk ntk = new Ntk(net);
    INDArray a = RandomArrays.gaussian(rng, DataType.DOUBLE, 6, 3);
    INDArray b = RandomArrays.gaussian(rng, DataType.DOUBLE, 9, 3);
    INDArray ka = ntk.kernel(a).dup();
    assertEquals(9, ntk.kernel(b).rows());
    assertTrue(ntk.kernel(a).distance2(ka) < 1e-14, "same probes, same kernel");
  }

  @Test
  void spectrumMetricsAndTiming() {
    SplittableRandom rng = new SplittableRandom(17);
    Sequential net = mixed(3, 2, DataType.DOUBLE, rng);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 8, 3);
    SpectrumStats s = new Ntk(net).spectrum(x);
    assertEquals(8, s.size());
    INDArray brute = Ntk.bruteForce(net, x);
    double trace = 0;
    for (int i = 0; i < 8; i++) {
      trace += brute.getDouble(i, i);
    }
    assertEquals(trace, s.trace(), 1e-9 * trace);
    assertEquals(List.of("plasticity/ntk_erank", "plasticity/ntk_erank_frac", "plasticity/ntk_srank",
        "plasticity/ntk_cond", "plasticity/ntk_rank", "plasticity/ntk_cond_rel", "plasticity/ntk_rank_rel",
        "plasticity/ntk_trace"), List.copyOf(Ntk.metrics(s).keySet()));
    Ntk.Timing t = Ntk.time(net, x, 1);
    assertEquals(8, t.batch());
    assertTrue(t.fastMs() > 0 && t.bruteForceMs() > 0);
  }

  @Test
  void rejectsLayersWithParametersItDoesNotKnow() {
    SplittableRandom rng = new SplittableRandom(18);
    Sequential inner = mixed(3, 2, DataType.DOUBLE, rng);
    Sequential outer = new Sequential("outer", List.<Layer>of(inner));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Ntk(outer));
    assertTrue(e.getMessage().startsWith("the NTK knows the parameters of Dense, Conv2D, SkewOrthogonalConv and LayerNorm layers only"));
    assertThrows(IllegalArgumentException.class,
        () -> new Ntk(inner).kernel(RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 2)));
  }

  /**
   * f(x) = w·x + b has the kernel K = X Xᵀ + 1 1ᵀ whatever w is. With X = Q diag(s) for Q the
   * normalised 8 × 8 Hadamard matrix (its first column is the constant 1/√8), K = Q diag(s₁² + 8,
   * s₂², …, s₈²) Qᵀ: a kernel whose spectrum is known exactly.
   */
  @Test
  void theConditionNumberOfAKnownSpectrumIsMeasuredFarAboveTheFloat32Floor() {
    double[] s = {1, 1, 0.8, 0.5, 0.3, 0.1, 0.01, 1e-4};
    int n = s.length;
    double[][] h = {{1}};
    while (h.length < n) { // Sylvester's construction
      int m = h.length;
      double[][] next = new double[2 * m][2 * m];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
          next[i][j] = h[i][j];
          next[i][j + m] = h[i][j];
          next[i + m][j] = h[i][j];
          next[i + m][j + m] = -h[i][j];
        }
      }
      h = next;
    }
    double[] x = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < n; k++) {
        x[i * n + k] = h[i][k] / Math.sqrt(n) * s[k];
      }
    }
    Dense head = new Dense("f", n, 1, true, DataType.FLOAT);
    head.weight().value().assign(0.3);
    Sequential net = new Sequential("f", List.of(head));
    INDArray probes = Nd4j.create(x, new long[] {n, n}, 'c').castTo(DataType.FLOAT);
    double expected = (s[0] * s[0] + n) / (s[n - 1] * s[n - 1]);

    SpectrumStats f64 = new Ntk(net, DataType.DOUBLE).spectrum(probes);
    assertEquals(expected, f64.cond(), 0.01 * expected, "float64 NTK of a float32 net");
    assertTrue(f64.cond() > 1e5, "cond " + f64.cond());
    assertEquals(n, f64.numericalRank());
    assertEquals(n + java.util.Arrays.stream(s).map(v -> v * v).sum(), f64.trace(), 1e-5);

    SpectrumStats f32 = new Ntk(net).spectrum(probes);
    double cap = 1 / SpectrumStats.relativeFloor(n, DataType.FLOAT);
    assertTrue(f32.cond() <= cap * 1.0001 && f32.numericalRank() < n, "in float32 the smallest eigenvalue "
        + "falls below the round-off floor: cond " + f32.cond() + ", cap " + cap + ", rank " + f32.numericalRank());
    System.out.printf("NtkTest: known cond %.4g; float64 kernel %.4g; float32 kernel %.4g (cap %.3g)%n", expected,
        f64.cond(), f32.cond(), cap);
  }
}
