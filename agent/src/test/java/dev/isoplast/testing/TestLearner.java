package dev.isoplast.testing;

import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.plasticity.Interventions;
import dev.isoplast.plasticity.Learner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A {@link Learner} over given networks and optimizer with fixed recent inputs, for unit tests of
 * the interventions and monitors (which see only a Learner). The real learners (PPO, DQN) are
 * tested through the sidecar elsewhere.
 */
public final class TestLearner implements Learner {

  private final Map<String, Sequential> networks;
  private final List<Param> params = new ArrayList<>();
  private final Optimizer optimizer;
  private float[] inputs;
  private Interventions interventions = Interventions.none();
  private long updates;
  private Output.Kind outputKind = Output.Kind.PREDICTIONS;
  private double taskLoss;
  private float[] reference;

  public TestLearner(Map<String, Sequential> networks, Optimizer optimizer, float[] inputs) {
    this.networks = new LinkedHashMap<>(networks);
    networks.values().forEach(n -> params.addAll(n.params()));
    this.optimizer = optimizer;
    this.inputs = inputs;
  }

  public TestLearner withInterventions(Interventions interventions) {
    this.interventions = interventions;
    return this;
  }

  /** What its first network's outputs are ({@link #output()}; predictions unless set). */
  public TestLearner withOutputKind(Output.Kind kind) {
    this.outputKind = kind;
    return this;
  }

  /**
   * Makes {@link #referenceInputs} return the first rows of {@code rows} in order instead of
   * drawing from its inputs (for hand-computed loss terms).
   */
  public TestLearner withReferenceRows(float[] rows) {
    this.reference = rows;
    return this;
  }

  /** The task loss {@link #taskLoss()} reports. */
  public void setTaskLoss(double taskLoss) {
    this.taskLoss = taskLoss;
  }

  public void setInputs(float[] inputs) {
    this.inputs = inputs;
  }

  /** Counts an update (what a real learner's gradient step does at the end of one). */
  public long nextUpdate() {
    return ++updates;
  }

  @Override
  public Map<String, Sequential> networks() {
    return networks;
  }

  @Override
  public List<Param> params() {
    return params;
  }

  @Override
  public Optimizer optimizer() {
    return optimizer;
  }

  @Override
  public float[] recentInputs(int max) {
    int in = networks.values().iterator().next().inSize();
    int rows = Math.min(max, inputs.length / in);
    return java.util.Arrays.copyOf(inputs, rows * in);
  }

  @Override
  public long updates() {
    return updates;
  }

  @Override
  public Interventions interventions() {
    return interventions;
  }

  @Override
  public Output output() {
    return new Output(networks.values().iterator().next(), outputKind);
  }

  /**
   * {@code rows} of its inputs drawn uniformly with replacement with {@code rng}, as a real
   * learner's; or the first rows of those set by {@link #withReferenceRows}, in order.
   */
  @Override
  public float[] referenceInputs(int rows, RandomGenerator rng) {
    int in = networks.values().iterator().next().inSize();
    if (reference != null) {
      return java.util.Arrays.copyOf(reference, Math.min(rows * in, reference.length));
    }
    int n = inputs.length / in;
    if (n == 0) {
      return new float[0];
    }
    float[] out = new float[rows * in];
    for (int k = 0; k < rows; k++) {
      System.arraycopy(inputs, rng.nextInt(n) * in, out, k * in, in);
    }
    return out;
  }

  /** All its inputs' rows. */
  @Override
  public int batchRows() {
    return inputs.length / networks.values().iterator().next().inSize();
  }

  @Override
  public double taskLoss() {
    return taskLoss;
  }
}
