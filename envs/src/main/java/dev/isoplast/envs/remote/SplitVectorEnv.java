package dev.isoplast.envs.remote;

import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Space;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * One vector of envs whose envs live in several parts, usually handles on several env servers
 * ({@link EnvServerPool#make}): part k holds the contiguous block of envs
 * {@code offsets[k] .. offsets[k+1]-1}, in order. To the learner it is one {@link VectorEnv}.
 *
 * <p><b>Same results as one server.</b> A server seeds env i of a handle with {@code seed + i}
 * (DESIGN.md §2); part k is therefore made and reset with {@code seed + offsets[k]}, so that every
 * env gets the seed it has in a single handle of all the envs, and rows, ended indices and final
 * observations are put back in the single handle's order. Perturbations are applied to every part.
 *
 * <p>A step goes to every part at once (one thread per part after the first, which runs on the
 * caller's thread), so it lasts as long as the slowest part rather than the sum of them. Not
 * thread-safe (one trainer thread steps it, as any VectorEnv).
 */
public final class SplitVectorEnv implements VectorEnv {

  private final List<VectorEnv> parts;
  private final int[] offsets;
  private final int numEnvs;
  private final int obsSize;
  private final int actSize;
  private final ExecutorService threads;

  /**
   * Wraps {@code parts} (at least two, same env id and spaces); the split vector owns them and
   * closes them with itself.
   */
  public SplitVectorEnv(List<? extends VectorEnv> parts) {
    if (parts.size() < 2) {
      throw new IllegalArgumentException("a split vector needs at least two parts, got " + parts.size());
    }
    this.parts = List.copyOf(parts);
    VectorEnv first = parts.get(0);
    this.offsets = new int[parts.size() + 1];
    for (int k = 0; k < parts.size(); k++) {
      VectorEnv p = parts.get(k);
      if (!p.envId().equals(first.envId()) || !p.observationSpace().equals(first.observationSpace())
          || !p.actionSpace().equals(first.actionSpace())) {
        throw new IllegalArgumentException("the parts of a split vector must be the same env with the same spaces: part "
            + k + " is " + p.envId() + " " + p.observationSpace() + " -> " + p.actionSpace() + ", part 0 is "
            + first.envId() + " " + first.observationSpace() + " -> " + first.actionSpace());
      }
      offsets[k + 1] = offsets[k] + p.numEnvs();
    }
    this.numEnvs = offsets[parts.size()];
    this.obsSize = first.observationSpace().flatSize();
    this.actSize = first.actionSpace().flatSize();
    this.threads = Executors.newFixedThreadPool(parts.size() - 1, r -> {
      Thread t = new Thread(r, "isoplast-split-env");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Sizes of the contiguous blocks of {@code numEnvs} envs over {@code servers} servers: as equal
   * as possible, the larger blocks first, no empty block (so at most {@code numEnvs} blocks).
   */
  public static int[] blockSizes(int numEnvs, int servers) {
    if (numEnvs < 1 || servers < 1) {
      throw new IllegalArgumentException("need at least one env and one server, got " + numEnvs + " envs over "
          + servers + " servers");
    }
    int k = Math.min(numEnvs, servers);
    int[] sizes = new int[k];
    for (int j = 0; j < k; j++) {
      sizes[j] = numEnvs / k + (j < numEnvs % k ? 1 : 0);
    }
    return sizes;
  }

  /** The parts, in env order. */
  public List<VectorEnv> parts() {
    return parts;
  }

  /** The index in the whole vector of the first env of part {@code k}. */
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
    return concatObservations(onEveryPart(k -> parts.get(k).reset(seed + offsets[k])));
  }

  @Override
  public float[] reset() {
    return concatObservations(onEveryPart(k -> parts.get(k).reset()));
  }

  @Override
  public StepResult step(double[] actions) {
    if (actions.length != numEnvs * actSize) {
      throw new IllegalArgumentException("step needs " + numEnvs * actSize + " action values (" + numEnvs + " envs x "
          + Arrays.toString(actionSpace().shape()) + " of " + actionSpace() + "), got " + actions.length);
    }
    List<StepResult> rs = onEveryPart(k -> parts.get(k).step(
        Arrays.copyOfRange(actions, offsets[k] * actSize, offsets[k + 1] * actSize)));
    float[] obs = new float[numEnvs * obsSize];
    double[] rewards = new double[numEnvs];
    boolean[] terminated = new boolean[numEnvs];
    boolean[] truncated = new boolean[numEnvs];
    int ended = 0;
    for (StepResult r : rs) {
      ended += r.endedCount();
    }
    int[] endedIndices = new int[ended];
    float[] finals = new float[ended * obsSize];
    double[] returns = new double[ended];
    long[] lengths = new long[ended];
    int e = 0;
    for (int k = 0; k < rs.size(); k++) {
      StepResult r = rs.get(k);
      int o = offsets[k];
      int n = offsets[k + 1] - o;
      System.arraycopy(r.observations(), 0, obs, o * obsSize, n * obsSize);
      System.arraycopy(r.rewards(), 0, rewards, o, n);
      System.arraycopy(r.terminated(), 0, terminated, o, n);
      System.arraycopy(r.truncated(), 0, truncated, o, n);
      int m = r.endedCount();
      for (int i = 0; i < m; i++) {
        endedIndices[e + i] = r.endedIndices()[i] + o; // parts are in env order: stays ascending
      }
      System.arraycopy(r.finalObservations(), 0, finals, e * obsSize, m * obsSize);
      System.arraycopy(r.episodeReturns(), 0, returns, e, m);
      System.arraycopy(r.episodeLengths(), 0, lengths, e, m);
      e += m;
    }
    return new StepResult(obs, rewards, terminated, truncated, endedIndices, finals, returns, lengths);
  }

  /** Applies {@code perturbation} to every part; returns the configuration part 0 read back (all parts are alike). */
  @Override
  public Perturbation reconfigure(Perturbation perturbation) {
    return onEveryPart(k -> parts.get(k).reconfigure(perturbation)).get(0);
  }

  /** Closes every part (their handles on the servers) and the stepping threads. */
  @Override
  public void close() {
    threads.shutdownNow();
    RuntimeException first = null;
    for (VectorEnv p : parts) {
      try {
        p.close();
      } catch (RuntimeException ex) {
        first = first == null ? ex : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public String toString() {
    List<String> s = new ArrayList<>();
    for (VectorEnv p : parts) {
      s.add(p.toString());
    }
    return "SplitVectorEnv(" + envId() + " x" + numEnvs + " = " + String.join(" + ", s) + ")";
  }

  /**
   * Runs {@code call} for every part, part 0 on this thread and the others at the same time, and
   * returns the results in part order. Every part finishes before a failure is thrown (the first
   * part's in order), so no call is left running on a part.
   */
  private <T> List<T> onEveryPart(Function<Integer, T> call) {
    List<Future<T>> futures = new ArrayList<>(parts.size() - 1);
    for (int k = 1; k < parts.size(); k++) {
      int part = k;
      futures.add(threads.submit(() -> call.apply(part)));
    }
    List<T> out = new ArrayList<>(parts.size());
    RuntimeException failure = null;
    try {
      out.add(call.apply(0));
    } catch (RuntimeException ex) {
      failure = inPart(0, ex);
    }
    boolean interrupted = false;
    for (Future<T> f : futures) {
      while (true) {
        try {
          out.add(f.get());
          break;
        } catch (InterruptedException ex) {
          interrupted = true; // wait for the part anyway: its stub is not ours to abandon mid-call
        } catch (ExecutionException ex) {
          if (failure == null) {
            failure = ex.getCause() instanceof RuntimeException re ? inPart(futures.indexOf(f) + 1, re)
                : new IllegalStateException(ex.getCause().getMessage(), ex.getCause());
          }
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw failure;
    }
    return out;
  }

  /** A server's failure with the part it came from: the server's env indices are the part's, not the vector's. */
  private RuntimeException inPart(int k, RuntimeException ex) {
    if (ex instanceof EnvException e) {
      return e.withContext("envs " + offsets[k] + "-" + (offsets[k + 1] - 1) + " of " + numEnvs + " (part " + k + ", "
          + parts.get(k) + ")");
    }
    return ex;
  }

  private float[] concatObservations(List<float[]> rows) {
    float[] obs = new float[numEnvs * obsSize];
    for (int k = 0; k < rows.size(); k++) {
      System.arraycopy(rows.get(k), 0, obs, offsets[k] * obsSize, (offsets[k + 1] - offsets[k]) * obsSize);
    }
    return obs;
  }
}
