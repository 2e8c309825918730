package dev.isoplast.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isoplast.agents.FakeEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The whole minibatch update's gradient (actor, log-std and critic parameters) against central
 * finite differences of PPO's loss written out independently here (log-softmax / Gaussian log-density,
 * entropy, advantage normalisation, clipped surrogate, clipped value loss), in float64. Catches a
 * wrong sign or scale in the wiring (entropy bonus, vf_coef, log-std) that the loss-term tests cannot.
 */
class PpoGradientTest {

  private static final int OBS = 3;
  private static final int M = 8;

  private static PpoConfig config() {
    return PpoConfig.defaults().withNumEnvs(1).withNumSteps(M).withNumMinibatches(1).withEntCoef(0.1)
        .withBody(PpoConfig.defaults().body().withHiddenSizes(java.util.List.of(8, 8)));
  }

  @Test
  void discreteLossGradientMatchesFiniteDifferences() {
    check(new Ppo(config(), new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, OBS), new Discrete(3)), 5,
        DataType.DOUBLE), true, 3);
  }

  @Test
  void gaussianLossGradientMatchesFiniteDifferences() {
    PpoConfig c = config().with("log_std_init", -0.3);
    check(new Ppo(c, new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, OBS), Box.uniform(-2, 2, DType.FLOAT32, 2)), 5,
        DataType.DOUBLE), false, 2);
  }

  private void check(Ppo ppo, boolean discrete, int k) {
    SplittableRandom rng = new SplittableRandom(11);
    float[] obs = new float[M * OBS];
    for (int i = 0; i < obs.length; i++) {
      obs[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    int actDim = discrete ? 1 : k;
    double[] actions = new double[M * actDim];
    for (int i = 0; i < actions.length; i++) {
      actions[i] = discrete ? rng.nextInt(k) : rng.nextGaussian();
    }
    double[] adv = new double[M];
    double[] ret = new double[M];
    for (int i = 0; i < M; i++) {
      adv[i] = rng.nextGaussian();
      ret[i] = rng.nextGaussian();
    }
    // old log-probs / values at offsets from the current ones: inside (±0.05) and outside (±0.5) the clip range
    double[] offsets = {0.05, -0.05, 0.5, -0.5, 0.5, -0.5, 0.1, -0.1};
    INDArray x = Nd4j.zeros(DataType.DOUBLE, M, OBS);
    for (int i = 0; i < obs.length; i++) {
      x.putScalar(i / OBS, i % OBS, obs[i]);
    }
    Terms now = terms(ppo, x, actions, discrete, k);
    double[] oldLp = new double[M];
    double[] oldV = new double[M];
    for (int i = 0; i < M; i++) {
      oldLp[i] = now.logProb[i] - offsets[i];
      oldV[i] = now.value[i] - offsets[(i + 3) % M];
    }
    PpoConfig c = ppo.config();
    double loss = ppo.lossAndGradients(obs, actions, oldLp, adv.clone(), ret, oldV);
    assertEquals(loss(ppo, x, actions, discrete, k, oldLp, adv, ret, oldV, c), loss, 1e-10);

    double h = 1e-6;
    int checked = 0;
    for (Param p : ppo.params()) {
      double[] grad = HostArrays.toDoubles(p.grad(), null);
      INDArray v = p.value();
      for (int idx = 0; idx < v.length(); idx += Math.max(1, (int) v.length() / 12)) {
        double orig = v.getDouble(idx);
        v.putScalar(idx, orig + h);
        double lp = loss(ppo, x, actions, discrete, k, oldLp, adv, ret, oldV, c);
        v.putScalar(idx, orig - h);
        double lm = loss(ppo, x, actions, discrete, k, oldLp, adv, ret, oldV, c);
        v.putScalar(idx, orig);
        double fd = (lp - lm) / (2 * h);
        assertEquals(fd, grad[idx], 1e-7 + 1e-5 * Math.abs(fd), p.name() + "[" + idx + "]");
        checked++;
      }
    }
    System.out.println("PpoGradientTest: checked " + checked + " entries");
  }

  record Terms(double[] logProb, double[] entropy, double[] value) {}

  /** log π(a|s), H and V by hand from the networks' outputs. */
  private static Terms terms(Ppo ppo, INDArray x, double[] actions, boolean discrete, int k) {
    double[] out = HostArrays.toDoubles(ppo.actor().forward(x), null);
    double[] v = HostArrays.toDoubles(ppo.critic().forward(x), null);
    double[] lp = new double[M];
    double[] h = new double[M];
    if (discrete) {
      for (int b = 0; b < M; b++) {
        double z = 0;
        for (int j = 0; j < k; j++) {
          z += Math.exp(out[b * k + j]);
        }
        double logZ = Math.log(z);
        lp[b] = out[b * k + (int) actions[b]] - logZ;
        for (int j = 0; j < k; j++) {
          double l = out[b * k + j] - logZ;
          h[b] -= Math.exp(l) * l;
        }
      }
    } else {
      double[] logStd = HostArrays.toDoubles(ppo.logStd().value(), null);
      for (int b = 0; b < M; b++) {
        for (int j = 0; j < k; j++) {
          double sigma = Math.exp(logStd[j]);
          double d = actions[b * k + j] - out[b * k + j];
          lp[b] += -d * d / (2 * sigma * sigma) - logStd[j] - 0.5 * Math.log(2 * Math.PI);
          h[b] += logStd[j] + 0.5 * (1 + Math.log(2 * Math.PI));
        }
      }
    }
    return new Terms(lp, h, v);
  }

  /** pg_loss − ent_coef · mean(H) + vf_coef · v_loss, written out. */
  private static double loss(Ppo ppo, INDArray x, double[] actions, boolean discrete, int k, double[] oldLp,
      double[] adv, double[] ret, double[] oldV, PpoConfig c) {
    Terms t = terms(ppo, x, actions, discrete, k);
    double mean = 0;
    for (double a : adv) {
      mean += a / M;
    }
    double var = 0;
    for (double a : adv) {
      var += (a - mean) * (a - mean) / (M - 1);
    }
    double eps = c.clipCoef();
    double pg = 0;
    double vl = 0;
    double ent = 0;
    for (int b = 0; b < M; b++) {
      double a = (adv[b] - mean) / (Math.sqrt(var) + 1e-8);
      double r = Math.exp(t.logProb[b] - oldLp[b]);
      pg += Math.max(-a * r, -a * Math.max(1 - eps, Math.min(1 + eps, r))) / M;
      double vc = oldV[b] + Math.max(-eps, Math.min(eps, t.value[b] - oldV[b]));
      vl += 0.5 * Math.max(Math.pow(t.value[b] - ret[b], 2), Math.pow(vc - ret[b], 2)) / M;
      ent += t.entropy[b] / M;
    }
    return pg - c.entCoef() * ent + c.vfCoef() * vl;
  }
}
