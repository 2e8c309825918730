package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.LayerNorm;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Sequential;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Normalize-and-Project: the card's hand values, every normalised layer at its initial norm after
 * every step of training, the projection leaves the function unchanged (zero biases, up to
 * LayerNorm's ε), a body without LayerNorm is refused, a checkpoint continues exactly, and its
 * preset learns.
 */
class NormalizeProjectTest {

  private static Sequential net(List<Integer> hidden) {
    return Networks.build("net", 2, BodyConfig.mlp(hidden, BodyConfig.Nonlinearity.RELU, true,
        Init.orthogonal(Init.RELU_GAIN)), 2, Init.orthogonal(1.0), new SplittableRandom(2), DataType.DOUBLE);
  }

  private static double frobenius(INDArray a) {
    return Math.sqrt(HostArrays.sumOfSquares(a));
  }

  @Test
  void projectsToTheInitialNormsAsTheCardComputes() {
    Sequential net = net(List.of(2));
    Dense first = net.layersOf(Dense.class).get(0);
    LayerNorm ln = net.layersOf(LayerNorm.class).get(0);
    HostArrays.fromDoubles(new double[] {3, 0, 0, 4}, first.weight().value());
    NormalizeProject nap = new NormalizeProject(Map.of("net", net)); // ‖W⁽⁰⁾‖ = 5, ‖(γ, β)⁽⁰⁾‖ = √2
    HostArrays.fromDoubles(new double[] {6, 0, 0, 8}, first.weight().value());
    nap.project();
    assertArrayEquals(new double[] {3, 0, 0, 4}, HostArrays.toDoubles(first.weight().value(), null), 1e-15);
    HostArrays.fromDoubles(new double[] {3, 1, 0, 4}, first.weight().value());
    HostArrays.fromDoubles(new double[] {2, 0}, ln.gain().value());
    HostArrays.fromDoubles(new double[] {0, 1}, ln.bias().value());
    double[] head = HostArrays.toDoubles(net.layersOf(Dense.class).get(1).weight().value(), null);
    nap.project();
    assertArrayEquals(new double[] {2.94174203, 0.98058068, 0, 3.9223227},
        HostArrays.toDoubles(first.weight().value(), null), 1e-8, "‖[[3, 1], [0, 4]]‖ = 5.0990195 → 5");
    assertArrayEquals(new double[] {1.26491106, 0}, HostArrays.toDoubles(ln.gain().value(), null), 1e-8,
        "(γ, β) = ([2, 0], [0, 1]) jointly to norm √2");
    assertArrayEquals(new double[] {0, 0.63245553}, HostArrays.toDoubles(ln.bias().value(), null), 1e-8);
    assertArrayEquals(head, HostArrays.toDoubles(net.layersOf(Dense.class).get(1).weight().value(), null), 0.0,
        "the head is not projected");
  }

  @Test
  void aProjectionLeavesTheFunctionUnchanged() {
    Sequential net = net(List.of(8, 8));
    NormalizeProject nap = new NormalizeProject(Map.of("net", net));
    INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 2).subi(0.5).muli(4);
    INDArray before = net.forward(x).dup();
    // zero Dense biases (orthogonal init) and (γ, β) at their initial norm: only the weights' scale changes
    for (Dense d : net.layersOf(Dense.class).subList(0, 2)) {
      d.weight().value().muli(3.0);
    }
    nap.project();
    INDArray after = net.forward(x);
    double worst = before.sub(after).amaxNumber().doubleValue();
    assertTrue(worst < 1e-4, "outputs moved by " + worst + " (LayerNorm's ε = 1e-5 only)");
  }

  @Test
  void everyNormalisedLayerKeepsItsInitialNormWhileItTrains() {
    SupervisedLearner l = WeightClipTest.learner("nap", Map.of("learning_rate", 0.03), 3);
    List<Dense> dense = l.net().layersOf(Dense.class);
    List<LayerNorm> norms = l.net().layersOf(LayerNorm.class);
    double[] w0 = {frobenius(dense.get(0).weight().value()), frobenius(dense.get(1).weight().value())};
    double grown = 0;
    for (int k = 0; k < 30; k++) {
      double headBefore = frobenius(dense.get(2).weight().value());
      WeightClipTest.train(l, k, k + 1);
      grown = Math.max(grown, Math.abs(frobenius(dense.get(2).weight().value()) - headBefore));
      for (int i = 0; i < 2; i++) {
        assertEquals(w0[i], frobenius(dense.get(i).weight().value()), 1e-5 * w0[i], "hidden W" + i + " at step " + k);
        double ln = Math.hypot(frobenius(norms.get(i).gain().value()), frobenius(norms.get(i).bias().value()));
        assertEquals(4.0, ln, 1e-5, "(γ, β) of layer " + i + " at √16");
      }
    }
    assertTrue(grown > 0, "the head is trained, its norm free");
  }

  @Test
  void aBodyWithoutLayerNormIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WeightClipTest.learner("nap", Map.of("layer_norm", false), 1));
    assertTrue(e.getMessage().contains("has no LayerNorm (set layer_norm=true)"), e.getMessage());
  }

  @Test
  void aCheckpointContinuesExactly() {
    WeightClipTest.assertSameContinuation(() -> WeightClipTest.learner("nap", Map.of("learning_rate", 0.03), 4), 7, 6);
  }

  @Test
  void itsPresetLearns() {
    // 100 steps at 3e-3 (a value of its knob) rather than WeightClipTest.assertPresetLearns's 300 at 1e-3:
    // a supervised step with LayerNorm costs far more than one without (0.15 s against 0.4 ms under load)
    SupervisedLearner l = WeightClipTest.learner("nap", Map.of("learning_rate", 0.003), 5);
    assertEquals(1, l.interventions().list().size());
    double[] losses = WeightClipTest.train(l, 0, 100);
    double first = java.util.Arrays.stream(losses, 0, 20).average().orElseThrow();
    double last = java.util.Arrays.stream(losses, 80, 100).average().orElseThrow();
    System.out.printf("nap: supervised loss %.4f -> %.4f in 100 steps%n", first, last);
    assertTrue(last < 0.5 * first, "loss " + first + " → " + last);
  }
}
