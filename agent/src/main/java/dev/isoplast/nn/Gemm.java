package dev.isoplast.nn;

import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every matrix product of the learners, with the thread policy of DESIGN.md §16: one BLAS thread
 * for a product below {@link #THREADED_MIN} multiply-adds, every thread OpenBLAS was given (its
 * default, or {@code OMP_NUM_THREADS}/{@code OPENBLAS_NUM_THREADS} as a sweep sets for its cells)
 * above.
 *
 * <p>Why: OpenBLAS splits even a 16 × 784 × 100 product over both cores, and its threads meet by
 * spinning on {@code sched_yield}: in a Permuted-MNIST run (batch 16, 784-100-100-10) most of the
 * forward pass's samples were that spinning, the idle worker kept yielding between products (the
 * kernel time of issue 20's table), and on a loaded machine a threaded small product took 2–10×
 * as long as the same product on one thread (docs/performance.md, "Thread policy"). Products the
 * size of the paper net's isometry step (512³) gain from both cores. The number of threads does
 * not change a result: OpenBLAS divides the output's rows and columns among its threads, never
 * the sum over k.
 *
 * <p>The setting is changed only when a product needs the other one, so a run of small products
 * costs no call at all; other ND4J products ({@code mmul}) run with whatever the last product here
 * left (they are all small: monitors' vectors and Jacobians).
 */
public final class Gemm {

  /**
   * Multiply-adds (m·n·k) from which a product uses every BLAS thread: 2²⁴ ≈ 16.8M, so the paper
   * net's layers at batch 16 (16 × 512 × 512 ≈ 4.2M, 16 × 784 × 512 ≈ 6.4M) run on one thread and
   * AdamO's 512 × 512 × 512 products on all (measured: docs/performance.md, "Thread policy").
   */
  public static final long THREADED_MIN = 1L << 24;

  private static final Blas BLAS = Nd4j.factory().blas();
  private static final int ALL = Math.max(1, BLAS.getMaxThreads());
  private static int current = ALL;

  private Gemm() {}

  /**
   * c ← α op(a) op(b) + β c, as {@link Nd4j#gemm(INDArray, INDArray, INDArray, boolean, boolean,
   * double, double)}, on one BLAS thread or all of them by the size of the product.
   */
  public static void gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha,
      double beta) {
    long k = transposeA ? a.size(0) : a.size(1);
    useThreadsFor(c.size(0) * c.size(1) * k);
    Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
  }

  /** The BLAS threads a product of {@code multiplyAdds} gets: 1 below {@link #THREADED_MIN}, else all. */
  static int threadsFor(long multiplyAdds) {
    return multiplyAdds >= THREADED_MIN ? ALL : 1;
  }

  private static synchronized void useThreadsFor(long multiplyAdds) {
    int want = threadsFor(multiplyAdds);
    if (want != current) {
      BLAS.setMaxThreads(want);
      current = want;
    }
  }
}
