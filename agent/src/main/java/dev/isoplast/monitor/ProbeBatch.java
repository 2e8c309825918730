package dev.isoplast.monitor;

import dev.isoplast.nn.HostArrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fixed inputs every monitor is measured on (DESIGN.md §8): up to B rows of {@code inDim}
 * floats, held for a stretch of training so that successive measurements compare the same inputs,
 * and refreshed (at each phase start and on a schedule) from a pool of recent rows, such as PPO's
 * rollout observations or a DQN replay sample.
 *
 * <p>{@link #refresh} draws min(B, N) of the pool's N rows uniformly without replacement (a partial
 * Fisher–Yates shuffle of the row indices) from the given seeded generator, so a run's seed fixes
 * its probes. A pool smaller than B gives a smaller batch; {@link #size()} says how many rows are
 * held. Rows are stored row-major.
 */
public final class ProbeBatch {

  /** The default B (issue 5). */
  public static final int DEFAULT_CAPACITY = 256;

  private final int inDim;
  private final int capacity;
  private float[] rows = new float[0];
  private int size;

  /** A batch of up to {@link #DEFAULT_CAPACITY} rows. */
  public ProbeBatch(int inDim) {
    this(inDim, DEFAULT_CAPACITY);
  }

  /** A batch of up to {@code capacity} rows (B) of {@code inDim} values. */
  public ProbeBatch(int inDim, int capacity) {
    if (inDim <= 0 || capacity <= 0) {
      throw new IllegalArgumentException("a probe batch needs a positive input size and capacity, got inDim="
          + inDim + ", capacity=" + capacity);
    }
    this.inDim = inDim;
    this.capacity = capacity;
  }

  /**
   * Replaces the probes with min(B, N) rows drawn uniformly without replacement from {@code pool},
   * N = pool.length / inDim rows stored row-major (copied; the pool is left unchanged).
   *
   * @return the number of rows now held
   */
  public int refresh(float[] pool, RandomGenerator rng) {
    if (pool.length == 0 || pool.length % inDim != 0) {
      throw new IllegalArgumentException("a probe pool holds whole rows of " + inDim + " values, got "
          + pool.length + " values");
    }
    rows = HostArrays.sampleRows(pool, inDim, capacity, rng);
    size = rows.length / inDim;
    return size;
  }

  /** Puts back rows held before ({@link #rows()}, {@link #size()}): for a resumed run. */
  public void restore(float[] rows, int size) {
    if (rows.length != size * inDim || size > capacity) {
      throw new IllegalArgumentException("probe rows do not match: " + rows.length + " values for " + size + " rows of "
          + inDim);
    }
    this.rows = rows.clone();
    this.size = size;
  }

  /** The number of rows held (0 before the first refresh). */
  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public int inDim() {
    return inDim;
  }

  /** B, the most rows a refresh keeps. */
  public int capacity() {
    return capacity;
  }

  /** The held rows, row-major {@code [size * inDim]} (a copy). */
  public float[] rows() {
    return rows.clone();
  }

  /** The held rows as a new {@code [size, inDim]} array of {@code dataType} (FLOAT or DOUBLE). */
  public INDArray toArray(DataType dataType) {
    if (size == 0) {
      throw new IllegalStateException("the probe batch is empty: refresh it from recent data first");
    }
    return Nd4j.create(rows, new long[] {size, inDim}, DataType.FLOAT).castTo(dataType);
  }
}
