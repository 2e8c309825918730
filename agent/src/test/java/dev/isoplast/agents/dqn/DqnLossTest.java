package dev.isoplast.agents.dqn;

import dev.isoplast.agents.Policy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.loss.Huber;
import dev.isoplast.nn.loss.Mse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** DQN's update pieces on fixed small tensors against hand math. */
class DqnLossTest {

  // 3 transitions, 3 actions; the second is terminal
  static final float[] REWARDS = {1f, 0.5f, -1f};
  static final float[] DONES = {0f, 1f, 0f};
  static final double[] NEXT_TARGET = {
      1.0, 3.0, 2.0,
      -1.0, 4.0, 0.0,
      0.5, 0.25, -2.0};
  static final double[] NEXT_ONLINE = {
      5.0, 0.0, 1.0, // argmax 0 → target value 1.0 (plain takes 3.0)
      0.0, 0.0, 9.0, // terminal: ignored
      0.0, 2.0, 1.0}; // argmax 1 → 0.25 (plain takes 0.5)

  @Test
  void plainTarget() {
    double[] y = DqnLoss.tdTargets(REWARDS, DONES, NEXT_TARGET, null, 3, 0.9, new double[3]);
    assertArrayEquals(new double[] {1 + 0.9 * 3.0, 0.5, -1 + 0.9 * 0.5}, y, 1e-12);
  }

  @Test
  void doubleTarget() {
    double[] y = DqnLoss.tdTargets(REWARDS, DONES, NEXT_TARGET, NEXT_ONLINE, 3, 0.9, new double[3]);
    assertArrayEquals(new double[] {1 + 0.9 * 1.0, 0.5, -1 + 0.9 * 0.25}, y, 1e-12);
  }

  @Test
  void argmaxTakesTheFirstOnTies() {
    assertEquals(1, Policy.argmax(new double[] {0, 2, 2, 1}, 0, 4));
    assertEquals(0, Policy.argmax(new double[] {0, 2, 3, 3}, 1, 2));
  }

  @Test
  void lossesAndHeadGradient() {
    double[] q = {0.0, 2.0, 1.0, 3.0, -1.0, 0.5, 4.0, 0.0, -3.0};
    int[] actions = {1, 0, 2};
    double[] pred = DqnLoss.chosen(q, actions, 3, new double[3]);
    assertArrayEquals(new double[] {2.0, 3.0, -3.0}, pred, 0);
    double[] target = {1.5, 1.0, -2.5};
    // d = [0.5, 2, -0.5]
    double[] g = new double[3];
    assertEquals((0.25 + 4 + 0.25) / 3, DqnLoss.loss("mse", pred, target, g), 1e-12);
    assertArrayEquals(new double[] {2 * 0.5 / 3, 2 * 2.0 / 3, 2 * -0.5 / 3}, g, 1e-12);
    assertEquals((0.125 + (2 - 0.5) + 0.125) / 3, DqnLoss.loss("huber", pred, target, g), 1e-12);
    assertArrayEquals(new double[] {0.5 / 3, 1.0 / 3, -0.5 / 3}, g, 1e-12);

    // the same numbers as the nn losses
    var p = Nd4j.createFromArray(pred);
    var t = Nd4j.createFromArray(target);
    assertEquals(Mse.loss(p, t, null), DqnLoss.loss("mse", pred, target, g), 1e-12);
    assertEquals(Huber.loss(p, t, null), DqnLoss.loss("huber", pred, target, g), 1e-12);

    // only the chosen action's output gets a gradient
    double[] dq = DqnLoss.headGradient(new double[] {0.1, 0.2, 0.3}, actions, 3, new double[9]);
    assertArrayEquals(new double[] {0, 0.1, 0, 0.2, 0, 0, 0, 0, 0.3}, dq, 0);
  }

  @Test
  void polyakUpdateByHand() {
    Param t = new Param("t", Param.Role.WEIGHT, false, Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}}));
    Param o = new Param("o", Param.Role.WEIGHT, false, Nd4j.createFromArray(new double[][] {{5, 6}, {7, 8}}));
    DqnLoss.softUpdate(List.of(t), List.of(o), 0.25);
    // 0.25 · o + 0.75 · t
    assertArrayEquals(new double[] {2, 3, 4, 5}, HostArrays.toDoubles(t.value(), null), 1e-12);
    DqnLoss.softUpdate(List.of(t), List.of(o), 0.25);
    assertArrayEquals(new double[] {2.75, 3.75, 4.75, 5.75}, HostArrays.toDoubles(t.value(), null), 1e-12);
    DqnLoss.softUpdate(List.of(t), List.of(o), 1.0);
    assertArrayEquals(new double[] {5, 6, 7, 8}, HostArrays.toDoubles(t.value(), null), 0);
    assertEquals(DataType.DOUBLE, t.value().dataType());
  }
}
