package dev.isoplast.optim;

import dev.isoplast.nn.Gemm;
import java.util.IdentityHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The isometry penalty of one weight W ∈ R^{out×in}: the one place this math lives, used by AdamO
 * (decoupled) and by the coupled Parseval regularizer.
 *
 * <pre>
 *   Gram.AUTO  (AdamO, DESIGN.md §6):  R(W) = ‖WᵀW − sI‖²_F if out ≥ in, else ‖WWᵀ − sI‖²_F
 *                                       ∇R = 4 W (WᵀW − sI),  resp.  4 (WWᵀ − sI) W
 *   Gram.ROWS  (Parseval, Chung et al. 2024):  R(W) = ‖WWᵀ − sI‖²_F,  ∇R = 4 (WWᵀ − sI) W
 * </pre>
 *
 * AUTO uses the min(out, in)-sized Gram matrix so that the target is reachable: an out×in matrix
 * can have orthonormal columns (out ≥ in) or orthonormal rows (out &lt; in), not both.
 * Buffers are preallocated per weight array, so repeated calls allocate nothing.
 */
public final class IsometryPenalty {

  /** Which Gram matrix is pushed to sI. */
  public enum Gram {
    AUTO,
    ROWS
  }

  private final Gram gram;
  private final double scale;
  private final Map<INDArray, INDArray[]> buffers = new IdentityHashMap<>();

  public IsometryPenalty(Gram gram, double scale) {
    this.gram = gram;
    this.scale = scale;
  }

  private boolean columns(INDArray w) {
    return gram == Gram.AUTO && w.rows() >= w.columns();
  }

  /** [G, sI] for w: G is the Gram buffer, filled by {@link #gramMinusTarget}. */
  private INDArray[] buffers(INDArray w) {
    return buffers.computeIfAbsent(w, k -> {
      long n = columns(k) ? k.columns() : k.rows();
      return new INDArray[] {Nd4j.zeros(k.dataType(), n, n), Nd4j.eye(n).castTo(k.dataType()).muli(scale)};
    });
  }

  /** G − sI for w, in a buffer owned by this penalty. */
  private INDArray gramMinusTarget(INDArray w) {
    INDArray[] b = buffers(w);
    if (columns(w)) {
      Gemm.gemm(w, w, b[0], true, false, 1.0, 0.0); // WᵀW
    } else {
      Gemm.gemm(w, w, b[0], false, true, 1.0, 0.0); // WWᵀ
    }
    return b[0].subi(b[1]);
  }

  /** R(W). */
  public double value(INDArray w) {
    double f = gramMinusTarget(w).norm2Number().doubleValue();
    return f * f;
  }

  /**
   * out ← alpha ∇R(W) + beta out (out has W's shape); returns R(W), computed on the way.
   */
  public double gradient(INDArray w, INDArray out, double alpha, double beta) {
    INDArray d = gramMinusTarget(w);
    double f = d.norm2Number().doubleValue();
    if (columns(w)) {
      Gemm.gemm(w, d, out, false, false, 4 * alpha, beta); // 4 W (WᵀW − sI)
    } else {
      Gemm.gemm(d, w, out, false, false, 4 * alpha, beta); // 4 (WWᵀ − sI) W
    }
    return f * f;
  }

  /**
   * out ← W Wᵀ W, in the cheaper order (W (WᵀW) if out ≥ in, else (WWᵀ) W). Both gradient forms
   * above equal 4 (W Wᵀ W − s W), which is how AdamO applies the step with two matrix products
   * and no subtraction pass.
   */
  public void cubic(INDArray w, INDArray out) {
    INDArray g = buffers(w)[0];
    if (w.rows() >= w.columns()) {
      Gemm.gemm(w, w, g, true, false, 1.0, 0.0);
      Gemm.gemm(w, g, out, false, false, 1.0, 0.0);
    } else {
      Gemm.gemm(w, w, g, false, true, 1.0, 0.0);
      Gemm.gemm(g, w, out, false, false, 1.0, 0.0);
    }
  }

  public double scale() {
    return scale;
  }

  /** ‖G − sI‖_F, the distance from isometry that tests and monitors report. */
  public double distance(INDArray w) {
    return Math.sqrt(value(w));
  }
}
