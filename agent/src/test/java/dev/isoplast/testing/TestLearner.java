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
}
