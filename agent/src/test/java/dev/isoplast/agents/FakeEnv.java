package dev.isoplast.agents;

import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Space;

/** A vector env that only declares its spaces (for tests that never step it). */
public final class FakeEnv implements VectorEnv {

  private final int numEnvs;
  private final Space observationSpace;
  private final Space actionSpace;

  public FakeEnv(int numEnvs, Space observationSpace, Space actionSpace) {
    this.numEnvs = numEnvs;
    this.observationSpace = observationSpace;
    this.actionSpace = actionSpace;
  }

  @Override
  public String envId() {
    return "Fake-v0";
  }

  @Override
  public int numEnvs() {
    return numEnvs;
  }

  @Override
  public Space observationSpace() {
    return observationSpace;
  }

  @Override
  public Space actionSpace() {
    return actionSpace;
  }

  @Override
  public float[] reset(long seed) {
    return new float[numEnvs * observationSpace.flatSize()];
  }

  @Override
  public float[] reset() {
    return reset(0);
  }

  @Override
  public StepResult step(double[] actions) {
    throw new UnsupportedOperationException("FakeEnv is not steppable");
  }

  @Override
  public Perturbation reconfigure(Perturbation perturbation) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {}
}
