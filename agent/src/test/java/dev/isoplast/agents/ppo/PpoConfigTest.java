package dev.isoplast.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.BodyConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PpoConfigTest {

  @Test
  void defaultsAreCleanRlClassicControl() {
    PpoConfig c = PpoConfig.defaults();
    assertEquals(4, c.numEnvs());
    assertEquals(128, c.numSteps());
    assertEquals(2.5e-4, c.learningRate());
    assertTrue(c.annealLr());
    assertEquals(0.99, c.gamma());
    assertEquals(0.95, c.gaeLambda());
    assertEquals(4, c.numMinibatches());
    assertEquals(4, c.updateEpochs());
    assertTrue(c.normAdv());
    assertEquals(0.2, c.clipCoef());
    assertTrue(c.clipVloss());
    assertEquals(0.01, c.entCoef());
    assertEquals(0.5, c.vfCoef());
    assertEquals(0.5, c.maxGradNorm());
    assertNull(c.targetKl());
    assertEquals(1e-5, c.methods().optim().adamEps());
    assertEquals(BodyConfig.cleanRlPpo(), c.body());
    assertEquals(512, c.batchSize());
    assertEquals(128, c.minibatchSize());
    assertEquals(976, c.numIterations(500_000));
  }

  @Test
  void continuousDefaults() {
    PpoConfig c = PpoConfig.continuousDefaults();
    assertEquals(2048, c.batchSize());
    assertEquals(64, c.minibatchSize());
    assertEquals(10, c.updateEpochs());
    assertEquals(0.0, c.entCoef());
    assertEquals(3e-4, c.learningRate());
  }

  @Test
  void mapRoundTripAndOverrides() {
    PpoConfig c = PpoConfig.defaults();
    assertEquals(c, PpoConfig.fromMap(c.toMap()));
    assertEquals(PpoConfig.KEYS, List.copyOf(c.toMap().keySet()));
    PpoConfig d = PpoConfig.fromMap(Map.of("gae_lambda", "0.9", "hidden_sizes", "32,32", "target_kl", "0.02",
        "optimizer", "adamo", "iso_coef", 1e-3, "body", "isometric"));
    assertEquals(0.9, d.gaeLambda());
    assertEquals(List.of(32, 32), d.body().hiddenSizes());
    assertEquals(BodyConfig.Kind.ISOMETRIC, d.body().type());
    assertEquals(0.02, d.targetKl());
    assertEquals(1e-3, d.methods().get(dev.isoplast.optim.AdamO.PART).isoCoef());
    assertEquals(d, PpoConfig.fromMap(d.toMap()));
    assertNull(d.with("target_kl", null).targetKl());
  }

  @Test
  void unknownKeysAreListed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PpoConfig.fromMap(Map.of("gae_lamda", 0.9)));
    assertTrue(e.getMessage().contains("gae_lamda"), e.getMessage());
    assertTrue(e.getMessage().contains("gae_lambda"), e.getMessage());
  }

  @Test
  void validation() {
    PpoConfig c = PpoConfig.defaults();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> c.withNumMinibatches(3)).getMessage()
        .contains("must divide batch_size"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> c.with("gamma", 1.5)).getMessage()
        .contains("gamma"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> c.with("optimizer", "rmsprop")).getMessage()
        .contains("[adam, adamw, adamo, sgd"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> c.with("iso_coef", 0.1)).getMessage()
        .contains("adamo"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> c.with("num_envs", "two")).getMessage()
        .contains("num_envs"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> c.numIterations(100)).getMessage()
        .contains("batch_size"));
  }
}
