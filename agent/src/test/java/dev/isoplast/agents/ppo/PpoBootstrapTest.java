package dev.isoplast.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isoplast.agents.MetricSink;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.Space;
import dev.isoplast.nn.HostArrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The agent feeds GAE the right bootstrap values: on a scripted one-env trajectory that is truncated
 * at t = 1 (final observation 42, then autoreset) and terminated at t = 3, the rollout's returns
 * equal the hand formula with the critic's values at the observations actually seen.
 */
class PpoBootstrapTest {

  /** Reward 1 per step; obs 0.5 after a reset, else 0.1·t at global step t; ends at t = 2 and 4. */
  static final class ScriptedEnv implements VectorEnv {
    private int t;

    @Override
    public String envId() {
      return "Scripted-v0";
    }

    @Override
    public int numEnvs() {
      return 1;
    }

    @Override
    public Space observationSpace() {
      return Box.uniform(-100, 100, DType.FLOAT32, 1);
    }

    @Override
    public Space actionSpace() {
      return new Discrete(2);
    }

    @Override
    public float[] reset(long seed) {
      t = 0;
      return new float[] {0.5f};
    }

    @Override
    public float[] reset() {
      return reset(0);
    }

    @Override
    public StepResult step(double[] actions) {
      t++;
      boolean trunc = t == 2;
      boolean term = t == 4;
      if (trunc || term) {
        return new StepResult(new float[] {0.5f}, new double[] {1}, new boolean[] {term}, new boolean[] {trunc},
            new int[] {0}, new float[] {trunc ? 42f : 7f}, new double[] {2}, new long[] {2});
      }
      return new StepResult(new float[] {0.1f * t}, new double[] {1}, new boolean[] {false}, new boolean[] {false},
          new int[0], new float[0], new double[0], new long[0]);
    }

    @Override
    public Perturbation reconfigure(Perturbation perturbation) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  @Test
  void truncationBootstrapsFromTheFinalObservationAndTerminationDoesNot() {
    PpoConfig c = PpoConfig.defaults().withNumEnvs(1).withNumSteps(4).withNumMinibatches(1);
    Ppo ppo = new Ppo(c, new ScriptedEnv(), 3);
    // critic values before any update, at: s0 = 0.5, s1 = 0.1, s2 = 0.5 (reset), s3 = 0.3, final obs 42
    float[] xs = {0.5f, 0.1f, 0.3f, 42f};
    double[] v = HostArrays.toDoubles(ppo.critic().forward(Nd4j.createFromArray(xs).reshape(4, 1)), null);
    double v0 = v[0];
    double v1 = v[1];
    double v2 = v[0];
    double v3 = v[2];
    double v42 = v[3];
    TrainResult r = ppo.train(4, MetricSink.discard(), List.of());
    assertEquals(2, r.episodeReturns().size());
    double g = c.gamma();
    double gl = c.gamma() * c.gaeLambda();
    double a3 = 1 - v3; // terminated: no bootstrap
    double a2 = (1 + g * v3 - v2) + gl * a3;
    double a1 = 1 + g * v42 - v1; // truncated: bootstrap from V(42), not from the reset obs
    double a0 = (1 + g * v1 - v0) + gl * a1;
    double[] returns = ppo.rolloutReturns();
    assertEquals(a0 + v0, returns[0], 1e-5);
    assertEquals(1 + g * v42, returns[1], 1e-5);
    assertEquals(a2 + v2, returns[2], 1e-5);
    assertEquals(1.0, returns[3], 1e-6);
  }
}
