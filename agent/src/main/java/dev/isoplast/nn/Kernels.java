package dev.isoplast.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Row-broadcast loops that run faster as one Java pass over the arrays' memory than as an ND4J op
 * at the sizes of RL networks (measured on nd4j-native 1.0.0-M2.1, 2 cores, float32, [128, 64]:
 * {@code addiRowVector} 36 µs against 5 µs here; a column sum by gemm with a row of ones 25 µs
 * against 5 µs). Non-contiguous arguments fall back to the ND4J op.
 */
final class Kernels {

  private Kernels() {}

  /** Multiply-adds up to which {@link #smallAffine} works in Java: the rollout's layers on a few envs' rows. */
  public static final int SMALL_AFFINE_MAX = 20_000;

  /** {@link #SMALL_AFFINE_MAX}, or the system property {@link Dense#SMALL_AFFINE_PROPERTY} when set. */
  static int smallAffineMax() {
    return Integer.getInteger(Dense.SMALL_AFFINE_PROPERTY, SMALL_AFFINE_MAX);
  }

  /**
   * z = x Wᵀ + b (x [rows, in], W [out, in], b [out]) as one Java pass when the product is small
   * (rows · in · out ≤ {@code max}, {@link #smallAffineMax()} for a layer) and every array is
   * contiguous FLOAT; returns
   * false, having done nothing, otherwise. An ND4J gemm costs ≈ 13–50 µs whatever its size
   * (docs/performance.md), a 4 × 64 × 64 product in Java a few µs: PPO's rollout makes three such
   * products per network per env step. Each output is summed over k in order in float32, so the
   * result differs from BLAS's in the last bits (another summation order), never between runs.
   */
  static boolean smallAffine(INDArray x, INDArray w, INDArray b, INDArray z, int max) {
    // (the row of x and W are copied into this thread's scratch arrays, HostArrays.floatScratch:
    // allocating them per call was 58% of the bytes a PPO run allocated, which made G1 grow its
    // heap over a long run)
    int rows = (int) x.rows();
    int in = (int) x.columns();
    int out = (int) w.rows();
    if ((long) rows * in * out > max || x.dataType() != DataType.FLOAT || !HostArrays.isContiguous(x)
        || !HostArrays.isContiguous(w) || !HostArrays.isContiguous(b) || !HostArrays.isContiguous(z)) {
      return false;
    }
    FloatBuffer xf = HostArrays.floats(x);
    FloatBuffer wf = HostArrays.floats(w);
    FloatBuffer bf = HostArrays.floats(b);
    FloatBuffer zf = HostArrays.floats(z);
    float[] xr = HostArrays.floatScratch(0, in);
    float[] wr = HostArrays.floatScratch(1, in * out);
    float[] br = HostArrays.floatScratch(2, out);
    float[] zr = HostArrays.floatScratch(3, out);
    wf.get(0, wr, 0, in * out);
    bf.get(0, br, 0, out);
    for (int r = 0; r < rows; r++) {
      xf.get(r * in, xr, 0, in);
      for (int o = 0, base = 0; o < out; o++, base += in) {
        float acc = 0f;
        for (int k = 0; k < in; k++) {
          acc += xr[k] * wr[base + k];
        }
        zr[o] = acc + br[o];
      }
      zf.put(r * out, zr, 0, out);
    }
    return true;
  }

  /** {@code z[r, c] += b[c]} for every row r; z is [rows, cols] and owned (contiguous). */
  static void addRowVector(INDArray z, INDArray b) {
    int rows = (int) z.rows();
    int cols = (int) z.columns();
    if (!HostArrays.isContiguous(b)) {
      z.addiRowVector(b);
      return;
    }
    int per = Math.max(1, HostArrays.CHUNK / cols) * cols; // whole rows per chunk
    int n = rows * cols;
    if (z.dataType() == DataType.FLOAT) {
      FloatBuffer zf = HostArrays.floats(z);
      float[] ba = HostArrays.floatScratch(0, cols);
      float[] za = HostArrays.floatScratch(1, per);
      HostArrays.floats(b).get(0, ba, 0, cols);
      for (int off = 0; off < n; off += per) {
        int k = Math.min(per, n - off);
        zf.get(off, za, 0, k);
        for (int o = 0; o < k; o += cols) {
          for (int c = 0; c < cols; c++) {
            za[o + c] += ba[c];
          }
        }
        zf.put(off, za, 0, k);
      }
    } else {
      DoubleBuffer zd = HostArrays.doubles(z);
      double[] ba = HostArrays.doubleScratch(0, cols);
      double[] za = HostArrays.doubleScratch(1, per);
      HostArrays.doubles(b).get(0, ba, 0, cols);
      for (int off = 0; off < n; off += per) {
        int k = Math.min(per, n - off);
        zd.get(off, za, 0, k);
        for (int o = 0; o < k; o += cols) {
          for (int c = 0; c < cols; c++) {
            za[o + c] += ba[c];
          }
        }
        zd.put(off, za, 0, k);
      }
    }
  }

  /**
   * {@code acc[c] += Σ_r g[r, c]} (a bias gradient); acc is a contiguous vector of g's columns.
   * Falls back to a gemm with {@code onesRow [1, rows]} into {@code accRow} (acc viewed as [1, cols])
   * when g is not contiguous.
   */
  static void addColumnSums(INDArray g, INDArray acc, INDArray onesRow, INDArray accRow) {
    if (!HostArrays.isContiguous(g) || g.dataType() != acc.dataType()) {
      Gemm.gemm(onesRow, g, accRow, false, false, 1.0, 1.0);
      return;
    }
    int rows = (int) g.rows();
    int cols = (int) g.columns();
    int per = Math.max(1, HostArrays.CHUNK / cols) * cols; // whole rows per chunk
    int n = rows * cols;
    if (g.dataType() == DataType.FLOAT) {
      FloatBuffer gf = HostArrays.floats(g);
      FloatBuffer af = HostArrays.floats(acc);
      float[] aa = HostArrays.floatScratch(0, cols);
      float[] ga = HostArrays.floatScratch(1, per);
      af.get(0, aa, 0, cols);
      for (int off = 0; off < n; off += per) {
        int k = Math.min(per, n - off);
        gf.get(off, ga, 0, k);
        for (int o = 0; o < k; o += cols) {
          for (int c = 0; c < cols; c++) {
            aa[c] += ga[o + c];
          }
        }
      }
      af.put(0, aa, 0, cols);
    } else {
      DoubleBuffer gd = HostArrays.doubles(g);
      DoubleBuffer ad = HostArrays.doubles(acc);
      double[] aa = HostArrays.doubleScratch(0, cols);
      double[] ga = HostArrays.doubleScratch(1, per);
      ad.get(0, aa, 0, cols);
      for (int off = 0; off < n; off += per) {
        int k = Math.min(per, n - off);
        gd.get(off, ga, 0, k);
        for (int o = 0; o < k; o += cols) {
          for (int c = 0; c < cols; c++) {
            aa[c] += ga[o + c];
          }
        }
      }
      ad.put(0, aa, 0, cols);
    }
  }
}
