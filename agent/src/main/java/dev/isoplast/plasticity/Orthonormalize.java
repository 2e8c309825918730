package dev.isoplast.plasticity;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.IsometryPenalty;
import dev.isoplast.optim.ParamMask;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keeps an isometric body isometric while it learns: after every gradient step each hidden (body)
 * weight is orthonormalised by {@code iterations} Björck / Newton–Schulz iterations (Björck &amp;
 * Bowie 1971; used for GroupSort networks by Anil, Lucas &amp; Grosse 2019, "Sorting out Lipschitz
 * function approximation", Algorithm 1):
 *
 * <pre>
 *   W ← (1 + β) W − β W Wᵀ W          (β = 0.5)
 * </pre>
 *
 * which drives every singular value of W to 1 (quadratically near 1, for singular values in
 * (0, √3)): W gets orthonormal columns if out ≥ in, orthonormal rows otherwise, so with MaxMin
 * (a permutation Jacobian) the body's Jacobian stays isometric. W Wᵀ W is {@link IsometryPenalty#cubic},
 * the product AdamO's step uses. Heads and biases are left alone. Stateless.
 */
public final class Orthonormalize implements Intervention {

  /**
   * Its keys.
   *
   * @param orthonormalizeIters {@code orthonormalize_iters}: Björck iterations on each hidden weight
   *     after every gradient step (0 = off)
   * @param orthonormalizeBeta {@code orthonormalize_beta}: the Björck step β
   */
  public record Config(int orthonormalizeIters, double orthonormalizeBeta) implements PartConfig {
    public Config {
      ConfigValues.atLeast("orthonormalize_iters", orthonormalizeIters, 0);
      if (!(orthonormalizeBeta > 0 && orthonormalizeBeta <= 1)) {
        throw new IllegalArgumentException("orthonormalize_beta must be in (0, 1], got " + orthonormalizeBeta);
      }
    }

    @Override
    public boolean on() {
      return orthonormalizeIters > 0;
    }
  }

  /** The Björck projection as a method part, with the constrained isometric body's preset. */
  public static final InterventionPart<Config> PART = new InterventionPart<>("orthonormalize", new Config(0, 0.5),
      (c, networks, seed) -> new Orthonormalize(networks, c.orthonormalizeIters(), c.orthonormalizeBeta()),
      List.of(new MethodPreset("isometric-constrained",
          "isometric body kept orthonormal by Björck steps after every update",
          "body = isometric; after each step W ← 1.5W − 0.5WWᵀW, twice, per hidden weight",
          "Anil, Lucas & Grosse 2019 (Björck orthonormalisation of GroupSort networks); 2 iterations chosen here",
          kv("optimizer", "adam", "body", "isometric", "orthonormalize_iters", 2, "orthonormalize_beta", 0.5), kv(),
          Knob.of("orthonormalize_iters", "1 to 5 Björck steps per update around the preset's 2 (Anil et al. 2019 "
              + "use a few); chosen here", 1, 2, 3, 4, 5))));

  private final List<Param> weights = new ArrayList<>();
  private final int iterations;
  private final double beta;
  private final IsometryPenalty penalty = new IsometryPenalty(IsometryPenalty.Gram.AUTO, 1.0);
  private final Map<Param, INDArray> buffers = new IdentityHashMap<>();

  Orthonormalize(Map<String, Sequential> networks, int iterations, double beta) {
    ParamMask hidden = ParamMask.hiddenWeights();
    for (Sequential net : networks.values()) {
      for (Param p : net.params()) {
        if (hidden.test(p)) {
          weights.add(p);
        }
      }
    }
    this.iterations = iterations;
    this.beta = beta;
  }

  @Override
  public String name() {
    return "orthonormalize";
  }

  @Override
  public void afterStep(Learner learner, long step) {
    project();
  }

  /** The Björck iterations on every hidden weight, now. */
  void project() {
    for (Param p : weights) {
      INDArray w = p.value();
      INDArray cubic = buffers.computeIfAbsent(p, k -> Nd4j.zeros(w.dataType(), w.shape()));
      for (int k = 0; k < iterations; k++) {
        penalty.cubic(w, cubic);
        w.muli(1 + beta).subi(cubic.muli(beta));
      }
    }
  }

  @Override
  public Snapshot state() {
    return new Snapshot().put("kind", name());
  }

  @Override
  public void restore(Snapshot state) {
    Intervention.checkKind(state, name());
  }
}
