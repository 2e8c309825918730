package dev.isoplast.agents.dqn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.MetricSink;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.Space;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {

  @Test
  void recentObservationsAreTheNewestRowsInOrderAcrossTheWrap() {
    ReplayBuffer rb = new ReplayBuffer(4, 2);
    float[] none = new float[2];
    assertEquals(0, rb.recentObservations(3).length);
    for (int t = 0; t < 6; t++) { // slots 0,1,2,3 then 0,1 again: rows t = 2..5 remain
      rb.add(new float[] {t, -t}, 0, none, 0, 0, 0, false);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {3, -3, 4, -4, 5, -5}, rb.recentObservations(3));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {2, -2, 3, -3, 4, -4, 5, -5},
        rb.recentObservations(10));
  }

  @Test
  void wrapsAroundOverwritingTheOldest() {
    ReplayBuffer rb = new ReplayBuffer(3, 1);
    assertEquals(0, rb.size());
    for (int k = 0; k < 5; k++) {
      rb.add(new float[] {k}, 0, new float[] {k + 0.5f}, 0, k % 2, 10 * k, k == 4);
    }
    assertEquals(3, rb.size());
    assertEquals(2, rb.position());
    // slots: 0 ← transition 3, 1 ← transition 4, 2 ← transition 2
    assertArrayEquals(new float[] {3}, rb.observation(0));
    assertArrayEquals(new float[] {4.5f}, rb.nextObservation(1));
    assertArrayEquals(new float[] {2}, rb.observation(2));
    assertEquals(40f, rb.reward(1));
    assertEquals(1, rb.action(0));
    assertTrue(rb.done(1));
    assertFalse(rb.done(2));

    // uniform sampling with replacement over exactly the stored transitions, consistent rows
    ReplayBuffer.Batch b = rb.sample(3000, new SplittableRandom(1));
    int[] counts = new int[5];
    for (int j = 0; j < b.size(); j++) {
      int k = (int) b.observations[j];
      counts[k]++;
      assertEquals(k + 0.5f, b.nextObservations[j]);
      assertEquals(10f * k, b.rewards[j]);
      assertEquals(k % 2, b.actions[j]);
      assertEquals(k == 4 ? 1f : 0f, b.dones[j]);
    }
    assertEquals(0, counts[0] + counts[1]);
    for (int k = 2; k < 5; k++) {
      assertTrue(Math.abs(counts[k] - 1000) < 120, "count of " + k + ": " + counts[k]);
    }
    assertSame(b, rb.sample(3000, new SplittableRandom(2)), "batch arrays are reused");
  }

  /**
   * Two envs, observation [10 i + t, k] at global step k and local time t; env 0 is truncated at
   * t = 2, env 1 terminates at t = 3; after an end the env reports reset observation [−1 − i, k]
   * and the final observation [10 i + t, k]. Reward 10 i + k.
   */
  static final class ScriptedEnv implements VectorEnv {
    private final int[] t = new int[2];
    private final float[] obs = new float[4];
    private int k;
    final List<double[]> actionsSeen = new ArrayList<>();

    @Override
    public String envId() {
      return "Scripted-v0";
    }

    @Override
    public int numEnvs() {
      return 2;
    }

    @Override
    public Space observationSpace() {
      return Box.uniform(-100, 100, DType.FLOAT32, 2);
    }

    @Override
    public Space actionSpace() {
      return new Discrete(3);
    }

    @Override
    public float[] reset(long seed) {
      k = 0;
      t[0] = 0;
      t[1] = 0;
      return new float[] {0, 0, 10, 0};
    }

    @Override
    public float[] reset() {
      return reset(0);
    }

    @Override
    public StepResult step(double[] actions) {
      actionsSeen.add(actions.clone());
      k++;
      double[] rewards = new double[2];
      boolean[] term = new boolean[2];
      boolean[] trunc = new boolean[2];
      List<Integer> ended = new ArrayList<>();
      List<Float> fin = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        t[i]++;
        rewards[i] = 10 * i + k;
        obs[2 * i] = 10 * i + t[i];
        obs[2 * i + 1] = k;
        trunc[i] = i == 0 && t[i] == 2;
        term[i] = i == 1 && t[i] == 3;
        if (trunc[i] || term[i]) {
          ended.add(i);
          fin.add(obs[2 * i]);
          fin.add(obs[2 * i + 1]);
          obs[2 * i] = -1 - i;
          t[i] = 0;
        }
      }
      float[] f = new float[fin.size()];
      for (int j = 0; j < f.length; j++) {
        f[j] = fin.get(j);
      }
      return new StepResult(obs.clone(), rewards, term, trunc, ended.stream().mapToInt(Integer::intValue).toArray(),
          f, new double[ended.size()], new long[ended.size()]);
    }

    @Override
    public Perturbation reconfigure(Perturbation perturbation) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  @Test
  void endedEnvsStoreTheirFinalObservationAndOnlyTerminationIsDone() {
    ScriptedEnv env = new ScriptedEnv();
    DqnConfig config = DqnConfig.defaults().withNumEnvs(2).with("buffer_size", 12).with("hidden_sizes", "8");
    Dqn dqn = new Dqn(config, env, 3);
    dqn.train(12, MetricSink.discard(), List.of()); // 6 vector steps, no learning (learning_starts 10000)
    ReplayBuffer rb = dqn.replayBuffer();
    assertEquals(12, rb.size());
    float[][] s = new float[12][];
    float[][] next = new float[12][];
    for (int j = 0; j < 12; j++) {
      s[j] = rb.observation(j);
      next[j] = rb.nextObservation(j);
      assertEquals((int) env.actionsSeen.get(j / 2)[j % 2], rb.action(j), "action of slot " + j);
      assertEquals(10 * (j % 2) + j / 2 + 1, rb.reward(j), "reward of slot " + j);
    }
    // step 1: nothing ends
    assertArrayEquals(new float[] {0, 0}, s[0]);
    assertArrayEquals(new float[] {1, 1}, next[0]);
    assertArrayEquals(new float[] {11, 1}, next[1]);
    // step 2: env 0 truncated: s' is the final observation, not the reset one, and not done
    assertArrayEquals(new float[] {1, 1}, s[2]);
    assertArrayEquals(new float[] {2, 2}, next[2]);
    assertFalse(rb.done(2));
    // step 3: env 0 starts from its reset observation; env 1 terminates: final observation, done
    assertArrayEquals(new float[] {-1, 2}, s[4]);
    assertArrayEquals(new float[] {13, 3}, next[5]);
    assertTrue(rb.done(5));
    // step 4: env 1 starts from its reset observation
    assertArrayEquals(new float[] {-2, 3}, s[7]);
    assertArrayEquals(new float[] {11, 4}, next[7]);
    // step 6: both end in the same step (final observations in endedIndices order)
    assertArrayEquals(new float[] {2, 6}, next[10]);
    assertFalse(rb.done(10));
    assertArrayEquals(new float[] {13, 6}, next[11]);
    assertTrue(rb.done(11));
    for (int j : new int[] {0, 1, 2, 3, 4, 6, 7, 8, 9, 10}) {
      assertFalse(rb.done(j), "slot " + j);
    }
  }
}
