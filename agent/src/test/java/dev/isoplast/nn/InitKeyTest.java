package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.FakeEnv;
import dev.isoplast.agents.dqn.Dqn;
import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.Ppo;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code init} and {@code init_gain} keys (issue 21): defaults as before, the weights as stated, config.yaml. */
class InitKeyTest {

  private static final FakeEnv ENV = new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, 6), new Discrete(3));

  @Test
  void eachLearnerKeepsTodaysInitAndRecordsIt() {
    assertEquals(Init.orthogonal(Init.RELU_GAIN), PpoConfig.defaults().body().init());
    assertEquals(Init.orthogonal(Init.RELU_GAIN), PpoConfig.continuousDefaults().body().init());
    assertEquals(Init.torchDefault(), DqnConfig.defaults().body().init());
    assertEquals(Init.torchDefault(), SupervisedConfig.small().body().init());
    assertEquals(Init.orthogonal(Init.RELU_GAIN), SupervisedConfig.paper().body().init());
    assertEquals(Init.kaimingUniform(Init.RELU_GAIN), SupervisedConfig.regression().body().init());
    // config.yaml is toMap(): it records the scheme and gain, and reads back to the same config
    Map<String, Object> m = PpoConfig.defaults().toMap();
    assertEquals("orthogonal", m.get("init"));
    assertEquals(Init.RELU_GAIN, m.get("init_gain"));
    assertEquals("torch_default", DqnConfig.defaults().toMap().get("init"));
    assertEquals(PpoConfig.defaults(), PpoConfig.fromMap(PpoConfig.defaults(), m));
    PpoConfig iso = PpoConfig.defaults().with("body", "isometric");
    assertEquals(Init.orthogonal(1.0), iso.body().init());
    assertEquals(iso, PpoConfig.fromMap(PpoConfig.defaults(), iso.toMap()));
    assertEquals(Init.orthogonal(Init.RELU_GAIN), iso.with("body", "mlp").with("activation", "relu").body().init(),
        "back to an mlp: the learner's default init, not the isometric body's");
    // the paper sweeps' `init: orthogonal` beside an isometric preset: the isometric body's gain 1
    assertEquals(Init.orthogonal(1.0), SupervisedConfig.fromMap(SupervisedConfig.paper(),
        Map.of("body", "isometric", "init", "orthogonal")).body().init());
    assertEquals(Init.orthogonal(Init.RELU_GAIN), SupervisedConfig.fromMap(SupervisedConfig.paper(),
        Map.of("init", "orthogonal")).body().init());
  }

  @Test
  void orthogonalAtGainOneGivesOrthonormalColumnsInEveryLearner() {
    PpoConfig ppo = PpoConfig.fromMap(PpoConfig.defaults().withNumEnvs(1), Map.of("init_gain", 1.0));
    Ppo agent = new Ppo(ppo, ENV, 3);
    checkOrthonormal(agent.actor(), 1.0);
    checkOrthonormal(agent.critic(), 1.0);
    // DQN's default is PyTorch's: naming orthogonal alone gives the default gain √2, WᵀW = 2I
    Dqn dqn = new Dqn(DqnConfig.defaults().with("init", "orthogonal"), ENV, 3);
    checkOrthonormal(dqn.qNetwork(), Init.RELU_GAIN);
    SupervisedConfig sup = SupervisedConfig.fromMap(SupervisedConfig.small(), Map.of("init", "orthogonal",
        "init_gain", "1"));
    checkOrthonormal(new SupervisedLearner(sup, 20, 4, 3).net(), 1.0);
  }

  @Test
  void torchDefaultAndTheUniformSchemesStayWithinTheirBounds() {
    Ppo agent = new Ppo(PpoConfig.defaults().withNumEnvs(1).with("init", "torch_default"), ENV, 4);
    checkUniform(agent.actor(), in -> 1 / Math.sqrt(in), true);
    SupervisedLearner sup = new SupervisedLearner(SupervisedConfig.fromMap(SupervisedConfig.paper(),
        Map.of("init", "xavier_uniform", "init_gain", 0.5, "hidden_sizes", "30,30")), 20, 4, 4);
    // xavier: 0.5·√(6/(fan_in + fan_out)); every hidden layer here has fan_out 30
    checkUniform(sup.net(), in -> 0.5 * Math.sqrt(6.0 / (in + 30)), false);
    Dqn dqn = new Dqn(DqnConfig.defaults().with("init", "kaiming_uniform"), ENV, 4);
    checkUniform(dqn.qNetwork(), in -> Init.RELU_GAIN * Math.sqrt(3.0 / in), false);
  }

  @Test
  void badValuesAreOneLineErrorsListingTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PpoConfig.defaults().with("init", "he"));
    assertEquals("init must be one of [orthogonal, kaiming_uniform, xavier_uniform, torch_default, delta_orthogonal], got 'he'",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DqnConfig.defaults().with("init_gain", 2.0));
    assertTrue(e.getMessage().startsWith("torch_default init is U(±1/√fan_in) and takes no gain"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> PpoConfig.fromMap(PpoConfig.defaults(), Map.of("body", "isometric", "init", "kaiming_uniform")));
    assertTrue(e.getMessage().startsWith("an isometric body is initialised orthogonal with gain 1"), e.getMessage());
  }

  /** Every hidden Dense weight W of {@code net}: WᵀW = gain² I (out ≥ in) or WWᵀ = gain² I; zero biases. */
  private static void checkOrthonormal(Sequential net, double gain) {
    for (Dense d : hidden(net)) {
      double[] w = HostArrays.toDoubles(d.weight().value(), null);
      int out = d.outSize();
      int in = d.inSize();
      int k = Math.min(out, in);
      for (int a = 0; a < k; a++) {
        for (int b = 0; b < k; b++) {
          double dot = 0;
          for (int t = 0; t < Math.max(out, in); t++) {
            dot += out >= in ? w[t * in + a] * w[t * in + b] : w[a * in + t] * w[b * in + t];
          }
          assertEquals(a == b ? gain * gain : 0.0, dot, 1e-5, d.name() + " (" + a + "," + b + ")");
        }
      }
      for (double b : HostArrays.toDoubles(d.bias().value(), null)) {
        assertEquals(0.0, b, d.name());
      }
    }
  }

  /** Every hidden Dense weight within ±bound(fan_in) and reaching beyond half of it; biases too if {@code biases}, else zero. */
  private static void checkUniform(Sequential net, java.util.function.IntToDoubleFunction bound, boolean biases) {
    for (Dense d : hidden(net)) {
      double limit = bound.applyAsDouble(d.inSize());
      double max = 0;
      for (double v : HostArrays.toDoubles(d.weight().value(), null)) {
        assertTrue(Math.abs(v) <= limit * (1 + 1e-6), d.name() + ": " + v + " beyond " + limit);
        max = Math.max(max, Math.abs(v));
      }
      assertTrue(max > 0.5 * limit, d.name() + ": largest |w| " + max + " of bound " + limit);
      double maxBias = 0;
      for (double b : HostArrays.toDoubles(d.bias().value(), null)) {
        assertTrue(Math.abs(b) <= limit * (1 + 1e-6), d.name() + " bias " + b);
        maxBias = Math.max(maxBias, Math.abs(b));
      }
      assertEquals(biases, maxBias > 0, d.name() + " biases");
    }
  }

  private static List<Dense> hidden(Sequential net) {
    List<Dense> hidden = net.layersOf(Dense.class).stream().filter(d -> !d.isHead()).toList();
    assertTrue(hidden.size() >= 2, net.name());
    return hidden;
  }
}
