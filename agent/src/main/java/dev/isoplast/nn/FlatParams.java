package dev.isoplast.nn;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One contiguous buffer for a network's parameters and one for their gradients (DESIGN.md §16, as
 * DL4J's flattened parameters): every {@link Param}'s value and gradient is a row-major view into
 * them, in the network's parameter order. Work that is the same for every element — the
 * optimizer's update, zeroing gradients, the global gradient norm — runs as one operation over the
 * whole buffer instead of one per parameter (each ND4J call costs ≈ 13 µs whatever its size);
 * per-layer work (AdamO's isometry term, the interventions, the monitors) uses the views.
 *
 * <p>A network gathers its parameters once, when it is built ({@link Sequential}); a network built
 * from networks gathers them again into its own buffer, which the inner ones' views then follow.
 * The values do not change: they are copied into the buffer.
 */
public final class FlatParams {

  private final INDArray value;
  private final INDArray grad;

  private FlatParams(DataType dataType, long length) {
    this.value = Nd4j.zeros(dataType, length);
    this.grad = Nd4j.zeros(dataType, length);
  }

  /**
   * Moves {@code params} into one pair of flat buffers (in order) and returns them; null when there
   * is nothing to gather or the parameters do not share one FLOAT or DOUBLE type.
   */
  public static FlatParams gather(List<Param> params) {
    if (params.isEmpty()) {
      return null;
    }
    DataType type = params.get(0).value().dataType();
    long length = 0;
    for (Param p : params) {
      if (p.value().dataType() != type) {
        return null;
      }
      length += p.length();
    }
    if (type != DataType.FLOAT && type != DataType.DOUBLE) {
      return null;
    }
    FlatParams flat = new FlatParams(type, length);
    long offset = 0;
    for (Param p : params) {
      long n = p.length();
      long[] shape = p.value().shape();
      INDArray v = flat.value.get(NDArrayIndex.interval(offset, offset + n)).reshape('c', shape);
      INDArray g = flat.grad.get(NDArrayIndex.interval(offset, offset + n)).reshape('c', shape);
      p.moveTo(flat, offset, v, g);
      offset += n;
    }
    return flat;
  }

  /**
   * Consecutive parameters that lie one after the other in one flat buffer, with their values and
   * gradients as 1-D views over all of them; or a single stand-alone parameter ({@code value} and
   * {@code grad} null).
   */
  public record Run(List<Param> params, INDArray value, INDArray grad) {
    /** Whether the run lies in a flat buffer. */
    public boolean flat() {
      return value != null;
    }

    /** The number of elements. */
    public long length() {
      return flat() ? value.length() : params.get(0).length();
    }
  }

  /** {@code params} split into {@link Run}s, in order: what one operation can act on at once. */
  public static List<Run> runs(List<Param> params) {
    List<Run> out = new java.util.ArrayList<>();
    for (int i = 0; i < params.size(); ) {
      Param first = params.get(i);
      int j = i + 1;
      while (j < params.size() && first.flat() != null && params.get(j).flat() == first.flat()
          && params.get(j - 1).flatOffset() + params.get(j - 1).length() == params.get(j).flatOffset()) {
        j++;
      }
      List<Param> run = List.copyOf(params.subList(i, j));
      if (first.flat() == null) {
        out.add(new Run(run, null, null));
      } else {
        Param last = run.get(run.size() - 1);
        long from = first.flatOffset();
        long to = last.flatOffset() + last.length();
        out.add(new Run(run, range(first.flat().value(), from, to), range(first.flat().grad(), from, to)));
      }
      i = j;
    }
    return out;
  }

  /** The gradients of {@code params} as few arrays as possible: a flat run's as one view (zeroing, clipping). */
  public static List<INDArray> gradArrays(List<Param> params) {
    List<INDArray> out = new java.util.ArrayList<>();
    for (Run run : runs(params)) {
      if (run.flat()) {
        out.add(run.grad());
      } else {
        out.add(run.params().get(0).grad());
      }
    }
    return out;
  }

  /** Every parameter's values, one after the other (1-D). */
  public INDArray value() {
    return value;
  }

  /** Every parameter's gradient, one after the other (1-D). */
  public INDArray grad() {
    return grad;
  }

  /** The number of elements. */
  public long length() {
    return value.length();
  }

  /**
   * The 1-D view of {@code whole} (a buffer of this length) holding elements {@code [from, to)}:
   * the part of the buffers that a run of consecutive parameters occupies.
   */
  public static INDArray range(INDArray whole, long from, long to) {
    return from == 0 && to == whole.length() ? whole : whole.get(NDArrayIndex.interval(from, to));
  }
}
