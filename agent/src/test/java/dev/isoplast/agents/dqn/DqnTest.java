package dev.isoplast.agents.dqn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.FakeEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One gradient step of the agent on a hand-made batch, in float64. */
class DqnTest {

  static final int OBS = 3;
  static final int ACTIONS = 2;

  static Dqn agent(DqnConfig c) {
    return new Dqn(c, new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, OBS), new Discrete(ACTIONS)), 5,
        DataType.DOUBLE);
  }

  static ReplayBuffer.Batch batch() {
    float[] s = {0.1f, -0.2f, 0.3f, 0.5f, 0.5f, -0.5f, -1f, 0f, 1f, 0.2f, 0.4f, 0.6f};
    float[] s2 = {0.3f, 0.1f, -0.1f, -0.4f, 0.9f, 0.0f, 0.7f, -0.7f, 0.2f, 0f, 0f, 0f};
    int[] a = {0, 1, 0, 0};
    float[] r = {1f, -1f, 0.5f, 2f};
    boolean[] done = {false, true, false, false};
    ReplayBuffer.Batch b = new ReplayBuffer.Batch(4, OBS);
    System.arraycopy(s, 0, b.observations, 0, s.length);
    System.arraycopy(s2, 0, b.nextObservations, 0, s2.length);
    System.arraycopy(a, 0, b.actions, 0, 4);
    System.arraycopy(r, 0, b.rewards, 0, 4);
    for (int i = 0; i < 4; i++) {
      b.dones[i] = done[i] ? 1f : 0f;
    }
    return b;
  }

  static double[] forward(dev.isoplast.nn.Sequential net, float[] rows, int n) {
    double[] d = new double[rows.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = rows[i];
    }
    INDArray x = Nd4j.createFromArray(d).reshape(n, OBS);
    return HostArrays.toDoubles(net.forward(x), null);
  }

  @Test
  void targetsLossAndGradientOfOneStep() {
    for (boolean dbl : new boolean[] {false, true}) {
      // lr 0: the step leaves the weights, so the nets seen before and after are the same
      Dqn dqn = agent(DqnConfig.defaults().with("batch_size", 4).with("hidden_sizes", "5,4")
          .with("learning_rate", 0).with("double_dqn", dbl).withOptimizer("sgd"));
      // make the target differ from the online net
      DqnLoss.softUpdate(dqn.targetNetwork().params(), dqn.qNetwork().params(), 1.0);
      for (Param p : dqn.targetNetwork().params()) {
        p.value().muli(1.5);
      }
      ReplayBuffer.Batch b = batch();
      double[] qt = forward(dqn.targetNetwork(), b.nextObservations, 4);
      double[] qo = forward(dqn.qNetwork(), b.nextObservations, 4);
      double[] q = forward(dqn.qNetwork(), b.observations, 4);
      double loss = dqn.trainOn(b);
      double[] y = new double[4];
      double[] pred = new double[4];
      double expectLoss = 0;
      double[] d = new double[4];
      for (int i = 0; i < 4; i++) {
        int aStar;
        if (dbl) {
          aStar = qo[2 * i] >= qo[2 * i + 1] ? 0 : 1;
        } else {
          aStar = qt[2 * i] >= qt[2 * i + 1] ? 0 : 1;
        }
        y[i] = b.rewards[i] + 0.99 * (1 - b.dones[i]) * qt[2 * i + aStar];
        pred[i] = q[2 * i + b.actions[i]];
        d[i] = pred[i] - y[i];
        expectLoss += d[i] * d[i] / 4;
      }
      assertArrayEquals(y, dqn.lastTdTargets(), 1e-12, "double=" + dbl);
      assertArrayEquals(pred, dqn.lastChosenQ(), 1e-12);
      assertEquals(expectLoss, loss, 1e-12);
      // head bias gradient: dL/db_a = Σ_{i: a_i = a} 2 d_i / B (only the chosen outputs backpropagate)
      Dense head = (Dense) dqn.qNetwork().layer(dqn.qNetwork().layers().size() - 1);
      double[] gb = HostArrays.toDoubles(head.bias().grad(), null);
      assertEquals(2 * (d[0] + d[2] + d[3]) / 4, gb[0], 1e-12);
      assertEquals(2 * d[1] / 4, gb[1], 1e-12);
    }
  }

  @Test
  void targetStartsAsACopyOfTheQNetwork() {
    Dqn dqn = agent(DqnConfig.defaults());
    List<Param> t = dqn.targetNetwork().params();
    List<Param> o = dqn.qNetwork().params();
    assertEquals(o.size(), t.size());
    for (int i = 0; i < o.size(); i++) {
      assertEquals(o.get(i).value(), t.get(i).value());
    }
    assertEquals(120, ((Dense) dqn.qNetwork().layer(0)).outSize());
    assertEquals(10_000, dqn.replayBuffer().capacity());
  }

  @Test
  void boxActionsAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dqn(DqnConfig.defaults(),
        new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, OBS), Box.uniform(-2, 2, DType.FLOAT32, 1)), 1));
    assertTrue(e.getMessage().startsWith("DQN supports only Discrete action spaces"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Dqn(DqnConfig.defaults().withNumEnvs(2),
        new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, OBS), new Discrete(2)), 1));
  }
}
