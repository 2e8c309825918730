package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam (Kingma &amp; Ba 2015, Algorithm 1, in the form of {@code torch.optim.Adam}). With g the
 * gradient at step t (1-based):
 *
 * <pre>
 *   m ← β1 m + (1 − β1) g
 *   v ← β2 v + (1 − β2) g²
 *   m̂ = m / (1 − β1^t),   v̂ = v / (1 − β2^t)
 *   θ ← θ − η m̂ / (√v̂ + ε)
 * </pre>
 *
 * Defaults β1 = 0.9, β2 = 0.999; ε = 1e-8 (CleanRL's PPO uses ε = 1e-5).
 */
public class Adam extends Optimizer {

  public static final double DEFAULT_BETA1 = 0.9;
  public static final double DEFAULT_BETA2 = 0.999;
  public static final double DEFAULT_EPS = 1e-8;

  protected final double beta1;
  protected final double beta2;
  protected final double eps;

  public Adam(List<Param> params, double learningRate) {
    this(params, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS);
  }

  public Adam(List<Param> params, double learningRate, double beta1, double beta2, double eps) {
    super(params, learningRate, "m", "v");
    this.beta1 = checkUnit("beta1", beta1);
    this.beta2 = checkUnit("beta2", beta2);
    if (!(eps > 0)) {
      throw new IllegalArgumentException("eps must be > 0, got " + eps);
    }
    this.eps = eps;
  }

  @Override
  public String kind() {
    return "adam";
  }

  @Override
  protected void update(Param p, Map<String, INDArray> slots, long t, double lr) {
    adamStep(p, slots, t, lr);
  }

  /** The Adam update of p from its task gradient only; subclasses add decoupled stages around it. */
  protected final void adamStep(Param p, Map<String, INDArray> slots, long t, double lr) {
    INDArray g = p.grad();
    INDArray m = slots.get("m");
    INDArray v = slots.get("v");
    INDArray[] tmp = scratch(p, 2);
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2 = 1 - Math.pow(beta2, t);
    m.muli(beta1);
    axpy(1 - beta1, g, m);
    v.muli(beta2);
    tmp[0].assign(g).muli(g);
    axpy(1 - beta2, tmp[0], v);
    // denominator √v̂ + ε, then the step −(η / bc1) m / denominator
    tmp[0].assign(v).divi(bc2);
    Transforms.sqrt(tmp[0], false).addi(eps);
    tmp[1].assign(m).divi(tmp[0]);
    axpy(-lr / bc1, tmp[1], p.value());
  }
}
