package dev.isoplast.agents.dqn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Init;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DqnConfigTest {

  @Test
  void defaultsAreCleanRlDqn() {
    DqnConfig c = DqnConfig.defaults();
    assertEquals(1, c.numEnvs());
    assertEquals(2.5e-4, c.learningRate());
    assertEquals(10_000, c.bufferSize());
    assertEquals(0.99, c.gamma());
    assertEquals(1.0, c.tau());
    assertEquals(500, c.targetNetworkFrequency());
    assertEquals(128, c.batchSize());
    assertEquals(1.0, c.startE());
    assertEquals(0.05, c.endE());
    assertEquals(0.5, c.explorationFraction());
    assertEquals(10_000, c.learningStarts());
    assertEquals(10, c.trainFrequency());
    assertEquals("mse", c.loss());
    assertFalse(c.doubleDqn());
    assertEquals("adam", c.methods().optim().optimizer());
    assertEquals(1e-8, c.methods().optim().adamEps());
    assertEquals(BodyConfig.mlp(List.of(120, 84), BodyConfig.Nonlinearity.RELU, false, Init.torchDefault()),
        c.body());
  }

  @Test
  void epsilonScheduleByHand() {
    DqnConfig c = DqnConfig.defaults(); // 1 → 0.05 over 0.5 × 1000 = 500 steps: slope −0.0019
    assertEquals(1.0, c.epsilon(1000, 0), 1e-12);
    assertEquals(1.0 - 0.0019 * 100, c.epsilon(1000, 100), 1e-12); // 0.81
    assertEquals(0.525, c.epsilon(1000, 250), 1e-12);
    assertEquals(0.05, c.epsilon(1000, 500), 1e-12);
    assertEquals(0.05, c.epsilon(1000, 999), 1e-12);
    DqnConfig d = c.with("start_e", 0.5).with("end_e", 0.1).with("exploration_fraction", 0.1);
    assertEquals(0.5 - 0.4 * 37 / 1000.0, d.epsilon(10_000, 37), 1e-12);
    assertEquals(0.1, d.epsilon(10_000, 1000), 1e-12);
  }

  @Test
  void mapRoundTripAndOverrides() {
    DqnConfig c = DqnConfig.defaults();
    assertEquals(c, DqnConfig.fromMap(c.toMap()));
    assertEquals(DqnConfig.KEYS, List.copyOf(c.toMap().keySet()));
    DqnConfig d = DqnConfig.fromMap(Map.of("loss", "huber", "double_dqn", "true", "hidden_sizes", "64,64", "tau",
        "0.005", "optimizer", "adamo", "iso_coef", 1e-3, "body", "isometric", "learning_starts", "500"));
    assertEquals("huber", d.loss());
    assertTrue(d.doubleDqn());
    assertEquals(0.005, d.tau());
    assertEquals(500, d.learningStarts());
    assertEquals(BodyConfig.isometric(List.of(64, 64), false), d.body());
    assertEquals(d, DqnConfig.fromMap(d.toMap()));
    // back to an mlp from an isometric base: DQN's default init, not PPO's
    assertEquals(Init.torchDefault(), DqnConfig.fromMap(d, Map.of("body", "mlp", "activation", "relu"))
        .body().init());
  }

  @Test
  void sharedOptionsHavePpoKeys() {
    List<String> ppoKeys = PpoConfig.KEYS;
    for (String k : List.of("num_envs", "learning_rate", "gamma", "body", "hidden_sizes", "activation", "layer_norm",
        "optimizer", "adam_beta1", "adam_beta2", "adam_eps", "weight_decay", "momentum", "iso_coef", "iso_lr",
        "iso_every", "iso_sketch", "parseval_coef", "l2_coef", "l2_init_coef", "spectral_coef")) {
      assertTrue(DqnConfig.KEYS.contains(k) && ppoKeys.contains(k), k);
    }
  }

  @Test
  void unknownKeysAreListed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DqnConfig.fromMap(Map.of("target_network_freq", 100)));
    assertTrue(e.getMessage().contains("unknown DQN config key [target_network_freq]"), e.getMessage());
    assertTrue(e.getMessage().contains("target_network_frequency"), e.getMessage());
  }

  @Test
  void validation() {
    DqnConfig c = DqnConfig.defaults();
    assertEquals("loss must be one of [mse, huber], got 'l1'",
        assertThrows(IllegalArgumentException.class, () -> c.with("loss", "l1")).getMessage());
    assertEquals("tau must be in (0, 1], got 0.0",
        assertThrows(IllegalArgumentException.class, () -> c.with("tau", 0)).getMessage());
    assertEquals("exploration_fraction must be in (0, 1], got 1.5",
        assertThrows(IllegalArgumentException.class, () -> c.with("exploration_fraction", 1.5)).getMessage());
    assertEquals("end_e must be in [0, 1], got -0.1",
        assertThrows(IllegalArgumentException.class, () -> c.with("end_e", -0.1)).getMessage());
    assertEquals("batch_size must be positive, got 0",
        assertThrows(IllegalArgumentException.class, () -> c.with("batch_size", 0)).getMessage());
    assertEquals("learning_starts must be >= 0, got -1",
        assertThrows(IllegalArgumentException.class, () -> c.with("learning_starts", -1)).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> c.with("iso_coef", 1e-3)).getMessage()
        .contains("need optimizer adamo"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> c.with("buffer_size", 2).withNumEnvs(4))
        .getMessage().contains("buffer_size (2)"));
    String unknown = assertThrows(IllegalArgumentException.class, () -> c.with("optimizer", "rmsprop")).getMessage();
    assertTrue(unknown.startsWith("optimizer must be one of [adam, adamw, adamo, sgd")
        && unknown.endsWith("], got 'rmsprop'"), unknown);
  }

  @Test
  void theMinAtarConfigFileIsYoungAndTiansDqn() throws Exception {
    // configs/dqn-minatar.yaml against the constants of examples/dqn.py (github.com/kenjyoung/MinAtar)
    java.nio.file.Path file = dev.isoplast.envs.sidecar.IsoplastHome.locate().resolve("configs/dqn-minatar.yaml");
    Map<String, Object> values = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readValue(file.toFile(),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    DqnConfig c = DqnConfig.fromMap(values);
    assertEquals(100_000, c.bufferSize()); // REPLAY_BUFFER_SIZE
    assertEquals(32, c.batchSize()); // BATCH_SIZE
    assertEquals(1, c.trainFrequency()); // TRAINING_FREQ
    assertEquals(1000, c.targetNetworkFrequency()); // TARGET_NETWORK_UPDATE_FREQ
    assertEquals(1.0, c.tau());
    assertEquals(5000, c.learningStarts()); // REPLAY_START_SIZE
    assertEquals(2.5e-4, c.learningRate()); // STEP_SIZE
    assertEquals(0.99, c.gamma()); // GAMMA
    assertEquals(1.0, c.startE()); // EPSILON
    assertEquals(0.1, c.endE()); // END_EPSILON
    assertEquals("huber", c.loss()); // smooth_l1_loss
    assertEquals(BodyConfig.conv(List.of(), BodyConfig.Nonlinearity.RELU, false, Init.torchDefault()), c.body());
  }
}
