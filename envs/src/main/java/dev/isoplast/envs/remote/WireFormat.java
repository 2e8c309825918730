package dev.isoplast.envs.remote;

import com.google.protobuf.UnsafeByteOperations;
import dev.isoplast.env.v1.Tensor;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.MultiBinary;
import dev.isoplast.envs.spaces.MultiDiscrete;
import dev.isoplast.envs.spaces.Space;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between the wire protocol ({@code isoplast.env.v1}) and Java values: tensors are
 * raw little-endian row-major bytes, converted with bulk buffer copies.
 */
public final class WireFormat {

  private WireFormat() {}

  public static DType dtype(dev.isoplast.env.v1.DType d) {
    return switch (d) {
      case DTYPE_FLOAT32 -> DType.FLOAT32;
      case DTYPE_FLOAT64 -> DType.FLOAT64;
      case DTYPE_INT32 -> DType.INT32;
      case DTYPE_INT64 -> DType.INT64;
      case DTYPE_INT8 -> DType.INT8;
      case DTYPE_UINT8 -> DType.UINT8;
      case DTYPE_BOOL -> DType.BOOL;
      default -> throw new IllegalArgumentException("tensor dtype not set or unknown: " + d);
    };
  }

  public static dev.isoplast.env.v1.DType dtype(DType d) {
    return switch (d) {
      case FLOAT32 -> dev.isoplast.env.v1.DType.DTYPE_FLOAT32;
      case FLOAT64 -> dev.isoplast.env.v1.DType.DTYPE_FLOAT64;
      case INT32 -> dev.isoplast.env.v1.DType.DTYPE_INT32;
      case INT64 -> dev.isoplast.env.v1.DType.DTYPE_INT64;
      case INT8 -> dev.isoplast.env.v1.DType.DTYPE_INT8;
      case UINT8 -> dev.isoplast.env.v1.DType.DTYPE_UINT8;
      case BOOL -> dev.isoplast.env.v1.DType.DTYPE_BOOL;
    };
  }

  // ---- spaces ----

  public static Space space(dev.isoplast.env.v1.Space s) {
    return switch (s.getKindCase()) {
      case BOX -> {
        dev.isoplast.env.v1.Box b = s.getBox();
        yield new Box(toDoubles(b.getLow()), toDoubles(b.getHigh()), ints(b.getShapeList()), dtype(b.getDtype()));
      }
      case DISCRETE -> new Discrete(s.getDiscrete().getN(), s.getDiscrete().getStart());
      case MULTI_DISCRETE -> new MultiDiscrete(
          s.getMultiDiscrete().getNvecList().stream().mapToLong(Long::longValue).toArray(),
          ints(s.getMultiDiscrete().getShapeList()));
      case MULTI_BINARY -> new MultiBinary(ints(s.getMultiBinary().getShapeList()));
      case KIND_NOT_SET -> throw new IllegalArgumentException("space kind not set");
    };
  }

  public static dev.isoplast.env.v1.Space space(Space s) {
    var b = dev.isoplast.env.v1.Space.newBuilder();
    if (s instanceof Box box) {
      var pb = dev.isoplast.env.v1.Box.newBuilder().setDtype(dtype(box.dtype()));
      for (int d : box.shape()) {
        pb.addShape(d);
      }
      pb.setLow(fromDoubles(box.low(), DType.FLOAT64, box.shape()));
      pb.setHigh(fromDoubles(box.high(), DType.FLOAT64, box.shape()));
      b.setBox(pb);
    } else if (s instanceof Discrete d) {
      b.setDiscrete(dev.isoplast.env.v1.Discrete.newBuilder().setN(d.n()).setStart(d.start()));
    } else if (s instanceof MultiDiscrete m) {
      var pm = dev.isoplast.env.v1.MultiDiscrete.newBuilder();
      for (long n : m.nvec()) {
        pm.addNvec(n);
      }
      for (int d : m.shape()) {
        pm.addShape(d);
      }
      b.setMultiDiscrete(pm);
    } else if (s instanceof MultiBinary m) {
      var pm = dev.isoplast.env.v1.MultiBinary.newBuilder();
      for (int d : m.shape()) {
        pm.addShape(d);
      }
      b.setMultiBinary(pm);
    }
    return b.build();
  }

  // ---- tensors ----

