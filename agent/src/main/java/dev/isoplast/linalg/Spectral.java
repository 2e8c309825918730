package dev.isoplast.linalg;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The project's one place for spectra: eigenvalues of symmetric matrices (the empirical NTK, Gram
 * matrices) and singular values (layer and input–output Jacobians, weights, features), in float64
 * through LAPACK ({@code dsyev} with jobz = 'N', {@code dgesvd} with jobu = jobvt = 'N': values
 * only, no vectors) as nd4j-native bundles it with OpenBLAS. Results are sorted in descending order.
 *
 * <p>Why LAPACK rather than commons-math3: the monitors decompose a 256×256 NTK and 64-wide
 * Jacobians on every measurement. Measured on this 2-core machine (under load, medians): the
 * eigenvalues of a 256×256 matrix take 13 ms through {@code dsyev} against 177 ms through
 * commons-math3's {@code EigenDecomposition}, which always accumulates eigenvectors; the singular
 * values of a 64×64 matrix take well under a millisecond against 12–24 ms for its
 * {@code SingularValueDecomposition}. Both agree to round-off (1e-14) on the tested matrices.
 * Matrices larger than 256 in either dimension (a conv layer's Jacobian) do not go through
 * {@code dgesvd}: through ND4J it returned wrong values for an 800 × 400 matrix (issue 24, found
 * measuring conv bodies); their singular values are √λ of the smaller Gram matrix by {@code dsyev}.
 */
public final class Spectral {

  private Spectral() {}

  /**
   * Eigenvalues of a symmetric matrix, descending. The input is symmetrised as (A + Aᵀ)/2 first, so
   * round-off asymmetry (as from a float32 Gram matrix) cannot matter.
   *
   * @throws IllegalArgumentException if {@code a} is not square
   */
  public static double[] symmetricEigenvalues(double[][] a) {
    int n = a.length;
    double[] s = new double[n * n];
    for (int i = 0; i < n; i++) {
      if (a[i].length != n) {
        throw new IllegalArgumentException("symmetric eigenvalues need a square matrix, got " + n + "×" + a[i].length);
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        s[i * n + j] = 0.5 * (a[i][j] + a[j][i]);
      }
    }
    return eigenvaluesOfSymmetric(Nd4j.create(s, new long[] {n, n}, 'f'));
  }

  /** {@link #symmetricEigenvalues(double[][])} of a 2-D array (any dtype). */
  public static double[] symmetricEigenvalues(INDArray a) {
    requireMatrix(a);
    if (a.rows() != a.columns()) {
      throw new IllegalArgumentException("symmetric eigenvalues need a square matrix, got " + a.rows() + "×"
          + a.columns());
    }
    INDArray d = float64ColumnMajor(a);
    INDArray s = float64ColumnMajor(d.transpose());
    return eigenvaluesOfSymmetric(s.addi(d).muli(0.5));
  }

  /** The min(rows, cols) singular values of a [rows][cols] matrix, descending. */
  public static double[] singularValues(double[][] a) {
    if (a.length == 0 || a[0].length == 0) {
      throw new IllegalArgumentException("singular values need a non-empty matrix");
    }
    return singularValues(Nd4j.create(a));
  }

  /** {@link #singularValues(double[][])} of a 2-D array (any dtype). */
  public static double[] singularValues(INDArray a) {
    requireMatrix(a);
    if (a.length() == 0) {
      throw new IllegalArgumentException("singular values need a non-empty matrix");
    }
    if (Math.max(a.rows(), a.columns()) > GESVD_MAX) {
      // ND4J's dgesvd returned wrong, run-to-run different values for an 800×400 matrix (either
      // orientation; SpectralTest, against commons-math3): σ = √λ of the smaller Gram matrix by
      // dsyev instead, which loses accuracy only for σ below ~1e-8 σ_max
      INDArray d = float64ColumnMajor(a);
      INDArray gram = a.rows() > a.columns() ? d.transpose().mmul(d) : d.mmul(d.transpose());
      double[] lambda = symmetricEigenvalues(gram);
      double[] sigma = new double[lambda.length];
      for (int i = 0; i < lambda.length; i++) {
        sigma[i] = Math.sqrt(Math.max(0, lambda[i]));
      }
      return sigma;
    }
    return singularValuesOf(float64ColumnMajor(a));
  }

  /**
   * The largest dimension decomposed by dgesvd directly (checked against commons-math3 up to
   * 256 × 64 and 100 × 400); larger matrices go through their Gram matrix.
   */
  private static final long GESVD_MAX = 256;

  /** dsyev on a float64 column-major scratch copy (overwritten). */
  private static double[] eigenvaluesOfSymmetric(INDArray scratch) {
    INDArray values = Nd4j.create(DataType.DOUBLE, scratch.rows());
    int info = Nd4j.getBlasWrapper().lapack().syev('N', 'U', scratch, values);
    if (info != 0) {
      throw new ArithmeticException("LAPACK dsyev failed to converge (info " + info + ") on a "
          + scratch.rows() + "×" + scratch.rows() + " matrix");
    }
    return descending(values.toDoubleVector());
  }

  /** dgesvd on a float64 column-major scratch copy (overwritten). */
  private static double[] singularValuesOf(INDArray scratch) {
    INDArray values = Nd4j.create(DataType.DOUBLE, Math.min(scratch.rows(), scratch.columns()));
    Nd4j.getBlasWrapper().lapack().gesvd(scratch, values, null, null);
    return descending(values.toDoubleVector());
  }

  /** A new float64 column-major copy, the layout LAPACK works in. */
  private static INDArray float64ColumnMajor(INDArray a) {
    return Nd4j.create(DataType.DOUBLE, new long[] {a.rows(), a.columns()}, 'f').assign(a);
  }

  private static void requireMatrix(INDArray a) {
    if (a.rank() != 2) {
      throw new IllegalArgumentException("expected a matrix, got rank " + a.rank());
    }
  }

  private static double[] descending(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    for (int i = 0, j = s.length - 1; i < j; i++, j--) {
      double t = s[i];
      s[i] = s[j];
      s[j] = t;
    }
    return s;
  }
}
