package dev.isoplast.agents.dqn;

import dev.isoplast.config.Snapshot;
import dev.isoplast.envs.StepResult;
import java.util.random.RandomGenerator;

/**
 * DQN's replay memory (SB3's {@code ReplayBuffer}, as CleanRL uses it): {@code capacity}
 * transitions in preallocated circular arrays, the oldest overwritten first, sampled uniformly
 * with replacement.
 *
 * <p>With same-step autoreset the env's next observation of an ended episode is already the new
 * episode's first one; {@link #add(float[], int[], StepResult)} stores the ended episode's final
 * observation instead, and marks the transition done only if it terminated: a truncated transition
 * is bootstrapped from its final observation (SB3's {@code handle_timeout_termination}).
 */
public final class ReplayBuffer {

  /** A sampled batch; its arrays are reused by the next {@link #sample} of the same size. */
  public static final class Batch {
    /** {@code [size * obsDim]} row-major. */
    public final float[] observations;
    /** {@code [size * obsDim]} row-major: s' (the final observation for ended episodes). */
    public final float[] nextObservations;
    /** Action indices, 0-based. */
    public final int[] actions;
    public final float[] rewards;
    /** 1 if the transition terminated, else 0. */
    public final float[] dones;

    Batch(int size, int obsDim) {
      observations = new float[size * obsDim];
      nextObservations = new float[size * obsDim];
      actions = new int[size];
      rewards = new float[size];
      dones = new float[size];
    }

    public int size() {
      return actions.length;
    }
  }

  private final int capacity;
  private final int obsDim;
  private final float[] obs;
  private final float[] nextObs;
  private final int[] actions;
  private final float[] rewards;
  private final float[] dones;
  private int pos;
  private boolean full;
  private Batch batch;

  public ReplayBuffer(int capacity, int obsDim) {
    if (capacity <= 0 || obsDim <= 0) {
      throw new IllegalArgumentException("replay buffer needs capacity > 0 and obsDim > 0, got " + capacity + ", "
          + obsDim);
    }
    if ((long) capacity * obsDim > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("replay buffer of " + capacity + " x " + obsDim + " floats is too large");
    }
    this.capacity = capacity;
    this.obsDim = obsDim;
    obs = new float[capacity * obsDim];
    nextObs = new float[capacity * obsDim];
    actions = new int[capacity];
    rewards = new float[capacity];
    dones = new float[capacity];
  }

  /**
   * Stores one vector step: env i took {@code actions[i]} in {@code observations} row i and got
   * {@code step}'s reward; s' is {@code step}'s observation row, or the final observation if env i's
   * episode ended; done = terminated.
   */
  public void add(float[] observations, int[] actions, StepResult step) {
    int n = actions.length;
    int[] ended = step.endedIndices();
    float[] fin = step.finalObservations();
    float[] next = step.observations();
    int k = 0;
    for (int i = 0; i < n; i++) {
      float[] src = next;
      int srcRow = i;
      if (k < ended.length && ended[k] == i) {
        src = fin;
        srcRow = k;
        k++;
      }
      add(observations, i, src, srcRow, actions[i], step.rewards()[i], step.terminated()[i]);
    }
  }

  /** Stores one transition: row {@code obsRow} of {@code observations}, row {@code nextRow} of {@code next}. */
  public void add(float[] observations, int obsRow, float[] next, int nextRow, int action, double reward,
      boolean done) {
    System.arraycopy(observations, obsRow * obsDim, obs, pos * obsDim, obsDim);
    System.arraycopy(next, nextRow * obsDim, nextObs, pos * obsDim, obsDim);
    actions[pos] = action;
    rewards[pos] = (float) reward;
    dones[pos] = done ? 1f : 0f;
    pos++;
    if (pos == capacity) {
      pos = 0;
      full = true;
    }
  }

  /** {@code batchSize} transitions drawn uniformly with replacement from those stored. */
  public Batch sample(int batchSize, RandomGenerator rng) {
    int n = size();
    if (n == 0) {
      throw new IllegalStateException("cannot sample from an empty replay buffer");
    }
    if (batch == null || batch.size() != batchSize) {
      batch = new Batch(batchSize, obsDim);
    }
    for (int j = 0; j < batchSize; j++) {
      int k = rng.nextInt(n);
      System.arraycopy(obs, k * obsDim, batch.observations, j * obsDim, obsDim);
      System.arraycopy(nextObs, k * obsDim, batch.nextObservations, j * obsDim, obsDim);
      batch.actions[j] = actions[k];
      batch.rewards[j] = rewards[k];
      batch.dones[j] = dones[k];
    }
    return batch;
  }

