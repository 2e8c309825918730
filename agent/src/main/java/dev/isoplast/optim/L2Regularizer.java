package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * L2 penalties, coupled (added to the loss):
 *
 * <pre>
 *   L2 (weight decay):            λ Σ ‖θ‖²,        ∇ = 2 λ θ
 *   L2-Init (Kumar et al. 2023):  λ Σ ‖θ − θ₀‖²,   ∇ = 2 λ (θ − θ₀)
 * </pre>
 *
 * θ₀ is a copy of the parameters when the regularizer was made ({@link #toInit}); Kumar et al.
 * ("Maintaining Plasticity in Continual Learning via Regenerative Regularization") use λ = 1e-2.
 * Note PyTorch's {@code weight_decay = wd} equals λ = wd / 2 here.
 */
public final class L2Regularizer implements Regularizer {

  private final double lambda;
  private final ParamMask mask;
  private final Map<Param, INDArray> anchors;
  private final Map<Param, INDArray> scratch = new IdentityHashMap<>();

  private L2Regularizer(double lambda, ParamMask mask, Map<Param, INDArray> anchors) {
    this.lambda = Optimizer.checkNonNegative("L2 coefficient λ", lambda);
    this.mask = mask;
    this.anchors = anchors;
  }

  /** λ Σ ‖θ‖² over the masked parameters. */
  public static L2Regularizer toZero(double lambda, ParamMask mask) {
    return new L2Regularizer(lambda, mask, null);
  }

  /** λ Σ ‖θ − θ₀‖², with θ₀ the current values of {@code params}. */
  public static L2Regularizer toInit(double lambda, ParamMask mask, List<Param> params) {
    Map<Param, INDArray> a = new IdentityHashMap<>();
    for (Param p : params) {
      if (mask.test(p)) {
        a.put(p, p.value().dup());
      }
    }
    return new L2Regularizer(lambda, mask, a);
  }

  /** θ − θ₀ (or θ) in a preallocated buffer. */
  private INDArray offset(Param p) {
    if (anchors == null) {
      return p.value();
    }
    INDArray anchor = anchors.get(p);
    if (anchor == null) {
      throw new IllegalArgumentException("L2-Init has no initial value for " + p.name());
    }
    INDArray d = scratch.computeIfAbsent(p, k -> k.value().ulike());
    return d.assign(p.value()).subi(anchor);
  }

  @Override
  public double apply(List<Param> params) {
    double total = 0;
    for (Param p : params) {
      if (mask.test(p)) {
        INDArray d = offset(p);
        double n = d.norm2Number().doubleValue();
        total += n * n;
        Optimizer.axpy(2 * lambda, d, p.grad());
      }
    }
    return lambda * total;
  }

  @Override
  public double value(List<Param> params) {
    double total = 0;
    for (Param p : params) {
      if (mask.test(p)) {
        double n = offset(p).norm2Number().doubleValue();
        total += n * n;
      }
    }
    return lambda * total;
  }

  @Override
  public String name() {
    return anchors == null ? "l2" : "l2_init";
  }
}
