package dev.isoplast.envs.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** No phase repeats the previous phase's transform (issue 21): brute force over many seeds. */
class ScenarioRedrawTest {

  private static final int SEEDS = 3000;

  @Test
  void noPhaseDrawsThePreviousTransformAndPlansChangeOnlyFromARepeatOn() {
    Scenario pendulum = Scenario.load("pendulum-permute");
    Scenario cartpole = Scenario.load("cartpole-permute").withRepeat(20);
    int repeated = 0;
    for (long seed = 0; seed < SEEDS; seed++) {
      for (Object[] c : new Object[][] {{pendulum, ScenarioTest.PENDULUM}, {cartpole, ScenarioTest.CARTPOLE}}) {
        Scenario s = (Scenario) c[0];
        EnvSpec env = (EnvSpec) c[1];
        List<ScenarioPlan.Phase> plan = ScenarioPlan.resolve(s, env, seed).phases();
        for (int k = 1; k < plan.size(); k++) {
          assertFalse(ScenarioPlan.sameTransform(plan.get(k).perturbation(), plan.get(k - 1).perturbation()),
              s.name() + " seed " + seed + " phase " + k);
        }
        // against the draws without the rule: equal up to the first repeat they had, which is redrawn
        List<Perturbation> old = drawsWithoutTheRule(s, env, seed);
        int first = firstRepeat(old);
        repeated += first < old.size() ? 1 : 0;
        for (int k = 0; k < Math.min(first, plan.size()); k++) {
          assertTrue(ScenarioPlan.sameTransform(old.get(k), plan.get(k).perturbation()), s.name() + " seed " + seed);
        }
        List<ScenarioPlan.Phase> again = ScenarioPlan.resolve(s, env, seed).phases();
        for (int k = 0; k < plan.size(); k++) {
          assertTrue(ScenarioPlan.sameTransform(plan.get(k).perturbation(), again.get(k).perturbation()),
              "reproducible from the seed");
        }
      }
    }
    assertTrue(repeated > 100, "the brute force met repeats to redraw: " + repeated);
  }

  @Test
  void identityCountsAsATransform() {
    // two outcomes only: a random action permutation after an identity phase must be the swap
    Scenario s = ScenarioTest.parse("""
        env: CartPole-v1
        phases: [{steps: 10}, {steps: 10, action_permutation: random}]
        repeat: 3
        """);
    for (long seed = 0; seed < 200; seed++) {
      List<ScenarioPlan.Phase> plan = ScenarioPlan.resolve(s, ScenarioTest.CARTPOLE, seed).phases();
      for (int k = 1; k < plan.size(); k += 2) {
        assertArrayEquals(new int[] {1, 0}, plan.get(k).perturbation().actionPermutation(), "seed " + seed);
      }
    }
  }

  @Test
  void aRandomWrapperWithOneOutcomeIsAOneLineError() {
    EnvSpec oneObs = new EnvSpec("Line-v0", Box.uniform(-1, 1, DType.FLOAT32, 1), new Discrete(1), 10, List.of(),
        List.of());
    String yaml = """
        env: Line-v0
        phases: [{steps: 10, obs_permutation: random}]
        repeat: 2
        """;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScenarioPlan.resolve(ScenarioTest.parse(yaml), oneObs, 1));
    assertEquals("scenario s.yaml: phases[0]: its random wrappers have a single outcome (a permutation of one entry), "
        + "so it cannot draw a transform other than the previous phase's; write identity instead of random",
        e.getMessage());
    // one phase instance: nothing to differ from; a random sign flip has two outcomes even on one entry
    ScenarioPlan.resolve(ScenarioTest.parse(yaml.replace("repeat: 2", "repeat: 1")), oneObs, 1);
    ScenarioPlan plan = ScenarioPlan.resolve(ScenarioTest.parse(yaml.replace("obs_permutation", "obs_sign_flip")),
        oneObs, 1);
    assertEquals(-plan.phases().get(0).perturbation().obsSignFlip()[0], plan.phases().get(1).perturbation()
        .obsSignFlip()[0]);
  }

  /** The draws of ScenarioPlan before issue 21 (no redraw), wrappers only, for the built-in permute scenarios. */
  static List<Perturbation> drawsWithoutTheRule(Scenario s, EnvSpec env, long seed) {
    SplittableRandom rng = new SplittableRandom(seed ^ 0x5CE9A210F00DL);
    int n = env.observationSpace().flatSize();
    List<Perturbation> out = new java.util.ArrayList<>();
    for (Scenario.PhaseSpec p : s.sequence()) {
      assertTrue(p.dynamics().isEmpty() && p.obsPermutation() instanceof Scenario.Permutation.Random
          && p.obsSignFlip() instanceof Scenario.SignFlip.Random
          && p.actionPermutation() instanceof Scenario.Permutation.Identity, "a permute scenario");
      int[] perm = new int[n];
      for (int i = 0; i < n; i++) {
        perm[i] = i;
      }
      for (int i = n - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      double[] sign = new double[n];
      for (int i = 0; i < n; i++) {
        sign[i] = rng.nextBoolean() ? -1.0 : 1.0;
      }
      int[] act = env.actionSpace() instanceof Discrete d ? identity((int) d.n()) : null;
      out.add(new Perturbation(null, perm, sign, act, null));
    }
    return out;
  }

  /** The first phase index k ≥ 1 that repeats phase k − 1's transform, or the size if none. */
  static int firstRepeat(List<Perturbation> draws) {
    for (int k = 1; k < draws.size(); k++) {
      if (ScenarioPlan.sameTransform(draws.get(k), draws.get(k - 1))) {
        return k;
      }
    }
    return draws.size();
  }

  private static int[] identity(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    return p;
  }
}
