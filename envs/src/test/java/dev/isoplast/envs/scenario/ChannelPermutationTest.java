package dev.isoplast.envs.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code obs_permutation: channels}: a random order of an image's channels, expanded by
 * {@link ScenarioPlan} into the flat permutation the env server applies ({@code obs'[i] =
 * obs[perm[i]]}), so the server needs nothing new.
 */
class ChannelPermutationTest {

  static final EnvSpec BREAKOUT = new EnvSpec("MinAtar/Breakout-v1", Box.uniform(0, 1, DType.FLOAT32, 4, 10, 10),
      new Discrete(3), 0, List.of(), List.of());

  @Test
  void theExpansionMovesWholeChannelsAndKeepsEachPixelInPlace() {
    // 3 channels of 2 pixels; sigma = (2, 0, 1): the agent's channel 0 is the env's channel 2, ...
    int[] perm = ScenarioPlan.channelPermutation(new int[] {2, 0, 1}, 2);
    assertArrayEquals(new int[] {4, 5, 0, 1, 2, 3}, perm);
    double[] obs = {0, 1, 10, 11, 20, 21}; // channel c, pixel k holds 10c + k
    double[] seen = new double[obs.length];
    for (int i = 0; i < obs.length; i++) {
      seen[i] = obs[perm[i]]; // what the server does (perturbation.py: flat[:, perm])
    }
    assertArrayEquals(new double[] {20, 21, 0, 1, 10, 11}, seen);
  }

  @Test
  void everyPhaseOfTheBuiltInIsAChannelBlockPermutationUnlikeTheOneBefore() {
    Scenario s = Scenario.load("minatar-breakout-permute");
    assertTrue(s.phases().get(0).obsPermutation() instanceof Scenario.Permutation.Channels);
    ScenarioPlan plan = ScenarioPlan.resolve(s, BREAKOUT, 3);
    assertEquals(5, plan.phases().size());
    Set<String> orders = new HashSet<>();
    int[] previous = null;
    for (ScenarioPlan.Phase phase : plan.phases()) {
      int[] perm = phase.perturbation().obsPermutation();
      assertEquals(400, perm.length);
      int[] sigma = new int[4];
      for (int c = 0; c < 4; c++) {
        sigma[c] = perm[c * 100] / 100;
        assertEquals(0, perm[c * 100] % 100, "a channel starts at a channel's start");
        for (int k = 0; k < 100; k++) {
          assertEquals(sigma[c] * 100 + k, perm[c * 100 + k], "pixel " + k + " stays in place");
        }
      }
      assertArrayEquals(new int[] {0, 1, 2, 3}, Arrays.stream(sigma).sorted().toArray(), "a permutation of 4");
      assertFalse(previous != null && Arrays.equals(previous, perm), "phase " + phase.index() + " repeats");
      orders.add(Arrays.toString(sigma));
      previous = perm;
      double[] ones = phase.perturbation().obsSignFlip();
      assertTrue(Arrays.stream(ones).allMatch(x -> x == 1.0), "no sign flip");
    }
    assertTrue(orders.size() >= 3, "fresh orders are drawn: " + orders);
    assertArrayEquals(plan.phases().get(4).perturbation().obsPermutation(),
        ScenarioPlan.resolve(s, BREAKOUT, 3).phases().get(4).perturbation().obsPermutation(), "one seed, one plan");
  }

  @Test
  void channelsNeedsAnImageAndAppliesToObservationsOnly() {
    Scenario flat = ScenarioTest.parse("env: CartPole-v1\nphases: [{steps: 10, obs_permutation: channels}]\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScenarioPlan.resolve(flat, ScenarioTest.CARTPOLE, 1));
    assertEquals("scenario s.yaml: phases[0]: obs_permutation: channels needs an image observation [C, H, W]; "
        + "CartPole-v1's is of shape [4]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ScenarioTest.parse(
        "env: CartPole-v1\nphases: [{steps: 10, action_permutation: channels}]\n"));
    assertTrue(e.getMessage().startsWith("scenario s.yaml: phases[0]: action_permutation must be random, identity or a "
        + "list of indices, got 'channels'"), e.getMessage());
    EnvSpec oneChannel = new EnvSpec("MinAtar/Breakout-v1", Box.uniform(0, 1, DType.FLOAT32, 1, 10, 10),
        new Discrete(3), 0, List.of(), List.of());
    Scenario twice = ScenarioTest.parse(
        "env: MinAtar/Breakout-v1\nphases: [{steps: 10, obs_permutation: channels}]\nrepeat: 2\n");
    e = assertThrows(IllegalArgumentException.class, () -> ScenarioPlan.resolve(twice, oneChannel, 1));
    assertTrue(e.getMessage().contains("single outcome"), e.getMessage());
  }
}
