package dev.isoplast.envs;

import dev.isoplast.envs.spaces.Space;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Vectors of the same env side by side, seen as one: env {@code i} of the whole is env
 * {@code i − offset(k)} of part {@code k}. {@link #reset(long)} seeds part k with
 * {@code seed + offset(k)}, so the whole is seeded exactly as one vector of all the envs would be
 * (env i with seed + i), and a step gives exactly what one such vector gives. A step sends every
 * part's request before awaiting any ({@link VectorEnv#stepAsync}), so parts on different servers
 * work at once.
 *
 * <p>PPO's overlapped rollout ({@code overlap_rollout}) steps the two halves of its vector
 * separately through {@link #parts()}: while the server steps one half, the agent computes the
 * other half's actions (EnvPool's asynchronous idea).
 */
public final class ConcatVectorEnv implements VectorEnv {

  private final List<VectorEnv> parts;
  private final int[] offsets;
  private final int numEnvs;

  private ConcatVectorEnv(List<VectorEnv> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("ConcatVectorEnv needs at least one part");
    }
    this.parts = List.copyOf(parts);
    this.offsets = new int[parts.size()];
    int n = 0;
    VectorEnv first = parts.get(0);
    for (int k = 0; k < parts.size(); k++) {
      VectorEnv p = parts.get(k);
      if (!p.envId().equals(first.envId()) || !p.observationSpace().equals(first.observationSpace())
          || !p.actionSpace().equals(first.actionSpace())) {
        throw new IllegalArgumentException("parts of a ConcatVectorEnv must be the same env with the same spaces: "
            + first + " and " + p);
      }
      offsets[k] = n;
      n += p.numEnvs();
    }
    this.numEnvs = n;
  }

  /** The parts, in order; env i of the whole is in the part whose offset range holds i. */
  public static ConcatVectorEnv of(List<VectorEnv> parts) {
    return new ConcatVectorEnv(parts);
  }

  public List<VectorEnv> parts() {
    return parts;
  }

  /** The index in the whole of part {@code k}'s first env. */
  public int offset(int k) {
    return offsets[k];
  }

  @Override
  public String envId() {
    return parts.get(0).envId();
  }

  @Override
  public int numEnvs() {
    return numEnvs;
  }

  @Override
  public Space observationSpace() {
    return parts.get(0).observationSpace();
  }

  @Override
  public Space actionSpace() {
    return parts.get(0).actionSpace();
  }

  @Override
  public float[] reset(long seed) {
    List<float[]> obs = new ArrayList<>();
    for (int k = 0; k < parts.size(); k++) {
      obs.add(parts.get(k).reset(seed + offsets[k]));
    }
    return concat(obs);
  }

  @Override
  public float[] reset() {
    List<float[]> obs = new ArrayList<>();
    for (VectorEnv p : parts) {
      obs.add(p.reset());
    }
    return concat(obs);
  }

  @Override
  public StepResult step(double[] actions) {
    return stepAsync(actions).await();
  }

  @Override
  public PendingStep stepAsync(double[] actions) {
    int per = actionSpace().flatSize();
    if (actions.length != numEnvs * per) {
      throw new IllegalArgumentException("step needs " + numEnvs * per + " action values, got " + actions.length);
    }
    List<PendingStep> pending = new ArrayList<>();
    for (int k = 0; k < parts.size(); k++) {
      int from = offsets[k] * per;
      pending.add(parts.get(k).stepAsync(Arrays.copyOfRange(actions, from, from + parts.get(k).numEnvs() * per)));
    }
    return () -> {
      List<StepResult> results = new ArrayList<>();
      for (PendingStep p : pending) {
        results.add(p.await());
      }
      return StepResult.concat(results);
    };
  }

  /** Applies the change to every part; returns the configuration read back from the first. */
  @Override
  public Perturbation reconfigure(Perturbation perturbation) {
    Perturbation applied = null;
    for (VectorEnv p : parts) {
      Perturbation r = p.reconfigure(perturbation);
      if (applied == null) {
        applied = r;
      }
    }
    return applied;
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (VectorEnv p : parts) {
      try {
        p.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static float[] concat(List<float[]> rows) {
    int n = rows.stream().mapToInt(r -> r.length).sum();
    float[] out = new float[n];
    int at = 0;
    for (float[] r : rows) {
      System.arraycopy(r, 0, out, at, r.length);
      at += r.length;
    }
    return out;
  }

  @Override
  public String toString() {
    return "ConcatVectorEnv" + parts;
  }
}
