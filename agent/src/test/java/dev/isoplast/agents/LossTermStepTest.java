package dev.isoplast.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.dqn.ReplayBuffer;
import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.ElementwiseActivation;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.loss.Mse;
import dev.isoplast.optim.Sgd;
import dev.isoplast.plasticity.Interventions;
import dev.isoplast.plasticity.Learner;
import dev.isoplast.plasticity.LossTerm;
import dev.isoplast.plasticity.MethodConfig;
import dev.isoplast.testing.RandomArrays;
import dev.isoplast.testing.TestLearner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The loss-term seam ({@link LossTerm}, DESIGN.md §13): the shared gradient step adds a term's
 * gradient (from its own forward pass on the learner's reference inputs) to the task gradient before
 * the optimizer step, leaves the forward caches with the task batch's activations, gives the term the
 * task loss after each update, and checkpoints its state; the learners' reference inputs come from
 * their own data without touching their streams.
 */
class LossTermStepTest {

  /**
   * A test term: c · ½ mean_rows ‖f(x_ref)‖² over {@code batchRows} reference rows drawn from the
   * learner with the stream {@code Seeds.stream(seed, step)}; records the task losses it is given.
   */
  static final class OutputSquares implements LossTerm {
    final double c;
    final long seed;
    final List<Double> taskLosses = new ArrayList<>();
    long calls;

    OutputSquares(double c, long seed) {
      this.c = c;
      this.seed = seed;
    }

    @Override
    public String name() {
      return "squares";
    }

    @Override
    public void addGradient(Learner learner, long step) {
      calls++;
      Sequential net = learner.output().network();
      int rows = learner.batchRows();
      float[] x = learner.referenceInputs(rows, Seeds.stream(seed, step));
      INDArray in = Nd4j.zeros(net.params().get(0).value().dataType(), rows, net.inSize());
      HostRows.write(x, in);
      INDArray out = net.forward(in);
      net.backwardParams(out.dup().muli(c / rows));
    }

    @Override
    public void afterUpdate(Learner learner, long update) {
      taskLosses.add(learner.taskLoss());
    }

    @Override
    public Map<String, Double> metrics() {
      return Map.of("losses/squares_calls", (double) calls);
    }

    @Override
    public Snapshot state() {
      return new Snapshot().put("calls", calls);
    }

    @Override
    public void restore(Snapshot s) {
      calls = s.getLong("calls");
    }
  }

  private static Sequential net() {
    return Networks.build("net", 3, BodyConfig.mlp(List.of(8), BodyConfig.Nonlinearity.RELU, false,
        Init.orthogonal(Init.RELU_GAIN)), 2, Init.orthogonal(1.0), new SplittableRandom(9), DataType.DOUBLE);
  }

  private static float[] floats(INDArray a) {
    double[] d = HostArrays.toDoubles(a, null);
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  @Test
  void theTermsGradientIsAddedBeforeTheTaskLossAndTheCachesHoldTheTaskBatch() {
    SplittableRandom rng = new SplittableRandom(4);
    INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 16, 3);
    INDArray y = RandomArrays.gaussian(rng, DataType.DOUBLE, 16, 2);
    float[] pool = floats(RandomArrays.gaussian(rng, DataType.DOUBLE, 5, 3)); // the reference data: 5 rows
    double lr = 0.05;
    double c = 0.7;

    Sequential a = net();
    Sgd sgdA = new Sgd(a.params(), lr, 0.0);
    TestLearner learner = new TestLearner(Map.of("net", a), sgdA, pool);
    OutputSquares term = new OutputSquares(c, 11);
    GradientStep step = new GradientStep(a.params(), sgdA, List.of(), List.of(term), null, Interventions.none());
    INDArray gradA = Nd4j.zeros(DataType.DOUBLE, 16, 2);

    // the same by hand on a twin: zero, term forward/backward on the same reference rows, task, SGD
    Sequential b = net();
    INDArray gradB = Nd4j.zeros(DataType.DOUBLE, 16, 2);
    for (int t = 1; t <= 3; t++) {
      step.take(learner, () -> {
        learner.setTaskLoss(Mse.loss(a.forward(x), y, gradA));
        a.backwardParams(gradA);
      });
      step.endUpdate(learner);

      b.zeroGrad();
      float[] ref = learner.referenceInputs(5, Seeds.stream(11, t));
      INDArray in = Nd4j.zeros(DataType.DOUBLE, 5, 3);
      HostRows.write(ref, in);
      b.backwardParams(b.forward(in).dup().muli(c / 5));
      Mse.loss(b.forward(x), y, gradB);
      b.backwardParams(gradB);
      for (Param p : b.params()) {
        p.value().subi(p.grad().mul(lr));
      }
      for (int k = 0; k < a.params().size(); k++) {
        assertArrayEquals(HostArrays.toDoubles(b.params().get(k).value(), null),
            HostArrays.toDoubles(a.params().get(k).value(), null), 1e-12, "step " + t + " " + a.params().get(k));
      }
      // the hidden activation's cache holds the 16 task rows, not the 5 reference rows
      ElementwiseActivation h = a.layersOf(ElementwiseActivation.class).get(0);
      assertEquals(16, h.lastOutput().rows(), "step " + t);
    }
    assertEquals(3, term.calls);
    assertEquals(3, term.taskLosses.size());
    assertTrue(term.taskLosses.get(0) > 0 && term.taskLosses.get(2) != term.taskLosses.get(0), term.taskLosses
        .toString());
    assertEquals(3.0, step.metrics().get("losses/squares_calls"));

    // without the term the parameters differ: the term did act
    Sequential d = net();
    Sgd sgdD = new Sgd(d.params(), lr, 0.0);
    GradientStep plain = new GradientStep(d.params(), sgdD, List.of(), null, Interventions.none());
    INDArray gradD = Nd4j.zeros(DataType.DOUBLE, 16, 2);
    for (int t = 1; t <= 3; t++) {
      plain.take(learner, () -> {
        Mse.loss(d.forward(x), y, gradD);
        d.backwardParams(gradD);
      });
    }
    assertNotEquals(HostArrays.toDoubles(d.params().get(0).value(), null)[0],
        HostArrays.toDoubles(a.params().get(0).value(), null)[0]);

    // the term's state travels with the step's; a checkpoint without it is refused
    OutputSquares fresh = new OutputSquares(c, 11);
    GradientStep restored = new GradientStep(a.params(), new Sgd(a.params(), lr, 0.0), List.of(), List.of(fresh),
        null, Interventions.none());
    restored.restore(step.state());
    assertEquals(3, fresh.calls);
    assertThrows(IllegalArgumentException.class, () -> restored.restore(plain.state()));
    assertTrue(!plain.state().has("loss_terms"), "no loss terms, no key: checkpoints without terms stay as they were");
  }

  @Test
  void everyPartIsOffSoNoLearnerBuildsALossTermByDefault() {
    assertEquals(List.of(), MethodConfig.adam(1e-8).lossTerms(new Learner.Output(net(), Learner.Output.Kind.PREDICTIONS), 1));
  }

  @Test
  void supervisedReferenceInputsAreRecentRowsAndLeaveTrainingAlone() {
    SupervisedConfig c = SupervisedConfig.small();
    SupervisedLearner l1 = new SupervisedLearner(c, 4, 3, 7);
    SupervisedLearner l2 = new SupervisedLearner(c, 4, 3, 7);
    assertEquals(0, l1.referenceInputs(5, new SplittableRandom(1)).length);
    assertEquals(c.batchSize(), l1.batchRows());
    float[] x = new float[6 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = i; // row r holds 4r .. 4r+3
    }
    int[] labels = {0, 1, 2, 0, 1, 2};
    l1.step(x, labels, 6);
    l2.step(x, labels, 6);
    assertEquals(6, l1.batchRows());
    assertEquals(l1.lastLoss(), l1.taskLoss());
    float[] ref = l1.referenceInputs(50, new SplittableRandom(2));
    assertEquals(50 * 4, ref.length);
    boolean[] seen = new boolean[6];
    for (int k = 0; k < 50; k++) {
      int r = (int) ref[k * 4] / 4;
      assertTrue(r >= 0 && r < 6 && ref[k * 4 + 3] == 4 * r + 3, "row " + k);
      seen[r] = true;
    }
    for (boolean s : seen) {
      assertTrue(s, "50 uniform draws from 6 rows see every row");
    }
    l1.step(x, labels, 6);
    l2.step(x, labels, 6);
    assertArrayEquals(HostArrays.toDoubles(l2.params().get(0).value(), null),
        HostArrays.toDoubles(l1.params().get(0).value(), null), 0.0);
  }

  @Test
  void replayReferenceRowsAreStoredObservationsAndLeaveTheSampledBatchAlone() {
    ReplayBuffer rb = new ReplayBuffer(4, 2);
    float[] none = new float[2];
    for (int t = 0; t < 3; t++) {
      rb.add(new float[] {t, -t}, 0, none, 0, 0, 0, false);
    }
    ReplayBuffer.Batch batch = rb.sample(8, new SplittableRandom(3));
    float[] before = batch.observations.clone();
    float[] ref = rb.sampleObservations(8, new SplittableRandom(4));
    assertArrayEquals(before, batch.observations);
    assertEquals(16, ref.length);
    for (int k = 0; k < 8; k++) {
      assertTrue(ref[2 * k] >= 0 && ref[2 * k] <= 2 && ref[2 * k + 1] == -ref[2 * k], "row " + k);
    }
    Map<Integer, Integer> counts = new LinkedHashMap<>();
    float[] many = rb.sampleObservations(3000, new SplittableRandom(5));
    for (int k = 0; k < 3000; k++) {
      counts.merge((int) many[2 * k], 1, Integer::sum);
    }
    assertEquals(3, counts.size());
    counts.values().forEach(n -> assertTrue(Math.abs(n - 1000) < 120, counts.toString()));
  }
}
