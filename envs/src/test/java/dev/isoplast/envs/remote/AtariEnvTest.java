package dev.isoplast.envs.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.SharedSidecar;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Atari (ALE/Breakout-v5) through the real server on the Java side: the Box [4, 84, 84] of float32
 * in [0, 1] that the server's preprocessing delivers (4 stacked 84 × 84 grayscale frames), rows as
 * that tensor flattened row-major, checked on the frame stack's own rule: at reset the stack is the
 * first frame four times, and each step shifts it by one frame (the new frames 0-2 are the old
 * frames 1-3). The exact rollout against in-process Gymnasium is python-env-server/tests/test_atari.py.
 */
class AtariEnvTest {

  private static final int FRAME = 84 * 84;
  private static final int SIZE = 4 * FRAME;

  @Test
  void breakoutDeliversFourStackedFramesAndTheSwitchAllEighteenActions() {
    EnvServerClient client = SharedSidecar.client();
    try (VectorEnv env = client.make("ALE/Breakout-v5", 1, 3L, Map.of())) {
      Box box = (Box) env.observationSpace();
      assertArrayEquals(new int[] {4, 84, 84}, box.shape());
      assertEquals(DType.FLOAT32, box.dtype());
      assertEquals(new Discrete(4), env.actionSpace(), "Breakout's minimal set: no-op, fire, right, left");
      float[] obs = env.reset(3);
      assertEquals(SIZE, obs.length);
      float max = 0f;
      for (float v : obs) {
        assertTrue(v >= 0f && v <= 1f, "scaled to [0, 1]");
        max = Math.max(max, v);
      }
      assertTrue(max > 0f, "a frame that is not black");
      for (int f = 1; f < 4; f++) {
        assertArrayEquals(frame(obs, 0), frame(obs, f), "frame " + f + " of the first stack");
      }
      float[] previous = obs;
      for (int t = 0; t < 5; t++) {
        float[] next = env.step(new double[] {1 + t % 3}).observations();
        for (int f = 0; f < 3; f++) {
          assertArrayEquals(frame(previous, f + 1), frame(next, f), "step " + t + ": the stack shifts by one");
        }
        previous = next;
      }
    }
    EnvSpec breakout = spec(client, "ALE/Breakout-v5");
    assertArrayEquals(new int[] {4, 84, 84}, ((Box) breakout.observationSpace()).shape());
    EnvSpec all = spec(client, "ALE/Switch-v5");
    assertEquals(new Discrete(18), all.actionSpace());
    assertEquals(1, all.dynamics().size());
    EnvSpec.Param game = all.dynamics().get(0);
    assertEquals("game", game.name());
    assertEquals(4.0, game.max());
  }

  private static EnvSpec spec(EnvServerClient client, String envId) {
    return client.listEnvs().stream().filter(s -> s.envId().equals(envId)).findFirst().orElseThrow();
  }

  private static float[] frame(float[] obs, int f) {
    return Arrays.copyOfRange(obs, f * FRAME, (f + 1) * FRAME);
  }
}
