package dev.isoplast.linalg;

import java.util.Arrays;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The project's one place for spectra: eigenvalues of symmetric matrices (the empirical NTK, Gram
 * matrices) and singular values (layer and input–output Jacobians, weights), in float64 through
 * commons-math3 ({@link EigenDecomposition}, {@link SingularValueDecomposition}). Results are sorted
 * in descending order.
 */
public final class Spectral {

  private Spectral() {}

  /**
   * Eigenvalues of a symmetric matrix, descending. The input is symmetrised as (A + Aᵀ)/2 first, so
   * round-off asymmetry (as from a float32 Gram matrix) does not push the solver onto its
   * non-symmetric path.
   *
   * @throws IllegalArgumentException if {@code a} is not square
   */
  public static double[] symmetricEigenvalues(double[][] a) {
    int n = a.length;
    double[][] s = new double[n][];
    for (int i = 0; i < n; i++) {
      if (a[i].length != n) {
        throw new IllegalArgumentException("symmetric eigenvalues need a square matrix, got " + n + "×" + a[i].length);
      }
      s[i] = new double[n];
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        s[i][j] = 0.5 * (a[i][j] + a[j][i]);
      }
    }
    double[] ev = new EigenDecomposition(new Array2DRowRealMatrix(s, false)).getRealEigenvalues();
    return descending(ev);
  }

  /** {@link #symmetricEigenvalues(double[][])} of a 2-D array. */
  public static double[] symmetricEigenvalues(INDArray a) {
    return symmetricEigenvalues(toMatrix(a));
  }

  /** The min(rows, cols) singular values of a [rows][cols] matrix, descending. */
  public static double[] singularValues(double[][] a) {
    if (a.length == 0 || a[0].length == 0) {
      throw new IllegalArgumentException("singular values need a non-empty matrix");
    }
    return descending(new SingularValueDecomposition(new Array2DRowRealMatrix(a, false)).getSingularValues());
  }

  /** {@link #singularValues(double[][])} of a 2-D array. */
  public static double[] singularValues(INDArray a) {
    return singularValues(toMatrix(a));
  }

  private static double[][] toMatrix(INDArray a) {
    if (a.rank() != 2) {
      throw new IllegalArgumentException("expected a matrix, got rank " + a.rank());
    }
    return a.castTo(DataType.DOUBLE).toDoubleMatrix();
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
