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

  /** The Java arrays {@link #smallAffine} copies a row of x and W into, per thread, grown as needed. */
  private static final ThreadLocal<float[][]> AFFINE_SCRATCH =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

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
    // (the row of x and W are copied into this thread's scratch arrays: allocating them per call
    // was 58% of the bytes a PPO run allocated, which made G1 grow its heap over a long run)
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
    float[][] scratch = AFFINE_SCRATCH.get();
    if (scratch[0].length < in) {
      scratch[0] = new float[in];
    }
    if (scratch[1].length < in * out) {
      scratch[1] = new float[in * out];
    }
    float[] xr = scratch[0];
    float[] wr = scratch[1];
    wf.get(0, wr, 0, in * out);
    for (int r = 0; r < rows; r++) {
      xf.get(r * in, xr, 0, in);
      for (int o = 0, base = 0; o < out; o++, base += in) {
        float acc = 0f;
        for (int k = 0; k < in; k++) {
          acc += xr[k] * wr[base + k];
        }
        zf.put(r * out + o, acc + bf.get(o));
      }
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
    if (z.dataType() == DataType.FLOAT) {
      FloatBuffer zf = HostArrays.floats(z);
      FloatBuffer bf = HostArrays.floats(b);
      for (int r = 0, o = 0; r < rows; r++, o += cols) {
        for (int c = 0; c < cols; c++) {
          zf.put(o + c, zf.get(o + c) + bf.get(c));
        }
      }
    } else {
      DoubleBuffer zd = HostArrays.doubles(z);
      DoubleBuffer bd = HostArrays.doubles(b);
      for (int r = 0, o = 0; r < rows; r++, o += cols) {
        for (int c = 0; c < cols; c++) {
          zd.put(o + c, zd.get(o + c) + bd.get(c));
        }
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
    if (g.dataType() == DataType.FLOAT) {
      FloatBuffer gf = HostArrays.floats(g);
      FloatBuffer af = HostArrays.floats(acc);
      for (int r = 0, o = 0; r < rows; r++, o += cols) {
        for (int c = 0; c < cols; c++) {
          af.put(c, af.get(c) + gf.get(o + c));
        }
      }
    } else {
      DoubleBuffer gd = HostArrays.doubles(g);
      DoubleBuffer ad = HostArrays.doubles(acc);
      for (int r = 0, o = 0; r < rows; r++, o += cols) {
        for (int c = 0; c < cols; c++) {
          ad.put(c, ad.get(c) + gd.get(o + c));
        }
      }
    }
  }
}
