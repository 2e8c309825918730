package dev.isoplast.optim;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.nn.Gemm;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Spectral regularization (Lewandowski et al. 2024, "Learning Continually by Spectral
 * Regularization"), coupled:
 *
 * <pre>
 *   penalty = c Σ_W (σ_max(W)^k − 1)²,    k = 3 by default
 *   σ_max ≈ uᵀ W v  by power iteration (v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖), warm-started across steps
 *   ∇_W = c · 2 (σ^k − 1) · k σ^{k−1} · u vᵀ        (u, v held fixed in the gradient)
 * </pre>
 */
public final class SpectralRegularizer implements Regularizer {

  /**
   * Its key (k = 3, one power iteration per step, hidden weights).
   *
   * @param spectralCoef {@code spectral_coef}: the coefficient c (0 = off)
   */
  public record Config(double spectralCoef) implements PartConfig {
    public Config {
      ConfigValues.nonNegative("spectral_coef", spectralCoef);
    }

    @Override
    public boolean on() {
      return spectralCoef > 0;
    }
  }

  /** Spectral regularization as a method part, with its preset. */
  public static final RegularizerPart<Config> PART = new RegularizerPart<>("spectral", new Config(0.0),
      (c, params, rng) -> new SpectralRegularizer(c.spectralCoef(), 3, 1, ParamMask.hiddenWeights(), rng),
      List.of(new MethodPreset("spectral", "spectral regularization Σ(σ_max(W)^3 − 1)²",
          "g ← g + c∇(σ_max^k − 1)², k = 3, c = 1e-4",
          "Lewandowski et al. 2024, \"Learning continually by spectral regularization\"; c = 1e-4 chosen here "
              + "(within their range)",
          kv("optimizer", "adam", "spectral_coef", 1e-4), kv(),
          Knob.of("spectral_coef", "decades around the preset's c = 1e-4 (Lewandowski et al. 2024)",
              1e-6, 1e-5, 1e-4, 1e-3, 1e-2))));

  private final double coef;
  private final int power;
  private final int iterations;
  private final ParamMask mask;
  private final RandomGenerator rng;
  private final Map<Param, INDArray[]> vectors = new IdentityHashMap<>();

  /**
   * @param iterations power iterations per call (1 suffices when warm-started every step)
   * @param rng draws the initial u of each weight (seeded from the run seed)
   */
  public SpectralRegularizer(double coef, int power, int iterations, ParamMask mask, RandomGenerator rng) {
    this.coef = Optimizer.checkNonNegative("spectral coefficient", coef);
    if (power < 1 || iterations < 1) {
      throw new IllegalArgumentException("spectral power k and iterations must be >= 1, got " + power + ", " + iterations);
    }
    this.power = power;
    this.iterations = iterations;
    this.mask = mask;
    this.rng = rng;
  }

  /** [u (out×1), v (in×1)] of p, refined by the power iteration. */
  private INDArray[] refine(Param p) {
    INDArray w = p.value();
    INDArray[] uv = vectors.computeIfAbsent(p, k -> {
      double[] u0 = new double[(int) w.rows()];
      for (int i = 0; i < u0.length; i++) {
        u0[i] = rng.nextGaussian();
      }
      INDArray u = Nd4j.createFromArray(u0).castTo(w.dataType()).reshape(w.rows(), 1);
      u.divi(u.norm2Number());
      return new INDArray[] {u, Nd4j.zeros(w.dataType(), w.columns(), 1)};
    });
    for (int i = 0; i < iterations; i++) {
      Gemm.gemm(w, uv[0], uv[1], true, false, 1.0, 0.0);
      uv[1].divi(uv[1].norm2Number());
      Gemm.gemm(w, uv[1], uv[0], false, false, 1.0, 0.0);
      uv[0].divi(uv[0].norm2Number());
    }
    return uv;
  }

  /** σ_max(W) as estimated by uᵀWv after the power iterations. */
  public double sigmaMax(Param p) {
    INDArray[] uv = refine(p);
    return uv[0].transpose().mmul(p.value()).mmul(uv[1]).getDouble(0);
  }

  @Override
  public double apply(List<Param> params) {
    double total = 0;
    for (Param p : params) {
      if (!mask.test(p) || p.value().rank() != 2) {
        continue;
      }
      INDArray[] uv = refine(p);
      double sigma = uv[0].transpose().mmul(p.value()).mmul(uv[1]).getDouble(0);
      double gap = Math.pow(sigma, power) - 1;
      total += gap * gap;
      double scale = coef * 2 * gap * power * Math.pow(sigma, power - 1);
      Gemm.gemm(uv[0], uv[1], p.grad(), false, true, scale, 1.0); // grad += scale · u vᵀ
    }
    return coef * total;
  }

  @Override
  public double value(List<Param> params) {
    double total = 0;
    for (Param p : params) {
      if (mask.test(p) && p.value().rank() == 2) {
        double gap = Math.pow(sigmaMax(p), power) - 1;
        total += gap * gap;
      }
    }
    return coef * total;
  }

  @Override
  public String name() {
    return "spectral";
  }

  /** The warm-started power-iteration vectors u, v of every weight seen so far, by parameter name. */
  @Override
  public Snapshot state() {
    Snapshot s = new Snapshot();
    vectors.forEach((p, uv) -> s.put(p.name() + "/u", HostArrays.toDoubles(uv[0], null))
        .put(p.name() + "/v", HostArrays.toDoubles(uv[1], null)));
    return s;
  }

  /** Puts back the vectors of {@link #state()} for the parameters among {@code params}. */
  @Override
  public void restore(Snapshot state, List<Param> params) {
    vectors.clear();
    for (Param p : params) {
      if (state.has(p.name() + "/u")) {
        INDArray w = p.value();
        INDArray u = Nd4j.zeros(w.dataType(), w.rows(), 1);
        INDArray v = Nd4j.zeros(w.dataType(), w.columns(), 1);
        HostArrays.fromDoubles(state.getDoubles(p.name() + "/u", (int) w.rows()), u);
        HostArrays.fromDoubles(state.getDoubles(p.name() + "/v", (int) w.columns()), v);
        vectors.put(p, new INDArray[] {u, v});
      }
    }
  }
}
