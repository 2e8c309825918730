package dev.isoplast.envs.remote;

import dev.isoplast.envs.PendingStep;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.TwoHalves;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Space;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vector of envs on env servers that outlives its servers: when a call finds a server gone
 * (UNAVAILABLE) or the handle unknown to it (NOT_FOUND: the server restarted, or reaped the
 * handle), the pool brings the servers back ({@link EnvServerPool#recover}: the embedded server
 * is started again, a remote one waited for), the vector is made anew by its factory on the
 * servers as they are now, given its current configuration again (every {@link #reconfigure} so
 * far, e.g. the scenario phase's), and reset with the <b>restart seed</b>
 * {@code (seed + r * 0x9E3779B97F4A7C15L) >>> 2} (env i gets that plus i; {@link #restartSeed}),
 * where {@code seed} is the seed the vector was made with and {@code r} the pool's restart count:
 * deterministic, and far from the seeds of the vector's first episodes and of earlier restarts.
 *
 * <p>The interrupted step is not lost: it returns {@link StepResult#cutOff}, every env's episode
 * truncated with reward 0, its final observation the last one the caller saw and no episode
 * statistics, and the fresh reset's observations as the next ones. So a learner's step count has
 * no gap, and it bootstraps the cut episodes as it does time limits. A failed reset or
 * reconfiguration is done again on the new vector.
 *
 * <p>After {@code maxRestartsInARow} restarts without a successful step in between (a restart that
 * fails, or whose next step fails again, counts) the last failure is thrown, after
 * {@link Listener#beforeGivingUp}. A call that exceeded its deadline (DEADLINE_EXCEEDED: the server
 * hangs) and every other failure are thrown at once, as from the vector itself.
 *
 * <p>The {@link #halves()} of a vector made in parts step through here too (PPO's overlapped
 * rollout): a restart makes the whole vector anew, and each half's next step is then cut off,
 * including a step of the other half that was in flight on the old servers. Not thread-safe (one
 * trainer thread steps it, as any VectorEnv).
 */
public final class RestartingVectorEnv implements TwoHalves {

  private static final Logger log = LoggerFactory.getLogger(RestartingVectorEnv.class);

  /** The golden-ratio increment of SplitMix64: restart seeds far apart from the run's own seeds. */
  static final long RESTART_SEED_STEP = 0x9E3779B97F4A7C15L;

  /** Told of what happened to the vector's servers. */
  public interface Listener {

    /** No one listens (the restart is logged all the same). */
    Listener NONE = (restarts, reason) -> {};

    /**
     * The servers were brought back (for the {@code restarts}-th time in this pool) after
     * {@code reason}, and the vector's envs were made anew; the step in progress is cut off.
     */
    void onRestart(int restarts, String reason);

    /**
     * About to give up: {@code failure} is thrown next and the vector is unusable. The place for
     * last words, such as a checkpoint of the learner; the default does nothing.
     */
    default void beforeGivingUp(RuntimeException failure) {}
  }

  private final EnvServerPool servers;
  private final Function<EnvServerPool, VectorEnv> factory;
  private final long seed;
  private final int maxRestartsInARow;
  private final Listener listener;
  private final String envId;
  private final int numEnvs;
  private final int obsSize;
  private final Space observationSpace;
  private final Space actionSpace;
  private final int firstHalf; // envs of the first half; 0 when the vector is not in parts

  private VectorEnv inner;
  private int madeAt; // the pool's restart count when inner was made
  private int generation; // how many times inner was made anew
  private final int[] seenGeneration; // per env: the generation whose observation the caller holds
  private Perturbation configuration; // every reconfigure so far, composed; null while there was none
  private float[] lastObservations; // what the caller saw last, per env
  private float[] freshObservations; // the latest restart's reset
  private int restartsInARow;
  private List<VectorEnv> halves;
  private boolean closed;

  /**
   * A vector made by {@code factory} on {@code servers}, remade on them when they fail, if the
   * pool can bring its servers back ({@link EnvServerPool#maxRestartsInARow()} above 0); else the
   * factory's vector itself.
   *
   * @param seed the seed the factory makes the vector with (the base of the restart seeds)
   * @param listener told of each restart this vector performs
   */
  public static VectorEnv of(EnvServerPool servers, Function<EnvServerPool, VectorEnv> factory, long seed,
      Listener listener) {
    if (servers.maxRestartsInARow() == 0) {
      return factory.apply(servers);
    }
    return new RestartingVectorEnv(servers, factory, seed, servers.maxRestartsInARow(), listener);
  }

  RestartingVectorEnv(EnvServerPool servers, Function<EnvServerPool, VectorEnv> factory, long seed,
      int maxRestartsInARow, Listener listener) {
    this.servers = servers;
    this.factory = factory;
    this.seed = seed;
    this.maxRestartsInARow = maxRestartsInARow;
    this.listener = listener;
    this.inner = makeFirst();
    this.envId = inner.envId();
    this.numEnvs = inner.numEnvs();
    this.observationSpace = inner.observationSpace();
    this.actionSpace = inner.actionSpace();
    this.obsSize = observationSpace.flatSize();
    this.firstHalf = inner instanceof TwoHalves t ? t.halves().get(0).numEnvs() : 0;
    this.seenGeneration = new int[numEnvs];
  }

  /**
   * The vector's first make, brought through a restart of its servers as a later make is: a
   * vector made while its servers are down (a sweep's cell starting while the sweep restarts its
   * shared server) waits for them ({@link EnvServerPool#recover}) and is made then, at most
   * {@code maxRestartsInARow} times in a row; any other failure is thrown at once.
   */
  private VectorEnv makeFirst() {
    while (true) {
      int count = servers.restarts();
      try {
        VectorEnv made = factory.apply(servers);
        madeAt = count;
        return made;
      } catch (RuntimeException e) {
        if (!handlesLost(e)) {
          throw e;
        }
        if (restartsInARow >= maxRestartsInARow) {
          throw new EnvException.ServerUnavailable("the env servers failed again while making the envs "
              + afterRestarts(e), e);
        }
        restartsInARow++;
        log.warn("env server unavailable while making the envs ({} of at most {} in a row), waiting for it: {}",
            restartsInARow, maxRestartsInARow, firstLine(e.getMessage()));
        servers.recover(count, e);
      }
    }
  }

  /**
   * The restart seed after the pool's {@code restarts}-th restart (env i gets it plus i):
   * {@code (seed + restarts * 0x9E3779B97F4A7C15L) >>> 2}, a 62-bit number, so that it and every
   * env's seed after it are >= 0 as Gymnasium requires.
   */
  public static long restartSeed(long seed, int restarts) {
    return (seed + restarts * RESTART_SEED_STEP) >>> 2;
  }

  /** The vector this one stands for now (a new one after each restart). */
  public VectorEnv inner() {
    return inner;
  }

  @Override
  public String envId() {
    return envId;
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
  public float[] reset(long s) {
    return seen(retrying(() -> inner.reset(s)));
  }

  /** Resets without reseeding; after a restart the new envs are seeded with the restart seed instead. */
  @Override
  public float[] reset() {
    int g = generation;
    return seen(retrying(() -> generation == g ? inner.reset() : inner.reset(restartSeed(seed, madeAt))));
  }

  private float[] seen(float[] observations) {
    lastObservations = observations.clone();
    Arrays.fill(seenGeneration, generation);
    return observations;
  }

  @Override
  public StepResult step(double[] actions) {
    return stepAsync(actions).await();
  }

  @Override
  public PendingStep stepAsync(double[] actions) {
    return stepRows(inner, 0, numEnvs, actions);
  }

  /**
   * Steps envs {@code offset .. offset+count-1} through {@code part} of the current vector (the
   * whole, or a half). Rows whose caller has not seen the latest restart's observations yet are
   * cut off without stepping: their actions were chosen for envs that are gone.
   */
  private PendingStep stepRows(VectorEnv part, int offset, int count, double[] actions) {
    checkOpen();
    if (seenGeneration[offset] != generation) {
      StepResult r = cutOff(offset, count);
      return () -> r;
    }
    int g = generation;
    PendingStep pending;
    try {
      pending = part.stepAsync(actions);
    } catch (RuntimeException e) {
      StepResult r = recover(g, e, offset, count);
      return () -> r;
    }
    return () -> {
      StepResult r;
      try {
        r = pending.await();
      } catch (RuntimeException e) {
        return recover(g, e, offset, count);
      }
      if (g != generation) {
        return cutOff(offset, count); // answered by the old servers, whose envs are gone
      }
      restartsInARow = 0;
      System.arraycopy(r.observations(), 0, lastObservations(), offset * obsSize, count * obsSize);
      return r;
    };
  }

  /**
   * A step of rows {@code offset ..} made at generation {@code g} failed with {@code e}: restarts
   * (unless the vector was remade since, or the failure is not one that a restart mends) and
   * returns the rows' cut-off step.
   */
  private StepResult recover(int g, RuntimeException e, int offset, int count) {
    if (g == generation) {
      if (!handlesLost(e)) {
        throw e;
      }
      remakeAndReset(e);
    }
    return cutOff(offset, count);
  }

  private StepResult cutOff(int offset, int count) {
    float[] last = Arrays.copyOfRange(lastObservations(), offset * obsSize, (offset + count) * obsSize);
    float[] fresh = Arrays.copyOfRange(freshObservations, offset * obsSize, (offset + count) * obsSize);
    System.arraycopy(fresh, 0, lastObservations, offset * obsSize, fresh.length);
    Arrays.fill(seenGeneration, offset, offset + count, generation);
    return StepResult.cutOff(last, fresh, count);
  }

  private float[] lastObservations() {
    if (lastObservations == null) {
      // never reset through this wrapper (e.g. a state was loaded into it): the best guess is the
      // fresh envs' own observations
      lastObservations = freshObservations == null ? new float[numEnvs * obsSize] : freshObservations.clone();
    }
    return lastObservations;
  }

  /**
   * Makes the vector anew (as often as allowed) and resets it with the restart seed: its
   * observations are the next ones of every env whose step is cut off.
   */
  private void remakeAndReset(RuntimeException failure) {
    RuntimeException last = failure;
    while (true) {
      remake(last);
      try {
        freshObservations = inner.reset(restartSeed(seed, madeAt));
        return;
      } catch (RuntimeException e) {
        if (!handlesLost(e)) {
          throw e;
        }
        last = e;
      }
    }
  }

  /** Runs {@code call}; when the vector's servers fail it, makes the vector anew and runs it again. */
  private <T> T retrying(Supplier<T> call) {
    checkOpen();
    while (true) {
      try {
        return call.get();
      } catch (RuntimeException e) {
        if (!handlesLost(e)) {
          throw e;
        }
        remakeAndReset(e);
      }
    }
  }

  /**
   * After {@code failure}, brings the servers back and makes the vector anew with its
   * configuration; tries again on failure until {@code maxRestartsInARow} restarts followed one
   * another without a successful step, then gives up with the last failure.
   */
  private void remake(RuntimeException failure) {
    RuntimeException last = failure;
    while (true) {
      if (restartsInARow >= maxRestartsInARow) {
        RuntimeException giveUp = new EnvException.ServerUnavailable("the env servers of " + envId + " x" + numEnvs
            + " failed again " + afterRestarts(last), last);
        listener.beforeGivingUp(giveUp);
        throw giveUp;
      }
      restartsInARow++;
      try {
        closeQuietly(inner);
        boolean restarted = servers.restarts() <= madeAt; // else another vector of the pool restarted them already
        int count = servers.recover(madeAt, last);
        VectorEnv made = factory.apply(servers);
        inner = made;
        madeAt = count;
        generation++;
        halves = null;
        if (configuration != null) {
          inner.reconfigure(configuration);
        }
        if (restarted) {
          log.warn("env server restart {} ({} of at most {} in a row): {} x{} made anew, reset with seed {}, after: {}",
              count, restartsInARow, maxRestartsInARow, envId, numEnvs, restartSeed(seed, count),
              firstLine(last.getMessage()));
          listener.onRestart(count, firstLine(last.getMessage()));
        }
        return;
      } catch (RuntimeException e) {
        log.warn("env server restart failed ({} of at most {} in a row): {}", restartsInARow, maxRestartsInARow,
            firstLine(e.getMessage()));
        last = e;
      }
    }
  }

  /** "after K restarts in a row (--max-server-restarts K): {@code last}'s first line", the end of a give-up message. */
  private String afterRestarts(RuntimeException last) {
    return "after " + restartsInARow + " restart" + (restartsInARow == 1 ? "" : "s") + " in a row (--max-server-restarts "
        + maxRestartsInARow + "): " + firstLine(last.getMessage());
  }

  /**
   * Whether {@code e} means the vector's handles are lost while its servers may come back: a
   * server unreachable (UNAVAILABLE), or one that does not know the handle (NOT_FOUND). A call
   * past its deadline is not: a hung server is reported, not waited for again.
   */
  static boolean handlesLost(RuntimeException e) {
    if (e instanceof EnvException.HandleNotFound) {
      return true;
    }
    if (!(e instanceof EnvException.ServerUnavailable)) {
      return false;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        return false;
      }
    }
    return true;
  }

  private static String firstLine(String m) {
    if (m == null) {
      return "(no message)";
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl).replaceFirst(";? ?last lines:$", ""); // not the server log's tail
  }

  /** Applies {@code p} and keeps it, composed with the earlier ones, for the vectors made after a restart. */
  @Override
  public Perturbation reconfigure(Perturbation p) {
    Perturbation applied = retrying(() -> inner.reconfigure(p));
    configuration = configuration == null ? p : configuration.andThen(p);
    return applied;
  }

  /** The current vector's state ({@link VectorEnv#saveState}). */
  @Override
  public byte[] saveState() {
    return inner.saveState();
  }

  /** Into the current vector ({@link VectorEnv#loadState}). */
  @Override
  public void loadState(byte[] state) {
    inner.loadState(state);
  }

  /**
   * The two halves of the vector when it is made in parts ({@link EnvServerPool#make} with
   * {@code minParts} 2): each steps its part of whichever vector is current.
   */
  @Override
  public List<VectorEnv> halves() {
    if (firstHalf == 0) {
      throw new IllegalArgumentException("the vector " + inner + " is not in parts: it has no halves to step in turn");
    }
    return List.of(new Half(0, firstHalf), new Half(firstHalf, numEnvs - firstHalf));
  }

  private List<VectorEnv> innerHalves() {
    if (halves == null) {
      halves = ((TwoHalves) inner).halves();
    }
    return halves;
  }

  @Override
  public void close() {
    closed = true;
    inner.close();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private static void closeQuietly(VectorEnv env) {
    try {
      env.close();
    } catch (RuntimeException e) {
      // its server is gone: nothing is left to release
    }
  }

  @Override
  public String toString() {
    return "RestartingVectorEnv(" + inner + ")";
  }

  /** Envs {@code offset .. offset+count-1} of the vector, stepped through the current vector's half. */
  private final class Half implements VectorEnv {
    private final int offset;
    private final int count;

    Half(int offset, int count) {
      this.offset = offset;
      this.count = count;
    }

    @Override
    public String envId() {
      return envId;
    }

    @Override
    public int numEnvs() {
      return count;
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
    public float[] reset(long s) {
      throw new UnsupportedOperationException("reset the whole vector, not a half");
    }

    @Override
    public float[] reset() {
      throw new UnsupportedOperationException("reset the whole vector, not a half");
    }

    @Override
    public StepResult step(double[] actions) {
      return stepAsync(actions).await();
    }

    @Override
    public PendingStep stepAsync(double[] actions) {
      return stepRows(innerHalves().get(offset == 0 ? 0 : 1), offset, count, actions);
    }

    @Override
    public Perturbation reconfigure(Perturbation perturbation) {
      throw new UnsupportedOperationException("reconfigure the whole vector, not a half");
    }

    @Override
    public void close() {
      // a half closes nothing
    }

    @Override
    public String toString() {
      return "half " + offset + ".." + (offset + count - 1) + " of " + RestartingVectorEnv.this;
    }
  }
}