  private static ByteBuffer le(Tensor t) {
    return t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Number of elements the tensor's shape declares. */
  public static int elementCount(Tensor t) {
    long n = 1;
    for (long d : t.getShapeList()) {
      n *= d;
    }
    return Math.toIntExact(n);
  }

  private static void checkSize(Tensor t, DType d) {
    long expected = (long) elementCount(t) * d.bytes();
    if (t.getData().size() != expected) {
      throw new IllegalArgumentException("tensor of shape " + t.getShapeList() + " and dtype " + d
          + " must carry " + expected + " bytes, got " + t.getData().size());
    }
  }

  /** The tensor's values as floats (float32 copied in bulk; other dtypes converted). */
  public static float[] toFloats(Tensor t) {
    DType d = dtype(t.getDtype());
    checkSize(t, d);
    int n = elementCount(t);
    float[] out = new float[n];
    ByteBuffer buf = le(t);
    switch (d) {
      case FLOAT32 -> buf.asFloatBuffer().get(out);
      default -> {
        double[] v = toDoubles(t);
        for (int i = 0; i < n; i++) {
          out[i] = (float) v[i];
        }
      }
    }
    return out;
  }

  /** The tensor's values as doubles, whatever its dtype. */
  public static double[] toDoubles(Tensor t) {
    DType d = dtype(t.getDtype());
    checkSize(t, d);
    int n = elementCount(t);
    double[] out = new double[n];
    ByteBuffer buf = le(t);
    switch (d) {
      case FLOAT64 -> buf.asDoubleBuffer().get(out);
      case FLOAT32 -> {
        float[] f = new float[n];
        buf.asFloatBuffer().get(f);
        for (int i = 0; i < n; i++) {
          out[i] = f[i];
        }
      }
      case INT64 -> {
        long[] l = new long[n];
        buf.asLongBuffer().get(l);
        for (int i = 0; i < n; i++) {
          out[i] = l[i];
        }
      }
      case INT32 -> {
        int[] l = new int[n];
        buf.asIntBuffer().get(l);
        for (int i = 0; i < n; i++) {
          out[i] = l[i];
        }
      }
      case INT8, BOOL, UINT8 -> {
        byte[] b = new byte[n];
        buf.get(b);
        for (int i = 0; i < n; i++) {
          out[i] = d == DType.INT8 ? b[i] : (b[i] & 0xff);
        }
      }
    }
    return out;
  }

  /** A BOOL (or any integer) tensor as booleans: non-zero is true. */
  public static boolean[] toBooleans(Tensor t) {
    DType d = dtype(t.getDtype());
    checkSize(t, d);
    int n = elementCount(t);
    boolean[] out = new boolean[n];
    if (d.bytes() == 1) {
      byte[] b = new byte[n];
      le(t).get(b);
      for (int i = 0; i < n; i++) {
        out[i] = b[i] != 0;
      }
    } else {
      double[] v = toDoubles(t);
      for (int i = 0; i < n; i++) {
        out[i] = v[i] != 0;
      }
    }
    return out;
  }

  /** A tensor of the given dtype and shape holding {@code values} (converted, bulk-written). */
  public static Tensor fromDoubles(double[] values, DType d, int... shape) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * d.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    switch (d) {
      case FLOAT64 -> buf.asDoubleBuffer().put(values);
      case FLOAT32 -> {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
          f[i] = (float) values[i];
        }
        buf.asFloatBuffer().put(f);
      }
      case INT64 -> {
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) {
          l[i] = (long) values[i];
        }
        buf.asLongBuffer().put(l);
      }
      case INT32 -> {
        int[] l = new int[values.length];
        for (int i = 0; i < l.length; i++) {
          l[i] = (int) values[i];
        }
        buf.asIntBuffer().put(l);
      }
      case INT8, UINT8, BOOL -> {
        for (double v : values) {
          buf.put((byte) (long) v);
        }
      }
    }
    return tensor(d, shape, buf.array());
  }

  /** A FLOAT32 tensor, copied in bulk. */
  public static Tensor fromFloats(float[] values, int... shape) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return tensor(DType.FLOAT32, shape, buf.array());
  }

  /** An INT64 tensor, copied in bulk. */
  public static Tensor fromLongs(long[] values, int... shape) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    return tensor(DType.INT64, shape, buf.array());
  }

  private static Tensor tensor(DType d, int[] shape, byte[] data) {
    var b = Tensor.newBuilder().setDtype(dtype(d)).setData(UnsafeByteOperations.unsafeWrap(data));
    for (int s : shape) {
      b.addShape(s);
    }
    return b.build();
  }

  private static int[] ints(java.util.List<Long> l) {
    int[] out = new int[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.toIntExact(l.get(i));
    }
    return out;
  }
}
