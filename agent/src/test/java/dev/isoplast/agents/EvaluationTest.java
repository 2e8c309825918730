package dev.isoplast.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isoplast.agents.dqn.Dqn;
import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.Ppo;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.Space;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.testing.RandomArrays;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link Evaluation}'s episode accounting and the agents' evaluation policies. */
class EvaluationTest {

  @Test
  void eachEnvRunsItsShareOfEpisodesSoShortEpisodesAreNotOverSampled() {
    // env lengths 2, 5, 3 and 7 episodes: shares (7+i)/3 = 2, 2, 3. By hand, episodes end at
    // t=2 (env0), 3 (env2), 4 (env0), 5 (env1), 6 (env2), 8 (env0: beyond its share, dropped),
    // 9 (env2), 10 (env1) -> returns 2,3,2,5,3,3,5.
    ScriptedEnv env = new ScriptedEnv(2, 5, 3);
    Evaluation.Result r = Evaluation.run((obs, n) -> new double[n], env, 7, 42);
    assertEquals(List.of(2.0, 3.0, 2.0, 5.0, 3.0, 3.0, 5.0), r.returns());
    assertEquals(List.of(2L, 3L, 2L, 5L, 3L, 3L, 5L), r.lengths());
    assertEquals(10, env.actions.size());
    assertEquals(42, env.resetSeed);
    assertEquals(23.0 / 7, r.meanReturn(), 1e-12);
    double var = 0;
    for (double x : r.returns()) {
      var += (x - 23.0 / 7) * (x - 23.0 / 7);
    }
    assertEquals(Math.sqrt(var / 7), r.stdReturn(), 1e-12);
    // a plain "first 7 episodes to end" would have kept env0's third episode instead of env1's second
    assertNotEquals(23.0 / 7, (2 + 3 + 2 + 5 + 3 + 2 + 3) / 7.0);
    assertThrows(IllegalArgumentException.class, () -> Evaluation.run((obs, n) -> new double[n], env, 0, 1));
  }

  @Test
  void policyGetsTheCurrentObservations() {
    ScriptedEnv env = new ScriptedEnv(3, 3);
    List<float[]> seen = new ArrayList<>();
    Evaluation.run((obs, n) -> {
      seen.add(obs.clone());
      return new double[n];
    }, env, 2, 0);
    assertEquals(3, seen.size());
    assertArrayEquals(new float[] {0, 0}, seen.get(0));
    assertArrayEquals(new float[] {1, 1}, seen.get(1));
    assertArrayEquals(new float[] {2, 2}, seen.get(2));
  }

  private static float[] randomObs(int n, int dim, long seed) {
    INDArray x = RandomArrays.uniform(new java.util.SplittableRandom(seed), -2, 2, DataType.FLOAT, n, dim);
    float[] out = new float[n * dim];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) x.getDouble(i);
    }
    return out;
  }

  @Test
  void ppoDeterministicPolicyIsTheArgmaxOrTheClippedMean() {
    int obsDim = 4;
    int n = 16;
    float[] obs = randomObs(n, obsDim, 3);
    Ppo discrete = new Ppo(PpoConfig.defaults().withNumEnvs(1),
        new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, obsDim), new Discrete(3, 5)), 7);
    double[] logits = HostArrays.toDoubles(discrete.actor().forward(Nd4j.create(obs, new long[] {n, obsDim})), null);
    double[] act = discrete.policy(true, 1).act(obs, n);
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int a = 1; a < 3; a++) {
        best = logits[i * 3 + a] > logits[i * 3 + best] ? a : best;
      }
      assertEquals(best + 5, act[i], "row " + i); // the space's start is added
    }
    // a stochastic policy is reproducible from its seed and differs from the argmax somewhere
    assertArrayEquals(discrete.policy(false, 9).act(obs, n), discrete.policy(false, 9).act(obs, n));

    Ppo box = new Ppo(PpoConfig.continuousDefaults(),
        new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, obsDim), Box.uniform(-5e-4, 5e-4, DType.FLOAT32, 2)), 7);
    double[] mean = HostArrays.toDoubles(box.actor().forward(Nd4j.create(obs, new long[] {n, obsDim})), null);
    double[] a2 = box.policy(true, 1).act(obs, n);
    int clipped = 0;
    for (int k = 0; k < mean.length; k++) {
      double want = Math.min(Math.max(mean[k], -5e-4), 5e-4);
      assertEquals(want, a2[k], 1e-7);
      clipped += want != mean[k] ? 1 : 0;
    }
    assertNotEquals(0, clipped, "the test should exercise clipping");
  }

  @Test
  void dqnPolicyIsArgmaxQOrEpsilonGreedyWithEndE() {
    int obsDim = 4;
    int n = 400;
    float[] obs = randomObs(n, obsDim, 4);
    Dqn dqn = new Dqn(DqnConfig.defaults().with("end_e", 0.5),
        new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, obsDim), new Discrete(2)), 7);
    double[] q = HostArrays.toDoubles(dqn.qNetwork().forward(Nd4j.create(obs, new long[] {n, obsDim})), null);
    double[] greedy = dqn.policy(true, 1).act(obs, n);
    double[] eps = dqn.policy(false, 1).act(obs, n);
    int differ = 0;
    for (int i = 0; i < n; i++) {
      assertEquals(q[2 * i + 1] > q[2 * i] ? 1 : 0, greedy[i], "row " + i);
      differ += eps[i] != greedy[i] ? 1 : 0;
    }
    // with ε = 0.5 over 2 actions a quarter of the actions differ from the greedy ones
    assertEquals(0.25, differ / (double) n, 0.07);
    assertArrayEquals(eps, dqn.policy(false, 1).act(obs, n));
  }
}
