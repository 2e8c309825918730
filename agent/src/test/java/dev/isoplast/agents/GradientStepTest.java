package dev.isoplast.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.loss.Mse;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.GradClip;
import dev.isoplast.optim.L2Regularizer;
import dev.isoplast.optim.ParamMask;
import dev.isoplast.optim.ParsevalRegularizer;
import dev.isoplast.optim.Regularizer;
import dev.isoplast.plasticity.MethodConfig;
import dev.isoplast.plasticity.Interventions;
import dev.isoplast.testing.RandomArrays;
import dev.isoplast.testing.TestLearner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The shared gradient step equals, bit for bit, the sequence PPO and DQN ran inline before it
 * existed (forward and loss, zero grads, backward, regularizers, clipping, optimizer step), and
 * runs the interventions after the optimizer step.
 */
class GradientStepTest {

  private static Sequential net() {
    return Networks.build("net", 3, BodyConfig.mlp(List.of(8, 8), BodyConfig.Nonlinearity.TANH, false,
        Init.orthogonal(Init.RELU_GAIN)), 2, Init.orthogonal(1.0), new SplittableRandom(9), DataType.DOUBLE);
  }

  private static List<Regularizer> regularizers(List<Param> params) {
    return List.of(new ParsevalRegularizer(1e-2), L2Regularizer.toInit(1e-2, ParamMask.all(), params));
  }

  @Test
  void equalsTheInlineSequenceBitForBit() {
    SplittableRandom rng = new SplittableRandom(4);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 16, 3);
    INDArray y = RandomArrays.gaussian(rng, DataType.DOUBLE, 16, 2).muli(3);
    INDArray gradA = Nd4j.zeros(DataType.DOUBLE, 16, 2);
    INDArray gradB = Nd4j.zeros(DataType.DOUBLE, 16, 2);

    Sequential a = net();
    Adam adamA = new Adam(a.params(), 3e-2);
    GradientStep step = new GradientStep(a.params(), adamA, regularizers(a.params()), 0.5, Interventions.none());
    TestLearner learner = new TestLearner(Map.of("net", a), adamA, new float[0]);

    Sequential b = net();
    Adam adamB = new Adam(b.params(), 3e-2);
    List<Regularizer> regB = regularizers(b.params());

    for (int t = 0; t < 25; t++) {
      step.take(learner, () -> {
        Mse.loss(a.forward(x), y, gradA);
        a.backwardParams(gradA);
      });
      // the old inline sequence
      Mse.loss(b.forward(x), y, gradB);
      for (Param p : b.params()) {
        p.zeroGrad();
      }
      b.backwardParams(gradB);
      for (Regularizer reg : regB) {
        reg.apply(b.params());
      }
      GradClip.clipGlobalNorm(b.params(), 0.5);
      adamB.step();
    }
    for (int k = 0; k < a.params().size(); k++) {
      assertArrayEquals(HostArrays.toDoubles(b.params().get(k).value(), null),
          HostArrays.toDoubles(a.params().get(k).value(), null), 0.0, a.params().get(k).name());
    }
    Map<String, Double> m = step.metrics();
    assertEquals(regB.get(0).value(b.params()), m.get("losses/" + regB.get(0).name()));
    assertEquals(regB.get(1).value(b.params()), m.get("losses/" + regB.get(1).name()));
  }

  @Test
  void interventionsActAfterTheOptimizerStepAndAtTheEndOfEachUpdate() {
    SplittableRandom rng = new SplittableRandom(5);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 8, 3);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 8, 2);
    Sequential a = net();
    Sequential b = net();
    Adam adamA = new Adam(a.params(), 1e-2);
    Adam adamB = new Adam(b.params(), 1e-2);
    Map<String, Object> keys = new LinkedHashMap<>();
    MethodConfig.adam(1e-8).putInto(keys);
    keys.putAll(Map.of("shrink_perturb", "noise", "shrink_p", 0.5, "reset_every", 2, "reset_layers", 1));
    Interventions interventions = MethodConfig.from(keys).interventions(Map.of("net", a), 3);
    GradientStep step = new GradientStep(a.params(), adamA, List.of(), null, interventions);
    TestLearner learner = new TestLearner(Map.of("net", a), adamA, new float[0]);
    step.take(learner, () -> {
      Mse.loss(a.forward(x), RandomArrays.gaussian(new SplittableRandom(1), DataType.DOUBLE, 8, 2), g);
      a.backwardParams(g);
    });
    b.zeroGrad();
    Mse.loss(b.forward(x), RandomArrays.gaussian(new SplittableRandom(1), DataType.DOUBLE, 8, 2), g);
    b.backwardParams(g);
    adamB.step();
    for (int k = 0; k < a.params().size(); k++) {
      assertArrayEquals(HostArrays.toDoubles(b.params().get(k).value().mul(0.5), null),
          HostArrays.toDoubles(a.params().get(k).value(), null), 1e-15, "θ ← 0.5 θ after Adam's step");
    }
    step.endUpdate(learner);
    assertEquals(1, step.updates());
    assertEquals(0.0, step.metrics().get("plasticity/resets_total"));
    step.endUpdate(learner);
    assertEquals(2, step.updates());
    assertEquals(1.0, step.metrics().get("plasticity/resets_total"), "reset_every 2 fired at the second update");
  }
}
