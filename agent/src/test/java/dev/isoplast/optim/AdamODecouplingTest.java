package dev.isoplast.optim;

import dev.isoplast.plasticity.MethodConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isoplast.nn.Param;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * AdamO's two readings of "decoupled, analogous to AdamW" (issue 21), one step against hand math:
 * θ₁ = θ₀ − η_t m̂/(√v̂+ε) − η_iso λ ∇R(θ₀), with m̂ = g and v̂ = g² at t = 1, so the Adam part is
 * η_t g/(|g| + ε); η_iso = η_t (lr) or η_t/η₀ (schedule).
 */
class AdamODecouplingTest {

  private static final double ETA0 = 0.02;
  private static final double LAMBDA = 0.3;
  private static final double EPS = 1e-8;

  @Test
  void oneStepOfEachReadingWithAndWithoutAnAnnealedSchedule() {
    // the annealed rate as PPO sets it: linear from η₀ to 0, here at progress 0.75 (factor 0.25)
    double annealed = Schedule.linear(ETA0, 0.0).value(0.75);
    assertEquals(0.005, annealed, 1e-17);
    check(AdamO.Decoupling.LR, ETA0, ETA0); //               η_iso = η
    check(AdamO.Decoupling.LR, annealed, annealed); //       η_iso = η_t
    check(AdamO.Decoupling.SCHEDULE, ETA0, 1.0); //          η_iso = s = 1 at constant rate
    check(AdamO.Decoupling.SCHEDULE, annealed, 0.25); //     η_iso = s_t = η_t / η₀
  }

  private static void check(AdamO.Decoupling reading, double etaT, double etaIso) {
    SplittableRandom rng = new SplittableRandom(7);
    int out = 5;
    int in = 3;
    Param w = Float64.weight("body.0.W", rng, out, in);
    double[] theta0 = w.value().data().asDouble();
    w.grad().assign(Float64.gaussian(rng, 1.0, out, in)); // the task gradient g
    double[] g = w.grad().data().asDouble();
    AdamO opt = new AdamO(List.of(w), ETA0, 0.9, 0.999, EPS, LAMBDA, null, reading, ParamMask.hiddenWeights(),
        IsometryStep.EXACT, 0L);
    opt.setLearningRate(etaT);
    opt.step();
    // ∇R = 4 W (WᵀW − I) for out ≥ in, by hand
    double[] gram = new double[in * in];
    for (int a = 0; a < in; a++) {
      for (int b = 0; b < in; b++) {
        double dot = 0;
        for (int i = 0; i < out; i++) {
          dot += theta0[i * in + a] * theta0[i * in + b];
        }
        gram[a * in + b] = dot - (a == b ? 1 : 0);
      }
    }
    double[] expected = new double[out * in];
    for (int i = 0; i < out; i++) {
      for (int b = 0; b < in; b++) {
        double gradR = 0;
        for (int a = 0; a < in; a++) {
          gradR += 4 * theta0[i * in + a] * gram[a * in + b];
        }
        int k = i * in + b;
        double adam = g[k] / (Math.abs(g[k]) + EPS);
        expected[k] = theta0[k] - etaT * adam - etaIso * LAMBDA * gradR;
      }
    }
    assertArrayEquals(expected, w.value().data().asDouble(), 1e-12, reading + " at η_t = " + etaT);
  }

  @Test
  void theKeyIsRecordedDefaultsToLrAndRejectsWhatItCannotMean() {
    MethodConfig adamo = MethodConfig.adam(1e-8).withOptimizer("adamo");
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    adamo.putInto(m);
    assertEquals("lr", m.get("iso_decoupling"));
    m.put("iso_decoupling", "schedule");
    m.put("iso_coef", 1e-3);
    MethodConfig schedule = MethodConfig.from(m);
    assertEquals(AdamO.Decoupling.SCHEDULE, schedule.get(AdamO.PART).isoDecoupling());
    assertEquals(AdamO.Decoupling.SCHEDULE,
        ((AdamO) schedule.optimizer(Float64.params(1), 1e-3)).decoupling());
    m.put("iso_decoupling", "eta");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MethodConfig.from(m));
    assertEquals("iso_decoupling must be one of [lr, schedule], got 'eta'", e.getMessage());
    m.put("iso_decoupling", "schedule");
    m.put("iso_lr", 0.5);
    e = assertThrows(IllegalArgumentException.class, () -> MethodConfig.from(m));
    assertEquals("iso_lr fixes η_iso of the lr reading; iso_decoupling schedule scales the isometry step by the "
        + "schedule's factor alone: give one of them", e.getMessage());
    Map<String, Object> adam = new java.util.LinkedHashMap<>();
    MethodConfig.adam(1e-8).putInto(adam);
    adam.put("iso_decoupling", "schedule");
    assertThrows(IllegalArgumentException.class, () -> MethodConfig.from(adam), "an AdamO key on Adam");
  }
}
