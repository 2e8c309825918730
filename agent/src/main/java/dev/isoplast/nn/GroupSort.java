package dev.isoplast.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GroupSort (Anil, Lucas &amp; Grosse 2019, "Sorting out Lipschitz function approximation"): the
 * units are split into consecutive groups of k and each group is sorted in descending order.
 * {@link #maxMin MaxMin} is k = 2: each pair (a, b) ↦ (max(a, b), min(a, b)).
 *
 * <p>The map only permutes its input, so its Jacobian at every input is a permutation matrix:
 * norm-preserving, hence isometric almost everywhere (DESIGN.md §5). Backward routes each gradient
 * to the unit that produced that output. Ties keep the earlier unit first.
 *
 * <p>Implementation: one Java loop over the arrays' memory records, for every output, the flat
 * index of its source ({@link #sourceIndex()}); backward scatters through it. nd4j has no op that
 * sorts in groups and returns the permutation.
 */
public final class GroupSort implements Activation {

  private final String name;
  private final int size;
  private final int groupSize;
  private final PerBatch<Buffers> buffers;
  private DataType dataType = DataType.FLOAT;
  private INDArray lastInput;
  private INDArray lastOutput;
  private int[] lastSource;
  private final double[] groupValues;
  private final int[] groupOrder;

  private static final class Buffers {
    final INDArray out;
    final INDArray dx;
    final int[] source;
    final ContiguousCopy inCopy = new ContiguousCopy();
    final ContiguousCopy gradCopy = new ContiguousCopy();

    Buffers(INDArray out, INDArray dx, int[] source) {
      this.out = out;
      this.dx = dx;
      this.source = source;
    }
  }

  public GroupSort(String name, int size, int groupSize) {
    if (groupSize < 2) {
      throw new IllegalArgumentException("GroupSort " + name + " needs a group size >= 2, got " + groupSize);
    }
    if (size <= 0 || size % groupSize != 0) {
      throw new IllegalArgumentException("GroupSort " + name + " with group size " + groupSize
          + " needs a positive width divisible by " + groupSize + ", got " + size);
    }
    this.name = name;
    this.size = size;
    this.groupSize = groupSize;
    this.groupValues = new double[groupSize];
    this.groupOrder = new int[groupSize];
    this.buffers = new PerBatch<>(b -> new Buffers(
        Nd4j.zeros(dataType, b, size), Nd4j.zeros(dataType, b, size), new int[b * size]));
  }

  /** MaxMin = GroupSort(2): (a, b) ↦ (max, min) for each consecutive pair of units. */
  public static GroupSort maxMin(String name, int size) {
    return new GroupSort(name, size, 2);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return size;
  }

  public int groupSize() {
    return groupSize;
  }

  @Override
  public INDArray forward(INDArray x) {
    Layers.checkInput(this, x, null);
    if (Layers.floatingType(this, x) != dataType) {
      dataType = x.dataType();
      buffers.clear();
    }
    Buffers buf = buffers.get((int) x.rows());
    INDArray in = buf.inCopy.of(x, dataType);
    int n = (int) in.length();
    int[] src = buf.source;
    if (dataType == DataType.FLOAT) {
      FloatBuffer xf = HostArrays.floats(in);
      FloatBuffer of = HostArrays.floats(buf.out);
      if (groupSize == 2) {
        for (int i = 0; i < n; i += 2) {
          float a = xf.get(i);
          float b = xf.get(i + 1);
          boolean keep = a >= b;
          of.put(i, keep ? a : b);
          of.put(i + 1, keep ? b : a);
          src[i] = keep ? i : i + 1;
          src[i + 1] = keep ? i + 1 : i;
        }
      } else {
        for (int i = 0; i < n; i += groupSize) {
          for (int r = 0; r < groupSize; r++) {
            groupValues[r] = xf.get(i + r);
          }
          sortGroup(src, i);
          for (int r = 0; r < groupSize; r++) {
            of.put(i + r, xf.get(src[i + r]));
          }
        }
      }
    } else {
      DoubleBuffer xd = HostArrays.doubles(in);
      DoubleBuffer od = HostArrays.doubles(buf.out);
      if (groupSize == 2) {
        for (int i = 0; i < n; i += 2) {
          double a = xd.get(i);
          double b = xd.get(i + 1);
          boolean keep = a >= b;
          od.put(i, keep ? a : b);
          od.put(i + 1, keep ? b : a);
          src[i] = keep ? i : i + 1;
          src[i + 1] = keep ? i + 1 : i;
        }
      } else {
        for (int i = 0; i < n; i += groupSize) {
          for (int r = 0; r < groupSize; r++) {
            groupValues[r] = xd.get(i + r);
          }
          sortGroup(src, i);
          for (int r = 0; r < groupSize; r++) {
            od.put(i + r, xd.get(src[i + r]));
          }
        }
      }
    }
    lastInput = x;
    lastOutput = buf.out;
    lastSource = src;
    return buf.out;
  }

  /** Stable insertion sort of groupValues, descending; writes the sources of the group at flat index start. */
  private void sortGroup(int[] src, int start) {
    for (int r = 0; r < groupSize; r++) {
      int j = r;
      while (j > 0 && groupValues[groupOrder[j - 1]] < groupValues[r]) {
        groupOrder[j] = groupOrder[j - 1];
        j--;
      }
      groupOrder[j] = r;
    }
    for (int r = 0; r < groupSize; r++) {
      src[start + r] = start + groupOrder[r];
    }
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    Layers.checkGradOut(this, gradOut, lastInput);
    Buffers buf = buffers.get((int) gradOut.rows());
    INDArray g = buf.gradCopy.of(gradOut, dataType);
    int n = (int) g.length();
    int[] src = buf.source;
    if (dataType == DataType.FLOAT) {
      FloatBuffer gf = HostArrays.floats(g);
      FloatBuffer df = HostArrays.floats(buf.dx);
      for (int i = 0; i < n; i++) {
        df.put(src[i], gf.get(i));
      }
    } else {
      DoubleBuffer gd = HostArrays.doubles(g);
      DoubleBuffer dd = HostArrays.doubles(buf.dx);
      for (int i = 0; i < n; i++) {
        dd.put(src[i], gd.get(i));
      }
    }
    return buf.dx;
  }

  /**
   * For the last forward, {@code out.flat[i] = in.flat[sourceIndex()[i]]} (row-major flat indices
   * into the {@code [B, size]} arrays). Owned by the layer; valid until the next forward with the
   * same batch size.
   */
  public int[] sourceIndex() {
    if (lastSource == null) {
      throw new IllegalStateException(name + ": sourceIndex before any forward");
    }
    return lastSource;
  }

  @Override
  public INDArray jacobian(int row) {
    int[] src = sourceIndex();
    if (row < 0 || row >= lastOutput.rows()) {
      throw new IndexOutOfBoundsException("sample " + row + " outside the last batch of " + lastOutput.rows());
    }
    INDArray p = Nd4j.zeros(dataType, size, size);
    int base = row * size;
    for (int j = 0; j < size; j++) {
      p.putScalar(j, src[base + j] - base, 1.0);
    }
    return p;
  }

  @Override
  public INDArray lastInput() {
    return lastInput;
  }

  @Override
  public INDArray lastOutput() {
    return lastOutput;
  }

  @Override
  public String toString() {
    return (groupSize == 2 ? "MaxMin" : "GroupSort" + groupSize) + "(" + name + ": " + size + ")";
  }
}
