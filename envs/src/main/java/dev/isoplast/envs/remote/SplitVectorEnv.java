package dev.isoplast.envs.remote;

import dev.isoplast.envs.PendingStep;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.TwoHalves;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Space;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
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
 * <p>A step goes to every part at once: every part's request is sent ({@link VectorEnv#stepAsync})
 * before any is awaited, so it lasts as long as the slowest part rather than the sum of them;
 * resets and reconfigurations run on one thread per part after the first. Not thread-safe (one
 * trainer thread steps it, as any VectorEnv).
 *
 * <p>PPO's overlapped rollout ({@code overlap_rollout}) steps the two {@link #halves()} of the
 * vector separately: while the server steps one half, the agent computes the other's actions
 * (EnvPool's asynchronous idea). With one server the trainer makes the vector of two handles on it
 * ({@link EnvServerPool#make(String, int, Long, java.util.Map, int)}).
 *
 * <p>{@link #saveState} joins the parts' states in one framed blob (big-endian): the magic
 * {@code "ISVS"}, a format version (int, 1), the number of parts (int), then per part its number of
 * envs (int), the length of its state (int) and the state. {@link #loadState} takes such a blob into
 * a split vector of the same part sizes (made the same way: same env, size and number of servers)
 * and gives each part its own state back.
 */
public final class SplitVectorEnv implements TwoHalves {

  private final List<VectorEnv> parts;
  private final int[] offsets;
  private final int numEnvs;
  private final int obsSize;
  private final int actSize;
  private final boolean owned;
  private ExecutorService threads; // for resets and reconfigurations, made on first use

  /**
   * Wraps {@code parts} (at least two, same env id and spaces); the split vector owns them and
   * closes them with itself.
   */
  public SplitVectorEnv(List<? extends VectorEnv> parts) {
    this(parts, true);
  }

  private SplitVectorEnv(List<? extends VectorEnv> parts, boolean owned) {
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
    this.owned = owned;
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

  /**
   * The vector as two halves of whole parts, envs {@code 0 .. n-1} and {@code n .. numEnvs-1}
   * where {@code n} is the first half's {@link VectorEnv#numEnvs()}: with two parts, the parts
   * themselves; with more, the first {@code parts/2} and the rest, each joined as a split vector
   * that shares this one's parts (closing a half closes nothing; close this vector). For stepping
   * the halves in turn; reset and reconfigure the whole.
   */
  @Override
  public List<VectorEnv> halves() {
    int h = parts.size() / 2;
    return List.of(joined(parts.subList(0, h)), joined(parts.subList(h, parts.size())));
  }

  private static VectorEnv joined(List<VectorEnv> ps) {
    return ps.size() == 1 ? ps.get(0) : new SplitVectorEnv(ps, false);
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
    return stepAsync(actions).await();
  }

  /**
   * Sends every part its block of actions, then returns; {@link PendingStep#await()} awaits every
   * part (all of them, even after a failure, so that no step is left in flight) and joins their
   * results in env order ({@link StepResult#concat}).
   */
  @Override
  public PendingStep stepAsync(double[] actions) {
    if (actions.length != numEnvs * actSize) {
      throw new IllegalArgumentException("step needs " + numEnvs * actSize + " action values (" + numEnvs + " envs x "
          + Arrays.toString(actionSpace().shape()) + " of " + actionSpace() + "), got " + actions.length);
    }
    List<PendingStep> pending = new ArrayList<>(parts.size());
    RuntimeException failure = null;
    for (int k = 0; k < parts.size() && failure == null; k++) {
      try {
        pending.add(parts.get(k).stepAsync(Arrays.copyOfRange(actions, offsets[k] * actSize, offsets[k + 1] * actSize)));
      } catch (RuntimeException ex) {
        failure = inPart(k, ex);
      }
    }
    if (failure != null) {
      awaitAll(pending); // the parts already sent: their replies must not be left on the wire
      throw failure;
    }
    return () -> StepResult.concat(awaitAll(pending));
  }

  /** Awaits every pending step in part order; throws the first failure after all of them are in. */
  private List<StepResult> awaitAll(List<PendingStep> pending) {
    List<StepResult> out = new ArrayList<>(pending.size());
    RuntimeException failure = null;
    for (int k = 0; k < pending.size(); k++) {
      try {
        out.add(pending.get(k).await());
      } catch (RuntimeException ex) {
        failure = failure == null ? inPart(k, ex) : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
    return out;
  }

  /** Applies {@code perturbation} to every part; returns the configuration part 0 read back (all parts are alike). */
  @Override
  public Perturbation reconfigure(Perturbation perturbation) {
    return onEveryPart(k -> parts.get(k).reconfigure(perturbation)).get(0);
  }

  /** Magic and version that open a split vector's state ({@link #saveState}). */
  private static final int STATE_MAGIC = 0x49535653; // "ISVS"
  private static final int STATE_VERSION = 1;

  /** The parts' states in one framed blob (see the class comment); every part's step must be awaited. */
  @Override
  public byte[] saveState() {
    List<byte[]> states = onEveryPart(k -> parts.get(k).saveState());
    long size = 12L + 8L * parts.size();
    for (byte[] s : states) {
      size += s.length;
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("the state of " + this + " would be " + size + " bytes, more than one array holds");
    }
    ByteBuffer out = ByteBuffer.allocate((int) size).putInt(STATE_MAGIC).putInt(STATE_VERSION).putInt(parts.size());
    for (int k = 0; k < parts.size(); k++) {
      out.putInt(offsets[k + 1] - offsets[k]).putInt(states.get(k).length).put(states.get(k));
    }
    return out.array();
  }

  /**
   * Splits a blob of {@link #saveState} and loads each part's state into its part (at the same
   * time). A blob of another layout is an {@link IllegalArgumentException} before any part is
   * touched; a part that refuses its state (e.g. another env) fails as that part's server says, and
   * as the parts load at once, the others may have taken theirs: load a good state before stepping on.
   */
  @Override
  public void loadState(byte[] state) {
    List<byte[]> states = partStates(state);
    onEveryPart(k -> {
      parts.get(k).loadState(states.get(k));
      return null;
    });
  }

  private List<byte[]> partStates(byte[] state) {
    if (state == null) {
      throw new IllegalArgumentException("loadState needs a state from saveState, got null");
    }
    ByteBuffer in = ByteBuffer.wrap(state);
    String layout = "a state of " + this + " (parts of " + Arrays.toString(partSizes()) + " envs)";
    try {
      if (in.getInt() != STATE_MAGIC) {
        throw new IllegalArgumentException("not " + layout + ": it does not start with a split vector's magic "
            + "\"ISVS\" (a single vector's state?)");
      }
      int version = in.getInt();
      if (version != STATE_VERSION) {
        throw new IllegalArgumentException("not " + layout + ": format version " + version + ", this reads "
            + STATE_VERSION);
      }
      int count = in.getInt();
      if (count != parts.size()) {
        throw new IllegalArgumentException("not " + layout + ": it holds " + count + " parts");
      }
      List<byte[]> states = new ArrayList<>(count);
      for (int k = 0; k < count; k++) {
        int envs = in.getInt();
        int length = in.getInt();
        if (envs != offsets[k + 1] - offsets[k]) {
          throw new IllegalArgumentException("not " + layout + ": its part " + k + " has " + envs + " envs");
        }
        if (length < 0 || length > in.remaining()) {
          throw new IllegalArgumentException("not " + layout + ": its part " + k + " claims " + length
              + " bytes, " + in.remaining() + " remain");
        }
        byte[] part = new byte[length];
        in.get(part);
        states.add(part);
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("not " + layout + ": " + in.remaining() + " bytes follow its last part");
      }
      return states;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("not " + layout + ": cut short at byte " + state.length);
    }
  }

  private int[] partSizes() {
    int[] sizes = new int[parts.size()];
    for (int k = 0; k < sizes.length; k++) {
      sizes[k] = offsets[k + 1] - offsets[k];
    }
    return sizes;
  }

  /** Closes every part (their handles on the servers) and the threads; a half ({@link #halves()}) closes nothing. */
  @Override
  public void close() {
    if (threads != null) {
      threads.shutdownNow();
    }
    if (!owned) {
      return;
    }
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
    if (threads == null) {
      threads = Executors.newFixedThreadPool(parts.size() - 1, r -> {
        Thread t = new Thread(r, "isoplast-split-env");
        t.setDaemon(true);
        return t;
      });
    }
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
