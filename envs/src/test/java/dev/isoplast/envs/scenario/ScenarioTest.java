package dev.isoplast.envs.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Scenario files: parsing, validation messages, and their resolution into concrete phases. */
class ScenarioTest {

  /** CartPole-v1 as the server declares it (ranges 0.1x–10x the defaults). */
  static final EnvSpec CARTPOLE = new EnvSpec("CartPole-v1", Box.uniform(-5, 5, DType.FLOAT32, 4), new Discrete(2),
      500, List.of(new EnvSpec.Param("gravity", 0.98, 98, 9.8, ""), new EnvSpec.Param("length", 0.05, 5, 0.5, ""),
          new EnvSpec.Param("masspole", 0.01, 1, 0.1, "")), List.of());

  static final EnvSpec PENDULUM = new EnvSpec("Pendulum-v1", Box.uniform(-8, 8, DType.FLOAT32, 3),
      Box.uniform(-2, 2, DType.FLOAT32, 1), 200, List.of(new EnvSpec.Param("g", 1, 100, 10, "")), List.of());

  static Scenario parse(String yaml) {
    return Scenario.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "s.yaml");
  }

  @Test
  void parsesTheDesignExampleAndExpandsRepeat() {
    Scenario s = parse("""
        name: cartpole-gravity
        env: CartPole-v1
        num_envs: 8
        phases:
          - {steps: 100000, dynamics: {gravity: 9.8, length: 0.5}}
          - {steps: 100000, dynamics: {gravity: 24.0, length: 1.0}}
          - {steps: 50000, obs_permutation: random, obs_sign_flip: random}
        repeat: 3
        """);
    assertEquals("CartPole-v1", s.envId());
    assertEquals(8, s.numEnvs());
    assertEquals(9, s.sequence().size());
    assertEquals(3 * 250_000, s.totalSteps());
    assertEquals(new Draw.Fixed(24.0), s.phases().get(1).dynamics().get("gravity"));
    assertTrue(s.phases().get(2).obsPermutation() instanceof Scenario.Permutation.Random);
    assertEquals(6 * 1000, s.withPhaseSteps(1000).withRepeat(2).totalSteps());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "phases: [{steps: 10, gravty: 1}]|phases[0]: unknown key 'gravty'",
      "phases: [{steps: 10}, {dynamics: {gravity: 1}}]|phases[1]: steps is required",
      "phases: [{steps: -5}]|phases[0]: steps must be positive",
      "phases: [{steps: 10}, {steps: 10, dynamics: {gravity: fast}}]|phases[1]: dynamics.gravity must be a number",
      "phases: [{steps: 10, dynamics: {gravity: {normal: [1, 2]}}}]|phases[0]: dynamics.gravity: unknown distribution 'normal'",
      "phases: [{steps: 10, dynamics: {gravity: {log_uniform: [0, 2]}}}]|phases[0]: dynamics.gravity.log_uniform needs 0 < low",
      "phases: [{steps: 10, obs_sign_flip: [1, 2, 1, 1]}]|phases[0]: obs_sign_flip entries must be +1 or -1",
      "phases: [{steps: 10, obs_permutation: shuffled}]|phases[0]: obs_permutation must be random, channels, identity or a list",
      "phases: [{steps: 10, reward_scale: 0}]|phases[0]: reward_scale must be in [1.0E-6, 1000000.0]",
      "phases: [{steps: 10, reward_scale: 1.0e+308}]|phases[0]: reward_scale must be in [1.0E-6, 1000000.0]",
      "phases: []|phases must be a non-empty list",
      "phase: [{steps: 10}]|unknown key 'phase'"})
  void badFilesGetOneLineErrorsNamingFilePhaseAndKey(String body, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse("env: CartPole-v1\n" + body + "\n"));
    assertTrue(e.getMessage().startsWith("scenario s.yaml: "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void resolutionChecksKeysAndRangesAgainstTheEnv() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScenarioPlan.resolve(parse("""
        env: CartPole-v1
        phases: [{steps: 10}, {steps: 10, dynamics: {gravity: 9.8, lenght: 1}}]
        """), CARTPOLE, 1));
    assertEquals("scenario s.yaml: phases[1]: dynamics.lenght: CartPole-v1 has no dynamics parameter 'lenght' "
        + "(valid: gravity, length, masspole)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ScenarioPlan.resolve(parse("""
        env: CartPole-v1
        phases: [{steps: 10, dynamics: {gravity: {uniform: [5, 200]}}}]
        """), CARTPOLE, 1));
    assertTrue(e.getMessage().contains("phases[0]: dynamics.gravity: range [5.0, 200.0] is outside the allowed "
        + "[0.98, 98.0]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ScenarioPlan.resolve(parse("""
        env: Pendulum-v1
        phases: [{steps: 10, action_permutation: random}]
        """), PENDULUM, 1));
    assertTrue(e.getMessage().contains("phases[0]: action_permutation needs a Discrete action space"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ScenarioPlan.resolve(parse("""
        env: CartPole-v1
        phases: [{steps: 10, obs_permutation: [0, 1, 1, 3]}]
        """), CARTPOLE, 1));
    assertTrue(e.getMessage().contains("phases[0]: obs_permutation must be a permutation of 0..3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ScenarioPlan.resolve(parse("""
        env: Acrobot-v1
        phases: [{steps: 10}]
        """), CARTPOLE, 1));
    assertTrue(e.getMessage().contains("is for Acrobot-v1, not CartPole-v1"), e.getMessage());
  }

  @Test
  void phasesAreAbsoluteAndRandomDrawsComeFromTheSeed() {
    Scenario s = parse("""
        env: CartPole-v1
        phases:
          - {steps: 100, dynamics: {gravity: 20}}
          - {steps: 50, obs_permutation: random, obs_sign_flip: random, action_permutation: random,
             dynamics: {length: {log_uniform: [0.1, 2]}}, reward_scale: 2}
        repeat: 3
        """);
    ScenarioPlan plan = ScenarioPlan.resolve(s, CARTPOLE, 7);
    assertEquals(6, plan.phases().size());
    assertEquals(450, plan.totalSteps());
    ScenarioPlan.Phase p0 = plan.phases().get(0);
    // absolute: the unnamed parameters are Gymnasium's defaults, the wrappers the identity
    assertEquals(Map.of("gravity", 20.0, "length", 0.5, "masspole", 0.1), p0.perturbation().dynamics());
    assertArrayEquals(new int[] {0, 1, 2, 3}, p0.perturbation().obsPermutation());
    assertArrayEquals(new double[] {1, 1, 1, 1}, p0.perturbation().obsSignFlip());
    assertArrayEquals(new int[] {0, 1}, p0.perturbation().actionPermutation());
    assertEquals(1.0, p0.perturbation().rewardScale());
    ScenarioPlan.Phase p2 = plan.phases().get(2);
    assertEquals(Map.of("gravity", 20.0, "length", 0.5, "masspole", 0.1), p2.perturbation().dynamics(),
        "a later instance of a phase restores what the previous phase changed");
    assertEquals(150, p2.startStep()); // 100 + 50
    assertEquals(0, p2.specIndex());
    // random draws: valid, reproducible from the seed, new for every instance
    List<String> draws = new java.util.ArrayList<>();
    for (int k = 1; k < 6; k += 2) {
      var q = plan.phases().get(k).perturbation();
      int[] sorted = q.obsPermutation().clone();
      Arrays.sort(sorted);
      assertArrayEquals(new int[] {0, 1, 2, 3}, sorted);
      double len = q.dynamics().get("length");
      assertTrue(len >= 0.1 && len <= 2, "log-uniform in range: " + len);
      assertEquals(2.0, q.rewardScale());
      draws.add(Arrays.toString(q.obsPermutation()) + Arrays.toString(q.obsSignFlip()) + len);
    }
    assertEquals(3, draws.stream().distinct().count(), "each phase instance draws anew: " + draws);
    ScenarioPlan again = ScenarioPlan.resolve(s, CARTPOLE, 7);
    ScenarioPlan other = ScenarioPlan.resolve(s, CARTPOLE, 8);
    for (int k = 0; k < 6; k++) {
      assertArrayEquals(plan.phases().get(k).perturbation().obsPermutation(),
          again.phases().get(k).perturbation().obsPermutation());
      assertEquals(plan.phases().get(k).perturbation().dynamics(), again.phases().get(k).perturbation().dynamics());
    }
    assertFalse(plan.phases().get(1).perturbation().dynamics().equals(other.phases().get(1).perturbation().dynamics()),
        "another seed draws other values");
    assertEquals(plan.phases().get(1), plan.phaseAt(120));
    assertEquals(plan.phases().get(5), plan.phaseAt(10_000));
  }

  @Test
  void logUniformHasEqualMassPerFactor() {
    // P(x < sqrt(lo*hi)) = 1/2 for log-uniform(lo, hi); a uniform draw would give (sqrt(0.04)-0.02)/1.98 = 0.09
    Draw d = new Draw.LogUniform(0.02, 2.0);
    java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
    int below = 0;
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      double x = d.draw(rng);
      assertTrue(x >= 0.02 && x <= 2.0);
      below += x < 0.2 ? 1 : 0;
    }
    assertEquals(0.5, below / (double) n, 0.015);
  }

  @Test
  void everyBuiltInLoadsAndSaysWhatItProvokes() throws Exception {
    for (String name : Scenario.BUILT_INS) {
      Scenario s = Scenario.load(name);
      assertEquals(name, s.name());
      assertFalse(s.description().isBlank(), name);
      assertTrue(s.totalSteps() > 0);
      try (var in = Scenario.class.getResourceAsStream("/scenarios/" + name + ".yaml")) {
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("# " + name + ":"), "a comment saying what " + name + " is meant to provoke");
      }
    }
    Scenario ant = Scenario.load("slippery-ant");
    assertEquals(new Draw.LogUniform(0.02, 2.0), ant.phases().get(0).dynamics().get("friction_scale"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenario.load("nope"));
    assertTrue(e.getMessage().contains("built-ins: cartpole-gravity"), e.getMessage());
  }

  @Test
  void plasticityRatioShiftsByTheEnvsLowestReturn() {
    assertEquals(400.0 / 420.0, PlasticityRatio.of("Acrobot-v1", 1.0, -100, -80), 1e-12);
    assertEquals(450.0 / 500.0, PlasticityRatio.of("CartPole-v1", 1.0, 450, 500), 1e-12);
    // rewards scaled by 2: the floor scales too
    assertEquals((-200.0 + 1000) / (-160.0 + 1000), PlasticityRatio.of("Acrobot-v1", 2.0, -200, -160), 1e-12);
    double floor = -200 * (Math.PI * Math.PI + 6.4 + 0.004);
    assertEquals(-3254.72, floor, 0.01);
    assertEquals((-300 - floor) / (-200 - floor), PlasticityRatio.of("Pendulum-v1", 1.0, -300, -200), 1e-12);
    assertNull(PlasticityRatio.floor("Ant-v5"));
    assertEquals(0.5, PlasticityRatio.of("Ant-v5", 1.0, 1000, 2000), 1e-12);
    assertTrue(Double.isNaN(PlasticityRatio.of("CartPole-v1", 1.0, Double.NaN, 10)));
  }
}
