package dev.isoplast.agents;

import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.Space;
import java.util.ArrayList;
import java.util.List;

/**
 * Env i's episodes last {@code lengths[i]} steps with reward 1 per step (return = length); the
 * observation is the env's step count; records the actions it was given.
 */
public final class ScriptedEnv implements VectorEnv {
  public final int[] lengths;
  final int[] t;
  public final List<double[]> actions = new ArrayList<>();
  public long resetSeed = -1;
  public final List<Perturbation> reconfigured = new ArrayList<>();

  public ScriptedEnv(int... lengths) {
    this.lengths = lengths;
    this.t = new int[lengths.length];
  }

  @Override
  public String envId() {
    return "Scripted-v0";
  }

  @Override
  public int numEnvs() {
    return lengths.length;
  }

  @Override
  public Space observationSpace() {
    return Box.uniform(0, 1000, DType.FLOAT32, 1);
  }

  @Override
  public Space actionSpace() {
    return new Discrete(2);
  }

  @Override
  public float[] reset(long seed) {
    resetSeed = seed;
    java.util.Arrays.fill(t, 0);
    return new float[lengths.length];
  }

  @Override
  public float[] reset() {
    return reset(0);
  }

  @Override
  public StepResult step(double[] a) {
    actions.add(a.clone());
    int n = lengths.length;
    float[] obs = new float[n];
    List<Integer> ended = new ArrayList<>();
    boolean[] trunc = new boolean[n];
    double[] rewards = new double[n];
    for (int i = 0; i < n; i++) {
      rewards[i] = 1;
      t[i]++;
      if (t[i] == lengths[i]) {
        ended.add(i);
        trunc[i] = true;
        t[i] = 0;
      }
      obs[i] = t[i];
    }
    int[] idx = ended.stream().mapToInt(Integer::intValue).toArray();
    double[] rets = new double[idx.length];
    long[] lens = new long[idx.length];
    for (int k = 0; k < idx.length; k++) {
      rets[k] = lengths[idx[k]];
      lens[k] = lengths[idx[k]];
    }
    return new StepResult(obs, rewards, new boolean[n], trunc, idx, new float[idx.length], rets, lens);
  }

  /** Records the perturbation and returns it as the applied one. */
  @Override
  public Perturbation reconfigure(Perturbation p) {
    reconfigured.add(p);
    return p;
  }

  @Override
  public void close() {}
}
