package dev.isoplast.nn;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.testing.GradientCheck;
import dev.isoplast.testing.RandomArrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(Float64Mode.class)
class NetworksTest {


  @Test
  void cleanRlPpoActorHasTheExpectedLayersNamesAndInit() {
    Sequential actor = Networks.build("actor", 4, BodyConfig.cleanRlPpo(), 2, Networks.ACTOR_HEAD,
        new SplittableRandom(1), DataType.FLOAT);
    assertEquals("actor: Dense(actor.body.0: 4→64) → Tanh(actor.body.1: 64) → Dense(actor.body.2: 64→64)"
        + " → Tanh(actor.body.3: 64) → Dense(actor.head: 64→2, head)", actor.toString());
    assertEquals(List.of("actor.body.0.W", "actor.body.0.b", "actor.body.2.W", "actor.body.2.b", "actor.head.W",
        "actor.head.b"), actor.params().stream().map(Param::name).toList());
    assertEquals(List.of(false, false, false, false, true, true), actor.params().stream().map(Param::isHead).toList());
    // hidden: orthogonal gain √2, so WᵀW = 2I for the 64×4 first layer; head 2×64 gain 0.01: WWᵀ = 1e-4 I
    INDArray w0 = actor.params().get(0).value();
    assertTrue(w0.transpose().mmul(w0).sub(Nd4j.eye(4).castTo(DataType.FLOAT).muli(2)).amaxNumber().doubleValue() < 1e-5);
    INDArray wh = actor.params().get(4).value();
    assertTrue(wh.mmul(wh.transpose()).sub(Nd4j.eye(2).castTo(DataType.FLOAT).muli(1e-4)).amaxNumber().doubleValue() < 1e-9);
    for (Param p : actor.params()) {
      if (p.role() == Param.Role.BIAS) {
        assertEquals(0, p.value().amaxNumber().doubleValue(), 0, p.name());
      }
    }
  }

  @Test
  void oneSeedFixesTheNetwork() {
    BodyConfig body = BodyConfig.mlp(List.of(8, 8), BodyConfig.Nonlinearity.RELU, true, Init.kaimingUniform(1.4));
    Sequential a = Networks.build(3, body, 2, Init.torchDefault(), new SplittableRandom(5), DataType.FLOAT);
    Sequential b = Networks.build(3, body, 2, Init.torchDefault(), new SplittableRandom(5), DataType.FLOAT);
    Sequential c = Networks.build(3, body, 2, Init.torchDefault(), new SplittableRandom(6), DataType.FLOAT);
    for (int i = 0; i < a.params().size(); i++) {
      assertEquals(a.params().get(i).value(), b.params().get(i).value());
    }
    assertNotEquals(a.params().get(0).value(), c.params().get(0).value());
    assertEquals("body.0.W", a.params().get(0).name());
    assertEquals("head.b", a.params().get(a.params().size() - 1).name());
  }

  @Test
  void layerNormGoesBeforeTheActivation() {
    Sequential body = Networks.body("q", 5, BodyConfig.isometric(List.of(6), true), new SplittableRandom(1),
        DataType.DOUBLE);
    assertInstanceOf(Dense.class, body.layer(0));
    assertInstanceOf(LayerNorm.class, body.layer(1));
    assertInstanceOf(GroupSort.class, body.layer(2));
    assertEquals(List.of("q.body.0.W", "q.body.0.b", "q.body.1.gamma", "q.body.1.beta"),
        body.params().stream().map(Param::name).toList());
  }

