package dev.isoplast.envs.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.SharedSidecar;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MinAtar Breakout through the real server on the Java side: the observation space is the
 * channels-first Box [4, 10, 10] of float32, each env's observation row is that tensor flattened
 * row-major (checked on the hand-drawn first frame: paddle, ball and trail one cell each, three
 * rows of bricks), and the full six-action set is there on request. The exact rollouts against
 * in-process Gymnasium are python-env-server/tests/test_minatar.py.
 */
class MinAtarEnvTest {

  private static final int C = 4;
  private static final int SIDE = 10;
  private static final int SIZE = C * SIDE * SIDE;

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC", "UNIX"})
  void breakoutObservationsAreChannelsFirstTensorsOfTheRightShape(Transport transport) {
    int n = 3;
    EnvServerClient client = SharedSidecar.client(transport);
    try (VectorEnv env = client.make("MinAtar/Breakout-v1", n, 4L, Map.of())) {
      Box box = (Box) env.observationSpace();
      assertArrayEquals(new int[] {C, SIDE, SIDE}, box.shape());
      assertEquals(DType.FLOAT32, box.dtype());
      assertEquals(SIZE, box.flatSize());
      assertEquals(new Discrete(3), env.actionSpace(), "Breakout's minimal set: no-op, left, right");
      float[] obs = env.reset(4);
      assertEquals(n * SIZE, obs.length);
      for (int i = 0; i < n; i++) {
        int base = i * SIZE;
        assertEquals(1.0f, obs[base + 9 * SIDE + 4], "env " + i + ": paddle (channel 0) at row 9, column 4");
        double[] sums = new double[C];
        for (int c = 0; c < C; c++) {
          for (int k = 0; k < SIDE * SIDE; k++) {
            float v = obs[base + c * SIDE * SIDE + k];
            assertTrue(v == 0f || v == 1f, "0/1 cells");
            sums[c] += v;
          }
        }
        assertArrayEquals(new double[] {1, 1, 1, 30}, sums, "paddle, ball, trail, bricks of env " + i);
        for (int k = 10; k < 40; k++) {
          assertEquals(1.0f, obs[base + 3 * SIDE * SIDE + k], "bricks fill rows 1-3");
        }
      }
      int ended = 0;
      for (int t = 0; t < 200; t++) {
        StepResult r = env.step(new double[] {t % 3, (t + 1) % 3, 0});
        assertEquals(n * SIZE, r.observations().length);
        assertEquals(r.endedIndices().length * SIZE, r.finalObservations().length);
        ended += r.endedIndices().length;
      }
      assertTrue(ended > 0, "some episode ended (so final observations were carried)");
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC"})
  void theFullActionSetGivesSixActionsInEveryGame(Transport transport) {
    EnvServerClient client = SharedSidecar.client(transport);
    String[] games = {"Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders"};
    int[] channels = {4, 4, 7, 10, 6};
    for (int g = 0; g < games.length; g++) {
      try (VectorEnv env = client.make("MinAtar/" + games[g] + "-v1", 1, 0L,
          Map.of("use_minimal_action_set", false))) {
        assertEquals(new Discrete(6), env.actionSpace(), games[g]);
        assertArrayEquals(new int[] {channels[g], SIDE, SIDE}, ((Box) env.observationSpace()).shape(), games[g]);
        assertEquals(channels[g] * SIDE * SIDE, env.reset(0).length);
        assertEquals(channels[g] * SIDE * SIDE, env.step(new double[] {5}).observations().length, "fire");
      }
    }
  }
}