  /**
   * The observations of {@code rows} transitions drawn uniformly with replacement, as flat rows (a
   * new array; {@link #sample}'s batch is left alone): a reference batch for loss terms.
   */
  public float[] sampleObservations(int rows, RandomGenerator rng) {
    int n = size();
    if (n == 0) {
      throw new IllegalStateException("cannot sample from an empty replay buffer");
    }
    float[] out = new float[rows * obsDim];
    for (int j = 0; j < rows; j++) {
      System.arraycopy(obs, rng.nextInt(n) * obsDim, out, j * obsDim, obsDim);
    }
    return out;
  }

  /** Transitions stored (at most the capacity). */
  public int size() {
    return full ? capacity : pos;
  }

  public int capacity() {
    return capacity;
  }

  public int obsDim() {
    return obsDim;
  }

  /** Slot the next transition goes to. */
  public int position() {
    return pos;
  }

  /**
   * The observations of the last {@code min(max, size())} transitions added, newest last, as flat
   * rows (a copy): the monitors' probe data.
   */
  public float[] recentObservations(int max) {
    int n = Math.min(max, size());
    float[] out = new float[n * obsDim];
    for (int k = 0; k < n; k++) {
      int slot = Math.floorMod(pos - n + k, capacity);
      System.arraycopy(obs, slot * obsDim, out, k * obsDim, obsDim);
    }
    return out;
  }

  /** Its contents and position, for a checkpoint (the filled part only: a buffer not yet full stays small). */
  public Snapshot state() {
    int n = size();
    return new Snapshot().put("capacity", (long) capacity).put("obs_dim", (long) obsDim).put("pos", (long) pos)
        .put("full", full).put("obs", java.util.Arrays.copyOf(obs, n * obsDim))
        .put("next_obs", java.util.Arrays.copyOf(nextObs, n * obsDim)).put("actions", java.util.Arrays.copyOf(actions, n))
        .put("rewards", java.util.Arrays.copyOf(rewards, n)).put("dones", java.util.Arrays.copyOf(dones, n));
  }

  /** Puts back {@link #state()} taken from a buffer of the same capacity and observation size. */
  public void restore(Snapshot s) {
    if (s.getLong("capacity") != capacity || s.getLong("obs_dim") != obsDim) {
      throw new IllegalArgumentException("the saved replay buffer holds " + s.getLong("capacity") + " x "
          + s.getLong("obs_dim") + ", this one " + capacity + " x " + obsDim);
    }
    int p = s.getInt("pos");
    boolean f = s.getBoolean("full");
    int n = f ? capacity : p;
    float[] o = s.getFloats("obs");
    float[] no = s.getFloats("next_obs");
    int[] a = s.getInts("actions");
    float[] r = s.getFloats("rewards");
    float[] d = s.getFloats("dones");
    if (p < 0 || p >= capacity || o.length != n * obsDim || no.length != n * obsDim || a.length != n || r.length != n
        || d.length != n) {
      throw new IllegalArgumentException("the saved replay buffer is inconsistent (position " + p + ", "
          + a.length + " transitions)");
    }
    System.arraycopy(o, 0, obs, 0, o.length);
    System.arraycopy(no, 0, nextObs, 0, no.length);
    System.arraycopy(a, 0, actions, 0, n);
    System.arraycopy(r, 0, rewards, 0, n);
    System.arraycopy(d, 0, dones, 0, n);
    pos = p;
    full = f;
  }

  // ---- slot views for tests and monitors (copies) ----

  public float[] observation(int slot) {
    return copyRow(obs, slot);
  }

  public float[] nextObservation(int slot) {
    return copyRow(nextObs, slot);
  }

  public int action(int slot) {
    return actions[slot];
  }

  public float reward(int slot) {
    return rewards[slot];
  }

  public boolean done(int slot) {
    return dones[slot] != 0f;
  }

  private float[] copyRow(float[] a, int slot) {
    float[] out = new float[obsDim];
    System.arraycopy(a, slot * obsDim, out, 0, obsDim);
    return out;
  }
}
