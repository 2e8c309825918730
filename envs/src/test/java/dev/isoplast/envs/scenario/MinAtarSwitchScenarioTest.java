package dev.isoplast.envs.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.SharedSidecar;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.Discrete;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The built-in {@code minatar-switch} scenario through the real server: its plan's phases, applied
 * to one handle as a run applies them (Reconfigure at each phase start, nothing else), change the
 * game that handle plays. Each game is recognised by the channel sums of its first frame, which
 * MinAtar's sources fix (Young &amp; Tian 2019): Asterix's player alone in channel 0; Breakout's
 * paddle, ball, trail and 30 bricks; Freeway's chicken and 8 cars (channels 0, 1);
 * Seaquest's submarine, its front and the full oxygen gauge of 10 cells in channel 7;
 * SpaceInvaders' cannon and 24 aliens (channel 1, and channel 2 for their direction). Channels past
 * a game's own count (4, 4, 7, 10, 6) stay zero. The exact rollouts against in-process MinAtar are
 * python-env-server/tests/test_switch.py.
 */
class MinAtarSwitchScenarioTest {

  private static final int CHANNELS = 10;
  private static final int CELLS = 100;
  private static final int[] GAME_CHANNELS = {4, 4, 7, 10, 6};

  @Test
  void eachPhaseOfTheScenarioPlaysItsGameFromTheStepAfterItsStart() {
    EnvServerClient client = SharedSidecar.client();
    EnvSpec spec = client.listEnvs().stream().filter(s -> s.envId().equals("MinAtar/Switch-v1")).findFirst()
        .orElseThrow();
    assertArrayEquals(new int[] {CHANNELS, 10, 10}, ((Box) spec.observationSpace()).shape());
    assertEquals(new Discrete(6), spec.actionSpace());
    ScenarioPlan plan = ScenarioPlan.resolve(Scenario.load("minatar-switch"), spec, 7);
    assertEquals(10, plan.phases().size());
    int n = 2;
    try (VectorEnv env = client.make("MinAtar/Switch-v1", n, 7L, Map.of())) {
      float[] obs = null;
      for (ScenarioPlan.Phase phase : plan.phases()) {
        int game = (int) (double) phase.perturbation().dynamics().get("game");
        assertEquals(game, env.reconfigure(phase.perturbation()).dynamics().get("game"), 0.0);
        if (obs == null) {
          obs = env.reset(7);
        } else {
          StepResult r = env.step(new double[] {0, 0});
          assertArrayEquals(new int[] {0, 1}, r.endedIndices(), "the switch ends every episode");
          for (int i = 0; i < n; i++) {
            assertTrue(r.truncated()[i] || r.terminated()[i]);
          }
          obs = r.observations();
        }
        for (int i = 0; i < n; i++) {
          assertFirstFrameOf(game, channelSums(obs, i), "phase " + phase.index() + ", env " + i);
        }
        for (int t = 0; t < 30; t++) { // the game goes on; the padding never lights up
          float[] o = env.step(new double[] {t % 6, (t * 5) % 6}).observations();
          for (int i = 0; i < n; i++) {
            double[] sums = channelSums(o, i);
            for (int c = GAME_CHANNELS[game]; c < CHANNELS; c++) {
              assertEquals(0.0, sums[c], "padding channel " + c + " of game " + game);
            }
          }
        }
      }
    }
  }

  @Test
  void aGameThatIsNotAWholeNumberIsRefusedBeforeTheRun() {
    EnvSpec spec = SharedSidecar.client().listEnvs().stream().filter(s -> s.envId().equals("MinAtar/Switch-v1"))
        .findFirst().orElseThrow();
    assertTrue(spec.dynamics().get(0).integer(), "ListEnvs says game is an integer");
    assertFalse(SharedSidecar.client().listEnvs().stream().filter(s -> s.envId().equals("CartPole-v1")).findFirst()
        .orElseThrow().dynamics().get(0).integer(), "CartPole's gravity is not");
    for (String game : List.of("1.5", "{uniform: [0, 4]}")) {
      Scenario s = ScenarioTest.parse("env: MinAtar/Switch-v1\nphases: [{steps: 10, dynamics: {game: 1}}, "
          + "{steps: 10, dynamics: {game: " + game + "}}]\n");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScenarioPlan.resolve(s, spec, 1));
      assertTrue(e.getMessage().startsWith("scenario s.yaml: phases[1]: dynamics.game: MinAtar/Switch-v1's game takes "
          + "whole numbers only (the game played from each env's next reset, an integer: 0 Asterix"), e.getMessage());
      assertTrue(e.getMessage().endsWith(game.equals("1.5") ? "got 1.5" : "got a random draw in [0.0, 4.0]"),
          e.getMessage());
    }
  }

  private static double[] channelSums(float[] obs, int row) {
    double[] sums = new double[CHANNELS];
    for (int c = 0; c < CHANNELS; c++) {
      for (int k = 0; k < CELLS; k++) {
        sums[c] += obs[row * CHANNELS * CELLS + c * CELLS + k];
      }
    }
    return sums;
  }

  private static void assertFirstFrameOf(int game, double[] sums, String where) {
    List<double[]> expected = Arrays.asList(
        new double[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // Asterix
        new double[] {1, 1, 1, 30, 0, 0, 0, 0, 0, 0}, // Breakout
        null, // Freeway: the cars' speed channels are drawn
        new double[] {1, 1, 0, 0, 0, 0, 0, 10, 0, 0}, // Seaquest
        new double[] {1, 24, 24, 0, 0, 0, 0, 0, 0, 0}); // SpaceInvaders
    if (game == 2) {
      assertEquals(1.0, sums[0], where + ": Freeway's chicken");
      assertEquals(8.0, sums[1], where + ": Freeway's cars");
      for (int c = 7; c < CHANNELS; c++) {
        assertEquals(0.0, sums[c], where + ": channel " + c);
      }
    } else {
      assertArrayEquals(expected.get(game), sums, where + ": first frame of game " + game);
    }
  }
}
