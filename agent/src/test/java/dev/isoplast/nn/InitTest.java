package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runs in the default float32: the orthogonality bound 1e-5 must hold for the dtype agents train in. */
class InitTest {

  @Test
  void orthogonalDenseHasOrthonormalColumnsOrRows() {
    int[][] shapes = {{64, 32}, {32, 64}, {64, 64}};
    for (int[] s : shapes) {
      int out = s[0];
      int in = s[1];
      Dense d = new Dense("d", in, out, false, DataType.FLOAT);
      Init.orthogonal(1.0).apply(d, new SplittableRandom(1));
      INDArray w = d.weight().value();
      // WᵀW [in, in] when out ≥ in, else WWᵀ [out, out]
      INDArray gram = out >= in ? w.transpose().mmul(w) : w.mmul(w.transpose());
      INDArray eye = Nd4j.eye(Math.min(out, in)).castTo(DataType.FLOAT);
      double err = gram.sub(eye).amaxNumber().doubleValue();
      assertTrue(err < 1e-5, out + "×" + in + ": max |G − I| = " + err);
      assertEquals(0, d.bias().value().amaxNumber().doubleValue(), 0);
    }
  }

  @Test
  void orthogonalGainScalesTheGram() {
    double[][] w = Init.orthogonal(3, 5, 0.5, new SplittableRandom(2));
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        double dot = 0;
        for (int k = 0; k < 5; k++) {
          dot += w[i][k] * w[j][k];
        }
        assertEquals(i == j ? 0.25 : 0, dot, 1e-12);
      }
    }
  }

  @Test
  void orthogonalIsReproducibleForASeedAndDiffersAcrossSeeds() {
    double[][] a = Init.orthogonal(16, 8, 1.0, new SplittableRandom(42));
    double[][] b = Init.orthogonal(16, 8, 1.0, new SplittableRandom(42));
    double[][] c = Init.orthogonal(16, 8, 1.0, new SplittableRandom(43));
    for (int i = 0; i < 16; i++) {
      assertArrayEquals(a[i], b[i], 0);
    }
    double diff = 0;
    for (int i = 0; i < 16; i++) {
      for (int j = 0; j < 8; j++) {
        diff = Math.max(diff, Math.abs(a[i][j] - c[i][j]));
      }
    }
    assertTrue(diff > 0.1, "seeds 42 and 43 gave nearly the same matrix");
  }

  @Test
  void signCorrectionMakesTheFirstColumnUnbiased() {
    // Without the sign(diag R) correction, Householder QR fixes the sign of R's diagonal, which
    // biases Q's entries; with it, Q is Haar-distributed and every entry has mean 0. Averaged over
    // 2000 draws, the mean of Q[0][0] has standard error 1/√(4·2000) ≈ 0.011.
    SplittableRandom rng = new SplittableRandom(3);
    double sum = 0;
    int draws = 2000;
    for (int t = 0; t < draws; t++) {
      sum += Init.orthogonal(4, 4, 1.0, rng)[0][0];
    }
    assertEquals(0, sum / draws, 0.05);
  }

  @Test
  void uniformInitsMatchTheirBoundsAndVariance() {
    int out = 200;
    int in = 50;
    double kaiming = Init.kaimingUniformBound(in, Init.RELU_GAIN);
    assertEquals(Math.sqrt(6.0 / in), kaiming, 1e-15);
    assertEquals(Math.sqrt(6.0 / (in + out)), Init.xavierUniformBound(in, out, 1.0), 1e-15);
    assertEquals(1 / Math.sqrt(in), Init.torchDefaultBound(in), 1e-15);
    checkUniform(Init.kaimingUniform(Init.RELU_GAIN).weights(out, in, new SplittableRandom(4)), kaiming);
    checkUniform(Init.xavierUniform(2.0).weights(out, in, new SplittableRandom(5)),
        2.0 * Math.sqrt(6.0 / (in + out)));
    checkUniform(Init.torchDefault().weights(out, in, new SplittableRandom(6)), 1 / Math.sqrt(in));
  }

  /** Max |w| within the bound and near it; variance bound²/3 within 5% (10 000 draws: s.e. ≈ 1.1%). */
  private static void checkUniform(double[][] w, double bound) {
    double max = 0;
    double sq = 0;
    int n = 0;
    for (double[] row : w) {
      for (double v : row) {
        max = Math.max(max, Math.abs(v));
        sq += v * v;
        n++;
      }
    }
    assertTrue(max <= bound && max > 0.99 * bound, "max " + max + " for bound " + bound);
    assertEquals(bound * bound / 3, sq / n, 0.05 * bound * bound / 3);
  }

  @Test
  void biasesAreZeroExceptForTorchDefault() {
    Dense d = new Dense("d", 9, 400, false, DataType.FLOAT);
    Init.kaimingUniform(1.0).apply(d, new SplittableRandom(7));
    assertEquals(0, d.bias().value().amaxNumber().doubleValue(), 0);
    Init.torchDefault().apply(d, new SplittableRandom(7));
    double max = d.bias().value().amaxNumber().doubleValue();
    assertTrue(max <= 1 / 3.0 && max > 0.95 / 3, "bias bound 1/√9, max " + max);
  }

  @Test
  void validatesSchemeAndGain() {
    assertEquals(Init.Scheme.KAIMING_UNIFORM, Init.Scheme.fromName("kaiming_uniform"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.Scheme.fromName("he"));
    assertEquals("init must be one of [orthogonal, kaiming_uniform, xavier_uniform, torch_default, delta_orthogonal], got 'he'",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Init.orthogonal(-1));
    assertThrows(IllegalArgumentException.class, () -> new Init(Init.Scheme.TORCH_DEFAULT, 2));
    assertFalse(Init.orthogonal(1).equals(Init.orthogonal(2)));
  }

  @Test
  void aFreshRowIsDistributedAsARowOfAWholeDraw() {
    SplittableRandom rng = new SplittableRandom(12);
    int draws = 3000;
    for (int[] shape : new int[][] {{16, 4}, {4, 16}, {8, 8}}) {
      int out = shape[0];
      int in = shape[1];
      Init init = Init.orthogonal(1.5);
      double rowSq = 0;
      double firstSq = 0;
      for (int k = 0; k < draws; k++) {
        double[] r = init.row(out, in, rng);
        assertEquals(in, r.length);
        double sq = 0;
        for (double v : r) {
          sq += v * v;
        }
        if (out <= in) {
          assertEquals(1.5 * 1.5, sq, 1e-12, "orthonormal rows: every row has norm gain");
        }
        rowSq += sq / draws;
        firstSq += r[0] * r[0] / draws;
      }
      // the same moments from rows of whole matrices: E‖row‖² = gain² min(out, in)/out, E w² = gain²/max(out, in)
      double wholeSq = 0;
      int mats = 400;
      for (int k = 0; k < mats; k++) {
        double[][] w = Init.orthogonal(out, in, 1.5, rng);
        for (double v : w[k % out]) {
          wholeSq += v * v / mats;
        }
      }
      double expected = 1.5 * 1.5 * Math.min(out, in) / out;
      assertEquals(expected, rowSq, 0.03 * expected, "fresh rows " + out + "x" + in);
      assertEquals(expected, wholeSq, 0.08 * expected, "rows of whole draws " + out + "x" + in);
      assertEquals(1.5 * 1.5 / Math.max(out, in), firstSq, 0.1 * 1.5 * 1.5 / Math.max(out, in));
    }
    double bound = Init.kaimingUniformBound(10, Init.RELU_GAIN);
    double[] r = Init.kaimingUniform(Init.RELU_GAIN).row(5, 10, rng);
    for (double v : r) {
      assertTrue(Math.abs(v) <= bound);
    }
  }
}
