package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.linalg.Spectral;
import dev.isoplast.monitor.Ntk;
import dev.isoplast.testing.Float64Mode;
import dev.isoplast.testing.GradientCheck;
import dev.isoplast.testing.RandomArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Skew-orthogonal convolutions: the layer against exp(K − Kᵀ) built densely from the convolution's
 * matrix by another series, orthogonal for kernels of every size (below and at the norm cap), gradients against finite differences, per-sample gradients through the NTK against its
 * brute force, and a conv body of them that stays an isometry through constrained training where
 * the delta-orthogonal one does not.
 */
@ExtendWith(Float64Mode.class)
class SkewOrthogonalConvTest {

  private static final int SIDE = 5;

  private static SkewOrthogonalConv layer(int in, int channels, double scale, long seed) {
    SkewOrthogonalConv soc = new SkewOrthogonalConv("s", in, SIDE, SIDE, channels, 3, DataType.DOUBLE);
    SplittableRandom rng = new SplittableRandom(seed);
    soc.weight().value().assign(RandomArrays.gaussian(rng, DataType.DOUBLE, soc.weight().value().shape()).muli(scale));
    soc.bias().value().assign(RandomArrays.gaussian(rng, DataType.DOUBLE, channels));
    return soc;
  }

  /** exp(S) of a dense square matrix by 2^12 squarings of a 30-term series (not the layer's plan). */
  private static double[][] expm(double[][] s) {
    int n = s.length;
    double scale = 1.0 / 4096;
    double[][] term = identity(n);
    double[][] sum = identity(n);
    for (int k = 1; k <= 30; k++) {
      term = times(term, s);
      for (double[] row : term) {
        for (int j = 0; j < n; j++) {
          row[j] *= scale / k;
        }
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          sum[i][j] += term[i][j];
        }
      }
    }
    for (int q = 0; q < 12; q++) {
      sum = times(sum, sum);
    }
    return sum;
  }

  private static double[][] identity(int n) {
    double[][] id = new double[n][n];
    for (int i = 0; i < n; i++) {
      id[i][i] = 1;
    }
    return id;
  }

  private static double[][] times(double[][] a, double[][] b) {
    int n = a.length;
    int m = b[0].length;
    double[][] c = new double[n][m];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < b.length; k++) {
        double v = a[i][k];
        for (int j = 0; j < m; j++) {
          c[i][j] += v * b[k][j];
        }
      }
    }
    return c;
  }

  @Test
  void theForwardIsExpOfTheSkewPartOfTheConvolutionAppliedToTheZeroPaddedInputPlusTheBias() {
    for (double scale : new double[] {0.01, 0.6}) {
      SkewOrthogonalConv soc = layer(2, 3, scale, 11);
      Conv2D k = new Conv2D("k", 3, SIDE, SIDE, 3, 3, 1, 1, false, DataType.DOUBLE);
      // the cap by hand: W_eff = min(1, τ/(2k‖W‖_F)) W
      double frobenius = Math.sqrt(soc.weight().value().mul(soc.weight().value()).sumNumber().doubleValue());
      double c = Math.min(1, SkewOrthogonalConv.NORM_CAP / (2 * 3 * frobenius));
      k.weight().value().assign(soc.weight().value().mul(c));
      double[][] kd = Jacobians.of(k).toDoubleMatrix();
      int n = kd.length;
      double[][] s = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          s[i][j] = kd[i][j] - kd[j][i];
        }
      }
      double[][] e = expm(s);
      INDArray x = RandomArrays.gaussian(new SplittableRandom(3), DataType.DOUBLE, 2, soc.inSize());
      double[][] y = soc.forward(x).toDoubleMatrix();
      double[][] xs = x.toDoubleMatrix();
      double[] b = soc.bias().value().toDoubleVector();
      int p = SIDE * SIDE;
      for (int r = 0; r < 2; r++) {
        for (int i = 0; i < n; i++) {
          double expected = b[i / p];
          for (int j = 0; j < soc.inSize(); j++) { // channels 2.. of the padded input are zero
            expected += e[i][j] * xs[r][j];
          }
          assertEquals(expected, y[r][i], 1e-10, "scale " + scale + ", output " + i);
        }
      }
      assertEquals(c, soc.lastScale(), 1e-15);
      assertTrue(scale < 0.1 ? c == 1 : c < 0.5, "the cap acts on the larger kernel only: c = " + c);
    }
  }

  @Test
  void itIsOrthogonalForKernelsOfEverySizeAndAnIsometryOntoItsRangeWhenItWidens() {
    for (double scale : new double[] {0.0, 0.02, 0.3, 2.0}) {
      for (int[] c : new int[][] {{3, 3}, {2, 4}}) {
        SkewOrthogonalConv soc = layer(c[0], c[1], scale, 5);
        INDArray x = RandomArrays.gaussian(new SplittableRandom(2), DataType.DOUBLE, 1, soc.inSize());
        double[] sigma = Spectral.singularValues(Jacobians.inputOutput(soc, x));
        assertEquals(c[0] * SIDE * SIDE, sigma.length);
        for (double v : sigma) {
          assertEquals(1.0, v, 1e-10, "scale " + scale + ", " + c[0] + "→" + c[1] + " channels, "
              + soc.lastTerms() + " terms");
        }
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferencesBelowAndAtTheNormCap() {
    for (double scale : new double[] {0.01, 0.5}) {
      for (int[] c : new int[][] {{2, 2}, {2, 3}}) {
        SkewOrthogonalConv soc = layer(c[0], c[1], scale, 9);
        INDArray x = RandomArrays.gaussian(new SplittableRandom(4), DataType.DOUBLE, 3, soc.inSize());
        Map<String, Double> errors = GradientCheck.layer(soc, x, 7, 1e-6);
        assertTrue(GradientCheck.worst(errors) < 1e-6, "scale " + scale + ", " + c[0] + "→" + c[1] + ": " + errors
            + ", c = " + soc.lastScale());
        // S = K − Kᵀ does not see the symmetric part of the centre tap: below the cap W[o, o, 1, 1]
        // has no gradient (at the cap, dL/dW gains a component along W)
        soc.forward(x);
        if (soc.lastScale() < 1) {
          soc.weight().zeroGrad();
          continue;
        }
        soc.backward(RandomArrays.gaussian(new SplittableRandom(8), DataType.DOUBLE, 3, soc.outSize()));
        double[][] g = soc.weight().grad().toDoubleMatrix();
        for (int o = 0; o < c[1]; o++) {
          assertEquals(0.0, g[o][o * 9 + 4], 1e-13, "centre-tap diagonal " + o);
          assertTrue(Math.abs(g[o][o * 9]) > 1e-6, "an off-centre diagonal entry does have a gradient");
        }
        soc.weight().zeroGrad();
        soc.bias().zeroGrad();
      }
    }
  }

  @Test
  void theNtkOfANetworkWithSkewOrthogonalConvsMatchesItsBruteForce() {
    SplittableRandom rng = new SplittableRandom(21);
    SkewOrthogonalConv first = new SkewOrthogonalConv("s1", 2, SIDE, SIDE, 4, 3, DataType.DOUBLE);
    first.weight().value().assign(RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 36).muli(0.3));
    SkewOrthogonalConv second = new SkewOrthogonalConv("s2", 4, SIDE, SIDE, 4, 3, DataType.DOUBLE);
    second.weight().value().assign(RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 36).muli(0.02));
    Dense head = new Dense("h", 4 * SIDE * SIDE, 3, true, DataType.DOUBLE);
    Init.orthogonal(1.0).apply(head, rng);
    Sequential net = new Sequential("n", List.of(first, GroupSort.maxMin("a", first.outSize()), second,
        new Tanh("t", second.outSize()), head));
    INDArray probes = RandomArrays.gaussian(rng, DataType.DOUBLE, 5, net.inSize());
    INDArray fast = new Ntk(net).kernel(probes).dup();
    INDArray brute = Ntk.bruteForce(net, probes);
    double worst = fast.sub(brute).amaxNumber().doubleValue() / brute.amaxNumber().doubleValue();
    assertTrue(worst < 1e-10, "fast vs brute-force NTK, relative " + worst);
  }

  /**
   * The constrained conv body keeps its isometry: two skew-orthogonal convs with MaxMin (a
   * permutation) between them, trained 30 Adam steps (lr 0.01) with the isometric-constrained
   * preset's Björck projection after each, as {@link DeltaOrthogonalTest} trains the
   * delta-orthogonal body, whose singular values spread from 0.1 to 1.9 under the same training.
   * The kernels move, yet every singular value of the body's Jacobian stays 1.
   */
  @Test
  void aSkewOrthogonalConvBodyKeepsEverySingularValueAtOneThroughConstrainedTraining() {
    SplittableRandom rng = new SplittableRandom(3);
    List<Layer> layers = new ArrayList<>();
    int[][] convs = {{4, 4}, {4, 4}, {4, 6}};
    for (int i = 0; i < convs.length; i++) {
      SkewOrthogonalConv soc = new SkewOrthogonalConv("c" + i, convs[i][0], SIDE, SIDE, convs[i][1], 3,
          DataType.DOUBLE);
      soc.initialize(BodyConfig.SOC_KERNEL_INIT, rng);
      layers.add(soc);
      if (i < convs.length - 1) {
        layers.add(GroupSort.maxMin("a" + i, soc.outSize()));
      }
    }
    Sequential net = new Sequential("torso", layers);
    INDArray probe = RandomArrays.gaussian(new SplittableRandom(9), DataType.DOUBLE, 1, net.inSize());
    for (double v : Spectral.singularValues(Jacobians.inputOutput(net, probe))) {
      assertEquals(1.0, v, 1e-10, "at init");
    }
    double[] before = net.layersOf(SkewOrthogonalConv.class).stream()
        .mapToDouble(l -> l.weight().value().norm2Number().doubleValue()).toArray();
    DeltaOrthogonalTest.train(net, 30, true);
    for (double v : Spectral.singularValues(Jacobians.inputOutput(net, probe))) {
      assertEquals(1.0, v, 1e-10, "after 30 constrained steps");
    }
    List<SkewOrthogonalConv> socs = net.layersOf(SkewOrthogonalConv.class);
    for (int i = 0; i < socs.size(); i++) {
      double after = socs.get(i).weight().value().norm2Number().doubleValue();
      assertTrue(Math.abs(after - before[i]) > 0.1, socs.get(i).name() + ": the kernel moved, norm "
          + before[i] + " → " + after);
    }
  }

  /**
   * The isometry monitor takes a skew-orthogonal conv's Jacobian once per measurement ({@link
   * SkewOrthogonalConv#jacobian}, by its forward of the identity): the body's spectrum equals the
   * singular values of the body's Jacobian built by backpropagating unit vectors at each probe.
   */
  @Test
  void theIsometryMonitorsBodySpectrumMatchesTheBodysJacobianByBackpropagation() {
    SplittableRandom rng = new SplittableRandom(31);
    SkewOrthogonalConv soc = layer(2, 4, 0.3, 4);
    Dense dense = new Dense("d", soc.outSize(), 6, false, DataType.DOUBLE);
    Init.orthogonal(1.0).apply(dense, rng);
    Dense head = new Dense("h", 6, 2, true, DataType.DOUBLE);
    Init.orthogonal(1.0).apply(head, rng);
    List<Layer> body = List.of(soc, GroupSort.maxMin("a", soc.outSize()), dense, new Tanh("t", 6));
    List<Layer> all = new ArrayList<>(body);
    all.add(head);
    Sequential net = new Sequential("n", all);
    INDArray probes = RandomArrays.gaussian(rng, DataType.DOUBLE, 3, net.inSize());
    double[] monitored = dev.isoplast.monitor.JacobianSpectra.measure(net, probes, 3).body().sigmas().clone();
    Sequential bodyOnly = new Sequential("b", body);
    List<Double> direct = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      for (double v : Spectral.singularValues(Jacobians.inputOutput(bodyOnly, probes.getRow(r)))) {
        direct.add(v);
      }
    }
    double[] expected = direct.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    java.util.Arrays.sort(monitored);
    assertEquals(expected.length, monitored.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], monitored[i], 1e-10, "singular value " + i);
    }
    INDArray j = soc.jacobian();
    INDArray x = probes.getRow(0, true);
    INDArray viaBackward = Jacobians.inputOutput(soc, x);
    assertEquals(0.0, j.sub(viaBackward).amaxNumber().doubleValue(), 1e-12, "jacobian() = backpropagated Jacobian");
  }

  @Test
  void aConvOrthogonalBodyIsTheMinAtarTorsoOfSkewOrthogonalConvsAndRefusesTheNatureCnn() {
    BodyConfig body = new BodyConfig(BodyConfig.Kind.CONV_ORTHOGONAL, List.of(), null, false, null);
    Sequential net = Networks.build("q", new int[] {4, 10, 10}, body, 6, Init.orthogonal(1.0),
        new SplittableRandom(1), DataType.DOUBLE);
    SkewOrthogonalConv soc = (SkewOrthogonalConv) net.layer(0);
    assertEquals(4, soc.inChannels());
    assertEquals(16, soc.channels());
    assertTrue(net.layer(1) instanceof GroupSort);
    assertEquals(16 * 10 * 10, net.layer(3).inSize(), "the Dense after the flatten reads 16 × 10 × 10");
    assertEquals(128, net.layer(3).outSize());
    assertEquals(soc.inSize(), net.inSize());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Networks.build("q",
        new int[] {4, 84, 84}, body, 6, Init.orthogonal(1.0), new SplittableRandom(1), DataType.DOUBLE));
    assertTrue(e.getMessage().contains("Nature CNN"), e.getMessage());
    Sequential copy = Networks.copy(net, DataType.FLOAT);
    INDArray x = RandomArrays.gaussian(new SplittableRandom(2), DataType.DOUBLE, 2, net.inSize());
    double gap = copy.forward(x.castTo(DataType.FLOAT)).castTo(DataType.DOUBLE).sub(net.forward(x))
        .amaxNumber().doubleValue();
    assertTrue(gap < 1e-4, "the float32 copy computes the same network, gap " + gap);
  }
}
