package dev.isoplast.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between {@link INDArray}s and Java arrays, and direct views of an array's memory.
 *
 * <p>Why this exists: on nd4j-native every op costs about 10–15 µs of fixed overhead, and a single
 * {@code getDouble(i)} goes through shape checks. Small per-row computations (log-softmax over a
 * handful of actions, a gather by action index, GroupSort's permutation) are therefore cheaper as
 * one Java loop over the array's memory than as a chain of ND4J ops. The CPU backend executes ops
 * synchronously, so reading and writing the host memory between ops is safe.
 *
 * <p>Only FLOAT and DOUBLE arrays are read or written directly; integer arrays (actions, labels)
 * are read through {@link #toInts}.
 */
public final class HostArrays {

  private HostArrays() {}

  /**
   * Arrays up to this many elements are cheaper to walk once in Java than to hand to one ND4J op:
   * a call costs ≈ 10–40 µs on the 2-core machine whatever the size, a Java pass ≈ 1–4 ns per
   * element. PPO's 4-64-64-2 actor and critic (12 parameters of at most 4096 elements) spent
   * ≈ 145 µs per minibatch step zeroing gradients and ≈ 510 µs clipping them with ND4J ops
   * (docs/performance.md).
   */
  public static final int ONE_PASS_MAX = 16_384;

  /** Whether one Java pass over {@code a} ({@link #ONE_PASS_MAX}) beats an ND4J op: small, contiguous, FLOAT or DOUBLE. */
  public static boolean smallForOnePass(INDArray a) {
    return a.length() <= ONE_PASS_MAX && isContiguous(a)
        && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE);
  }

  /**
   * Length of the chunks in which element loops over host memory copy their arrays through Java
   * arrays ({@link #floatScratch}).
   */
  public static final int CHUNK = 4_096;

  private static final int SLOTS = 4;
  private static final ThreadLocal<float[][]> FLOAT_SCRATCH = ThreadLocal.withInitial(() -> new float[SLOTS][0]);
  private static final ThreadLocal<double[][]> DOUBLE_SCRATCH = ThreadLocal.withInitial(() -> new double[SLOTS][0]);

  /**
   * This thread's scratch array number {@code slot} (0–3) of at least {@code n} elements, grown as
   * needed and reused: for leaf loops over host memory, which copy a chunk of each operand into
   * such an array with one bulk {@code get(int, float[], int, int)} (a memory copy), compute on the
   * Java arrays and copy the result back with one bulk {@code put}. Per-element
   * {@code FloatBuffer.get(i)}/{@code put(i, v)} costs 3–6 ns an element once the JVM has seen
   * more than two buffer classes at the call site, as it has in a learner (native-order direct
   * views, heap and big-endian buffers elsewhere in the process), against ≈ 0.5 ns this way
   * (docs/performance.md, "Element loops through Java arrays"). The contents are valid until the
   * next request for the same slot on this thread: a loop must not call another that uses it.
   */
  public static float[] floatScratch(int slot, int n) {
    float[][] s = FLOAT_SCRATCH.get();
    if (s[slot].length < n) {
      s[slot] = new float[Math.max(n, CHUNK)];
    }
    return s[slot];
  }

  /** The float64 twin of {@link #floatScratch}. */
  public static double[] doubleScratch(int slot, int n) {
    double[][] s = DOUBLE_SCRATCH.get();
    if (s[slot].length < n) {
      s[slot] = new double[Math.max(n, CHUNK)];
    }
    return s[slot];
  }

  /** One chunk of an element loop: {@code out[i] = f(a[i], b[i])} for i &lt; n; b is null without a second operand. */
  @FunctionalInterface
  public interface FloatChunkOp {
    void apply(float[] a, float[] b, float[] out, int n);
  }

  /** The float64 twin of {@link FloatChunkOp}. */
  @FunctionalInterface
  public interface DoubleChunkOp {
    void apply(double[] a, double[] b, double[] out, int n);
  }

  /**
   * out ← op(a, b) element by element, {@link #CHUNK} elements at a time copied through this
   * thread's scratch arrays (slots 0–2): {@code f} for FLOAT arrays, {@code d} for DOUBLE. a, b
   * (null: none) and out are contiguous, of a's length and dtype; out may be a or b.
   */
  public static void mapChunks(INDArray a, INDArray b, INDArray out, FloatChunkOp f, DoubleChunkOp d) {
    int n = (int) a.length();
    if (a.dataType() == DataType.DOUBLE) {
      DoubleBuffer as = doubles(a);
      DoubleBuffer bs = b == null ? null : doubles(b);
      DoubleBuffer os = doubles(out);
      double[] aa = doubleScratch(0, CHUNK);
      double[] ba = bs == null ? null : doubleScratch(1, CHUNK);
      double[] oa = doubleScratch(2, CHUNK);
      for (int off = 0; off < n; off += CHUNK) {
        int k = Math.min(CHUNK, n - off);
        as.get(off, aa, 0, k);
        if (bs != null) {
          bs.get(off, ba, 0, k);
        }
        d.apply(aa, ba, oa, k);
        os.put(off, oa, 0, k);
      }
    } else {
      FloatBuffer as = floats(a);
      FloatBuffer bs = b == null ? null : floats(b);
      FloatBuffer os = floats(out);
      float[] aa = floatScratch(0, CHUNK);
      float[] ba = bs == null ? null : floatScratch(1, CHUNK);
      float[] oa = floatScratch(2, CHUNK);
      for (int off = 0; off < n; off += CHUNK) {
        int k = Math.min(CHUNK, n - off);
        as.get(off, aa, 0, k);
        if (bs != null) {
          bs.get(off, ba, 0, k);
        }
        f.apply(aa, ba, oa, k);
        os.put(off, oa, 0, k);
      }
    }
  }

  private static final int ZEROS_LENGTH = 4_096;
  private static final float[] FLOAT_ZEROS = new float[ZEROS_LENGTH];
  private static final double[] DOUBLE_ZEROS = new double[ZEROS_LENGTH];

  /**
   * Sets every element of a contiguous FLOAT or DOUBLE array to zero: bulk copies from a zero
   * array, which the JVM does as memory copies (≈ 20 µs for 358 KB, against ≈ 115 µs for ND4J's
   * {@code assign(0)} on the same array in a Permuted MNIST run, where zeroing the flat gradient was
   * 13% of the wall time).
   */
  public static void zero(INDArray a) {
    int n = (int) a.length();
    if (a.dataType() == DataType.DOUBLE) {
      DoubleBuffer d = doubles(a);
      for (int off = 0; off < n; off += ZEROS_LENGTH) {
        d.put(off, DOUBLE_ZEROS, 0, Math.min(ZEROS_LENGTH, n - off));
      }
    } else {
      FloatBuffer f = floats(a);
      for (int off = 0; off < n; off += ZEROS_LENGTH) {
        f.put(off, FLOAT_ZEROS, 0, Math.min(ZEROS_LENGTH, n - off));
      }
    }
  }

  /** Sets {@code a} to zero: {@link #zero} when it is contiguous FLOAT or DOUBLE, else one ND4J op. */
  public static void zeroOrAssign(INDArray a) {
    if (isContiguous(a) && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE)) {
      zero(a);
    } else {
      a.assign(0);
    }
  }

  /** Σ aᵢ² of a contiguous FLOAT or DOUBLE array, accumulated in double. */
  public static double sumOfSquares(INDArray a) {
    int n = (int) a.length();
    double sq = 0;
    if (a.dataType() == DataType.DOUBLE) {
      DoubleBuffer d = doubles(a);
      for (int i = 0; i < n; i++) {
        double x = d.get(i);
        sq += x * x;
      }
    } else {
      FloatBuffer f = floats(a);
      for (int i = 0; i < n; i++) {
        double x = f.get(i);
        sq += x * x;
      }
    }
    return sq;
  }

  /** Σ (aᵢ − bᵢ)² of two contiguous arrays of one dtype (FLOAT or DOUBLE) and length, accumulated in double. */
  public static double sumOfSquaredDifferences(INDArray a, INDArray b) {
    int n = (int) a.length();
    if (b.length() != n || b.dataType() != a.dataType()) {
      throw new IllegalArgumentException("sumOfSquaredDifferences: " + a.dataType() + " " + n + " against "
          + b.dataType() + " " + b.length());
    }
    double sq = 0;
    if (a.dataType() == DataType.DOUBLE) {
      DoubleBuffer x = doubles(a);
      DoubleBuffer y = doubles(b);
      for (int i = 0; i < n; i++) {
        double d = x.get(i) - y.get(i);
        sq += d * d;
      }
    } else {
      FloatBuffer x = floats(a);
      FloatBuffer y = floats(b);
      for (int i = 0; i < n; i++) {
        double d = (double) x.get(i) - y.get(i);
        sq += d * d;
      }
    }
    return sq;
  }

  /** Whether {@link #sumOfSquares} and its kin read {@code a} directly: contiguous FLOAT or DOUBLE. */
  public static boolean readable(INDArray a) {
    return (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE) && isContiguous(a);
  }

  /** a ← c·a in a's precision (as ND4J's {@code muli(c)}: c rounded to FLOAT for a FLOAT array). */
  public static void scale(INDArray a, double c) {
    int n = (int) a.length();
    if (a.dataType() == DataType.DOUBLE) {
      DoubleBuffer d = doubles(a);
      for (int i = 0; i < n; i++) {
        d.put(i, d.get(i) * c);
      }
    } else {
      FloatBuffer f = floats(a);
      float cf = (float) c;
      for (int i = 0; i < n; i++) {
        f.put(i, f.get(i) * cf);
      }
    }
  }

  /**
   * Whether {@code a}'s elements lie contiguously in row-major order from {@link INDArray#offset()}
   * (true for arrays made by {@code Nd4j.zeros/create}, for row ranges of them and for the
   * parameter views of a flat buffer): every dimension of size above 1 has the row-major stride.
   * Checked on the strides themselves: ND4J's {@code Shape.hasDefaultStridesForShape} answers
   * false for a [1, n] view at a non-zero offset, and marks 1-D interval views 'f'.
   */
  public static boolean isContiguous(INDArray a) {
    if (a.length() <= 1) {
      return true;
    }
    long[] shape = a.shape();
    long[] stride = a.stride();
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /** Copies {@code a} (any shape, FLOAT or DOUBLE) into {@code reuse} if it has a's length, else into a new array. */
  public static double[] toDoubles(INDArray a, double[] reuse) {
    int n = checkedLength(a);
    double[] out = reuse != null && reuse.length == n ? reuse : new double[n];
    INDArray src = isContiguous(a) ? a : a.dup('c');
    int off = (int) src.offset();
    if (src.dataType() == DataType.DOUBLE) {
      src.data().asNioDouble().get(off, out, 0, n);
    } else if (src.dataType() == DataType.FLOAT) {
      FloatBuffer f = src.data().asNioFloat();
      for (int i = 0; i < n; i++) {
        out[i] = f.get(off + i);
      }
    } else {
      INDArray d = src.castTo(DataType.DOUBLE);
      d.data().asNioDouble().get((int) d.offset(), out, 0, n);
    }
    return out;
  }

  /**
   * Copies the integer values of {@code a} (e.g. discrete actions or class labels, stored in any
   * numeric dtype) into {@code reuse} if it has a's length, else into a new array.
   *
   * @throws IllegalArgumentException if an element is not an integer
   */
  public static int[] toInts(INDArray a, int[] reuse) {
    int n = checkedLength(a);
    int[] out = reuse != null && reuse.length == n ? reuse : new int[n];
    if (a.dataType() == DataType.INT32 && isContiguous(a)) {
      a.data().asNioInt().get((int) a.offset(), out, 0, n);
      return out;
    }
    double[] d = toDoubles(a.dataType().isFPType() ? a : a.castTo(DataType.DOUBLE), null);
    for (int i = 0; i < n; i++) {
      if (d[i] != Math.rint(d[i]) || Math.abs(d[i]) > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("expected integer values, element " + i + " is " + d[i]);
      }
      out[i] = (int) d[i];
    }
    return out;
  }

  /** Writes {@code src} (row-major, length = dst.length()) into {@code dst}, converting to dst's dtype. */
  public static void fromDoubles(double[] src, INDArray dst) {
    int n = checkedLength(dst);
    if (src.length != n) {
      throw new IllegalArgumentException("cannot write " + src.length + " values into an array of length " + n);
    }
    if (!isContiguous(dst) || !dst.dataType().isFPType() || dst.dataType() == DataType.HALF
        || dst.dataType() == DataType.BFLOAT16) {
      dst.assign(Nd4j.create(src, dst.shape(), 'c').castTo(dst.dataType()));
      return;
    }
    int off = (int) dst.offset();
    if (dst.dataType() == DataType.DOUBLE) {
      dst.data().asNioDouble().put(off, src, 0, n);
    } else {
      FloatBuffer f = dst.data().asNioFloat();
      for (int i = 0; i < n; i++) {
        f.put(off + i, (float) src[i]);
      }
    }
  }

  /** A view of a contiguous FLOAT array's elements, index 0 = its first element. */
  public static FloatBuffer floats(INDArray a) {
    requireContiguous(a, DataType.FLOAT);
    FloatBuffer f = a.data().asNioFloat();
    return a.offset() == 0 ? f : f.position((int) a.offset()).slice();
  }

  /** A view of a contiguous DOUBLE array's elements, index 0 = its first element. */
  public static DoubleBuffer doubles(INDArray a) {
    requireContiguous(a, DataType.DOUBLE);
    DoubleBuffer d = a.data().asNioDouble();
    return a.offset() == 0 ? d : d.position((int) a.offset()).slice();
  }

  /** Element {@code i} (row-major) of a contiguous FLOAT or DOUBLE array. */
  public static double get(INDArray a, long i) {
    return a.dataType() == DataType.DOUBLE ? doubles(a).get((int) i) : floats(a).get((int) i);
  }

  /** Sets element {@code i} (row-major) of a contiguous FLOAT or DOUBLE array. */
  public static void set(INDArray a, long i, double v) {
    if (a.dataType() == DataType.DOUBLE) {
      doubles(a).put((int) i, v);
    } else {
      floats(a).put((int) i, (float) v);
    }
  }

  private static void requireContiguous(INDArray a, DataType type) {
    if (a.dataType() != type || !isContiguous(a)) {
      throw new IllegalStateException("expected a contiguous " + type + " array, got " + a.dataType() + " "
          + a.shapeInfoToString());
    }
  }

  private static int checkedLength(INDArray a) {
    if (a.length() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("array too large for a Java array: " + a.length() + " elements");
    }
    return (int) a.length();
  }

  /**
   * min(k, N) rows drawn uniformly without replacement (a partial Fisher–Yates shuffle with
   * {@code rng}) from {@code pool}, N = pool.length / width rows stored row-major, as a new array in
   * the order drawn; the pool is left unchanged.
   */
  public static float[] sampleRows(float[] pool, int width, int k, RandomGenerator rng) {
    int n = pool.length / width;
    int m = Math.min(k, n);
    int[] index = new int[n];
    for (int i = 0; i < n; i++) {
      index[i] = i;
    }
    float[] picked = new float[m * width];
    for (int i = 0; i < m; i++) {
      int j = i + rng.nextInt(n - i);
      int t = index[i];
      index[i] = index[j];
      index[j] = t;
      System.arraycopy(pool, index[i] * width, picked, i * width, width);
    }
    return picked;
  }
}
