package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.IsometryPenalty;
import dev.isoplast.testing.TestLearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Shrink & Perturb: the noise form's mean and spread over many draws, the interpolation form's exact formula. */
class ShrinkPerturbTest {

  private static Sequential net(boolean layerNorm) {
    return Networks.build("net", 5, BodyConfig.mlp(List.of(12), BodyConfig.Nonlinearity.RELU, layerNorm,
        Init.orthogonal(Init.RELU_GAIN)), 2, Init.orthogonal(1.0), new SplittableRandom(4), DataType.DOUBLE);
  }

  private static List<double[]> values(Sequential net) {
    List<double[]> out = new ArrayList<>();
    for (Param p : net.params()) {
      out.add(HostArrays.toDoubles(p.value(), null));
    }
    return out;
  }

  private static void set(Sequential net, List<double[]> v) {
    for (int k = 0; k < v.size(); k++) {
      HostArrays.fromDoubles(v.get(k), net.params().get(k).value());
    }
  }

  @Test
  void theMeanOfManyPerturbedCopiesIsTheShrunkParameters() {
    Sequential net = net(true);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), new float[0]);
    double p = 0.9;
    double sigma = 0.05;
    ShrinkPerturb sp = new ShrinkPerturb(List.of(net), ShrinkPerturb.Mode.NOISE, p, sigma, 1, 8);
    List<double[]> theta = values(net);
    int copies = 4000;
    List<double[]> sum = new ArrayList<>();
    List<double[]> sumSq = new ArrayList<>();
    theta.forEach(t -> {
      sum.add(new double[t.length]);
      sumSq.add(new double[t.length]);
    });
    for (int c = 1; c <= copies; c++) {
      set(net, theta);
      sp.afterStep(learner, c);
      List<double[]> v = values(net);
      for (int k = 0; k < v.size(); k++) {
        for (int i = 0; i < v.get(k).length; i++) {
          sum.get(k)[i] += v.get(k)[i];
          sumSq.get(k)[i] += v.get(k)[i] * v.get(k)[i];
        }
      }
    }
    double se = sigma / Math.sqrt(copies);
    double worst = 0;
    int n = 0;
    double varSum = 0;
    for (int k = 0; k < theta.size(); k++) {
      for (int i = 0; i < theta.get(k).length; i++) {
        double mean = sum.get(k)[i] / copies;
        worst = Math.max(worst, Math.abs(mean - p * theta.get(k)[i]) / se);
        varSum += sumSq.get(k)[i] / copies - mean * mean;
        n++;
      }
    }
    // n ≈ 250 entries: the largest of n standard normal deviations stays below 4.5 with probability > 0.998
    assertTrue(worst < 4.5, "mean of " + copies + " copies is p·θ within " + worst + " standard errors");
    double sd = Math.sqrt(varSum / n);
    assertEquals(sigma, sd, 0.02 * sigma, "the spread of the copies is σ");
  }

  @Test
  void theFreshFormInterpolatesTowardsANewInitialisationExactly() {
    Sequential a = net(true);
    Sequential b = net(true);
    TestLearner la = new TestLearner(Map.of("net", a), new Adam(a.params(), 1e-3), new float[0]);
    List<double[]> theta = values(a);
    // p = Double.MIN_NORMAL (the shrink must be in (0, 1]) leaves exactly the fresh draw: θ_fresh of this stream
    new ShrinkPerturb(List.of(b), ShrinkPerturb.Mode.FRESH, Double.MIN_NORMAL, 0, 1, 99).afterStep(la, 1);
    List<double[]> fresh = values(b);
    double p = 0.3;
    new ShrinkPerturb(List.of(a), ShrinkPerturb.Mode.FRESH, p, 0, 1, 99).afterStep(la, 1);
    List<double[]> after = values(a);
    for (int k = 0; k < theta.size(); k++) {
      for (int i = 0; i < theta.get(k).length; i++) {
        assertEquals(p * theta.get(k)[i] + (1 - p) * fresh.get(k)[i], after.get(k)[i], 1e-12,
            a.params().get(k).name() + "[" + i + "]");
      }
    }
    // θ_fresh is the layers' own initialisation: orthogonal hidden weight with gain √2, LayerNorm γ = 1, β = 0
    IsometryPenalty iso = new IsometryPenalty(IsometryPenalty.Gram.AUTO, 2.0);
    assertTrue(iso.distance(b.params().get(0).value()) < 1e-9, "fresh W0 is √2·orthogonal");
    assertEquals(1.0, HostArrays.get(b.params().get(2).value(), 0), 1e-12, "fresh γ = 1");
    assertEquals(0.0, HostArrays.get(b.params().get(3).value(), 0), 1e-12, "fresh β = 0");
  }

  @Test
  void appliesEveryKGradientSteps() {
    Sequential net = net(false);
    TestLearner learner = new TestLearner(Map.of("net", net), new Adam(net.params(), 1e-3), new float[0]);
    ShrinkPerturb sp = new ShrinkPerturb(List.of(net), ShrinkPerturb.Mode.NOISE, 0.5, 0, 3, 1);
    double w = HostArrays.get(net.params().get(0).value(), 0);
    for (int step = 1; step <= 7; step++) {
      sp.afterStep(learner, step);
    }
    assertEquals(w * 0.25, HostArrays.get(net.params().get(0).value(), 0), 1e-15, "steps 3 and 6 shrank by 0.5");
  }
}
