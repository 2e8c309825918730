package dev.isoplast.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isoplast.testing.RandomArrays;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SpectralTest {

  @Test
  void symmetricEigenvaluesByHand() {
    // [[2, 1], [1, 2]] has eigenvectors (1, 1) and (1, −1) with eigenvalues 3 and 1
    assertArrayEquals(new double[] {3, 1}, Spectral.symmetricEigenvalues(new double[][] {{2, 1}, {1, 2}}), 1e-12);
    // a diagonal matrix, out of order, with a negative entry
    assertArrayEquals(new double[] {5, 0.5, -2},
        Spectral.symmetricEigenvalues(new double[][] {{0.5, 0, 0}, {0, -2, 0}, {0, 0, 5}}), 1e-12);
  }

  @Test
  void singularValuesByHand() {
    // [[3, 0], [4, 0]]: AᵀA = [[25, 0], [0, 0]], so σ = (5, 0)
    assertArrayEquals(new double[] {5, 0}, Spectral.singularValues(new double[][] {{3, 0}, {4, 0}}), 1e-12);
    // a 2×3 matrix with orthogonal rows of norms 2 and 1
    assertArrayEquals(new double[] {2, 1}, Spectral.singularValues(new double[][] {{0, 2, 0}, {1, 0, 0}}), 1e-12);
    // a rotation by 30° scaled by 3 has both singular values 3
    double c = Math.cos(Math.PI / 6);
    double s = Math.sin(Math.PI / 6);
    assertArrayEquals(new double[] {3, 3},
        Spectral.singularValues(Nd4j.create(new double[][] {{3 * c, -3 * s}, {3 * s, 3 * c}}).castTo(DataType.FLOAT)),
        1e-6);
  }

  @Test
  void lapackAgreesWithCommonsMathOnRandomMatrices() {
    SplittableRandom rng = new SplittableRandom(7);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 30, 30);
    INDArray sym = x.add(x.transpose());
    double[] reference = new EigenDecomposition(new Array2DRowRealMatrix(sym.toDoubleMatrix())).getRealEigenvalues();
    Arrays.sort(reference);
    double[] got = Spectral.symmetricEigenvalues(sym);
    for (int i = 0; i < 30; i++) {
      assertEquals(reference[29 - i], got[i], 1e-11);
    }
    // a non-symmetric input is symmetrised, not read from one triangle
    assertArrayEquals(got, Spectral.symmetricEigenvalues(x.mul(2)), 1e-11);
    for (long[] shape : new long[][] {{20, 7}, {7, 20}}) {
      INDArray m = RandomArrays.gaussian(rng, DataType.DOUBLE, shape);
      double[] sv = new SingularValueDecomposition(new Array2DRowRealMatrix(m.toDoubleMatrix())).getSingularValues();
      assertArrayEquals(sv, Spectral.singularValues(m), 1e-12, Arrays.toString(shape));
      assertArrayEquals(sv, Spectral.singularValues(m.castTo(DataType.FLOAT)), 1e-5, "float32 input");
    }
  }

  @Test
  void rejectsNonSquareForEigenvalues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Spectral.symmetricEigenvalues(new double[][] {{1, 2, 3}, {4, 5, 6}}));
    assertEquals("symmetric eigenvalues need a square matrix, got 2×3", e.getMessage());
  }

  /**
   * Tall and wide matrices of the sizes the monitors meet (a conv layer's Jacobian [out·H'·W',
   * C·H·W], a probe batch's features [256, d]) against commons-math3's SVD. Found while measuring
   * conv bodies: LAPACK dgesvd through ND4J returned wrong (and run-to-run different) values for
   * tall matrices from about 800 rows, e.g. σ up to 2.4 for rows of a matrix with orthonormal
   * columns, and for 400×800, 600×300 and 256×512 too (the paper net's features on 256 probes:
   * σ_max 86 for 38); apparently LAPACK's QR-first path (one side ≥ 1.6× the other, the smaller ≥
   * ~256); {@link Spectral#singularValues} now takes matrices larger than 256 through their Gram
   * matrix.
   */
  @Test
  void tallAndWideMatricesAgreeWithCommonsMath() {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
    int[][] shapes = {{64, 4}, {256, 64}, {100, 256}, {256, 256}, {300, 100}, {256, 512}, {800, 400}};
    for (int[] shape : shapes) {
      double[][] a = new double[shape[0]][shape[1]];
      for (double[] row : a) {
        for (int j = 0; j < row.length; j++) {
          row[j] = rng.nextGaussian();
        }
      }
      double[] want = new org.apache.commons.math3.linear.SingularValueDecomposition(
          new org.apache.commons.math3.linear.Array2DRowRealMatrix(a, false)).getSingularValues();
      double[] got = Spectral.singularValues(a);
      assertArrayEquals(want, got, 1e-9 * want[0], shape[0] + "×" + shape[1]);
      if (shape[0] == 300) {
        assertArrayEquals(want, Spectral.singularValues(Nd4j.create(a).castTo(DataType.FLOAT)), 1e-5 * want[0],
            "300×100 float32");
      }
    }
  }
}