  @Test
  void wholeNetworksPassTheGradientCheck() {
    SplittableRandom rng = new SplittableRandom(7);
    List<BodyConfig> bodies = List.of(
        BodyConfig.cleanRlPpo().withHiddenSizes(List.of(6, 4)),
        BodyConfig.mlp(List.of(7, 3), BodyConfig.Nonlinearity.LEAKY_RELU, true, Init.xavierUniform(1)),
        BodyConfig.mlp(List.of(8), BodyConfig.Nonlinearity.RELU, false, Init.kaimingUniform(Init.RELU_GAIN)),
        BodyConfig.isometric(List.of(8, 4), false),
        BodyConfig.isometric(List.of(4, 10), true));
    for (BodyConfig body : bodies) {
      Sequential net = Networks.build("n", 5, body, 3, Init.torchDefault(), rng, DataType.DOUBLE);
      INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 4, 5);
      Map<String, Double> errors = GradientCheck.layer(net, x, 8);
      assertTrue(GradientCheck.worst(errors) < 1e-6, body + " " + errors);
    }
  }

  @Test
  void backwardParamsGivesTheSameGradientsAsBackward() {
    SplittableRandom rng = new SplittableRandom(9);
    Sequential net = Networks.build(5, BodyConfig.cleanRlPpo(), 3, Networks.CRITIC_HEAD, rng, DataType.DOUBLE);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 6, 5);
    INDArray g = RandomArrays.gaussian(rng, DataType.DOUBLE, 6, 3);
    net.forward(x);
    net.backward(g);
    List<INDArray> full = net.params().stream().map(p -> p.grad().dup()).toList();
    net.zeroGrad();
    assertEquals(0, net.params().get(0).grad().amaxNumber().doubleValue(), 0);
    net.forward(x);
    net.backwardParams(g);
    for (int i = 0; i < full.size(); i++) {
      assertEquals(full.get(i), net.params().get(i).grad(), net.params().get(i).name());
    }
  }

  @Test
  void bodyConfigValidationSaysWhatIsWrong() {
    IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
        () -> BodyConfig.isometric(List.of(64, 63), false));
    assertEquals("MaxMin pairs units, so every hidden size of an isometric body must be even; hidden size 1 is 63",
        odd.getMessage());
    IllegalArgumentException tanh = assertThrows(IllegalArgumentException.class,
        () -> new BodyConfig(BodyConfig.Kind.ISOMETRIC, List.of(8), BodyConfig.Nonlinearity.TANH, false, null));
    assertEquals("an isometric body uses MaxMin; activation 'tanh' is not allowed (leave it unset or use an mlp body)",
        tanh.getMessage());
    IllegalArgumentException gain = assertThrows(IllegalArgumentException.class,
        () -> new BodyConfig(BodyConfig.Kind.ISOMETRIC, List.of(8), null, false, Init.orthogonal(2)));
    assertTrue(gain.getMessage().startsWith("an isometric body is initialised orthogonal with gain 1"));
    IllegalArgumentException noAct = assertThrows(IllegalArgumentException.class,
        () -> BodyConfig.mlp(List.of(8), null, false, Init.torchDefault()));
    assertEquals("an mlp body needs an activation, one of [relu, tanh, leaky_relu, maxmin]", noAct.getMessage());
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> BodyConfig.mlp(List.of(8, 0), BodyConfig.Nonlinearity.RELU, false, Init.torchDefault()));
    assertEquals("body hidden size 1 must be positive, got 0", size.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> BodyConfig.mlp(List.of(), BodyConfig.Nonlinearity.RELU, false, Init.torchDefault()));
    IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
        () -> BodyConfig.Nonlinearity.fromName("sigmoid"));
    assertEquals("activation must be one of [relu, tanh, leaky_relu, maxmin], got 'sigmoid'", name.getMessage());
    assertEquals(BodyConfig.Kind.ISOMETRIC, BodyConfig.Kind.fromName("isometric"));
    BodyConfig iso = BodyConfig.isometric(List.of(8), false);
    assertEquals(BodyConfig.Nonlinearity.MAXMIN, iso.activation());
    assertEquals(Init.orthogonal(1), iso.init());
  }

  @Test
  void sequentialRejectsMismatchedSizesAndDuplicateNames() {
    IllegalArgumentException sizes = assertThrows(IllegalArgumentException.class, () -> new Sequential("s",
        List.of(new Dense("a", 3, 4, false, DataType.DOUBLE), new Tanh("t", 5))));
    assertEquals("Sequential s: Dense(a: 3→4) outputs 4 units but the next layer Tanh(t: 5) takes 5",
        sizes.getMessage());
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> new Sequential("s",
        List.of(new Dense("a", 3, 3, false, DataType.DOUBLE), new Dense("a", 3, 3, false, DataType.DOUBLE))));
    assertEquals("Sequential s: two parameters named a.W", dup.getMessage());
  }
}
