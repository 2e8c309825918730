package dev.isoplast.config;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A piece of state as an ordered tree of named values: numbers, flags, strings, arrays
 * ({@code double[]}, {@code float[]}, {@code long[]}, {@code int[]}, {@code byte[]}: opaque blobs such as an env server's state) and nested snapshots. Every
 * stateful part of a run (optimizer, interventions, regularizers, learner, monitors, trainer)
 * gives its state as one and takes it back, so that a checkpoint is one tree written to one file
 * and a restored run continues exactly. Arrays are copied in and out.
 *
 * <p>{@link #toBytes}/{@link #fromBytes} are its binary form: big-endian, type-tagged, arrays in
 * bulk. Equality compares contents (arrays element by element, bit for bit).
 */
public final class Snapshot {

  private static final byte LONG = 1;
  private static final byte DOUBLE = 2;
  private static final byte BOOL = 3;
  private static final byte STRING = 4;
  private static final byte DOUBLES = 5;
  private static final byte FLOATS = 6;
  private static final byte LONGS = 7;
  private static final byte INTS = 8;
  private static final byte TREE = 9;
  private static final byte BYTES = 10;

  private final Map<String, Object> values = new LinkedHashMap<>();

  public Snapshot put(String key, long v) {
    values.put(key, v);
    return this;
  }

  public Snapshot put(String key, double v) {
    values.put(key, v);
    return this;
  }

  public Snapshot put(String key, boolean v) {
    values.put(key, v);
    return this;
  }

  public Snapshot put(String key, String v) {
    values.put(key, Objects.requireNonNull(v, key));
    return this;
  }

  public Snapshot put(String key, double[] v) {
    values.put(key, v.clone());
    return this;
  }

  public Snapshot put(String key, float[] v) {
    values.put(key, v.clone());
    return this;
  }

  public Snapshot put(String key, long[] v) {
    values.put(key, v.clone());
    return this;
  }

  public Snapshot put(String key, int[] v) {
    values.put(key, v.clone());
    return this;
  }

  public Snapshot put(String key, byte[] v) {
    values.put(key, v.clone());
    return this;
  }

  public Snapshot put(String key, Snapshot v) {
    values.put(key, Objects.requireNonNull(v, key));
    return this;
  }

  public Set<String> keys() {
    return Collections.unmodifiableSet(values.keySet());
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  private <T> T get(String key, Class<T> type) {
    Object v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("the saved state lacks " + key);
    }
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException("the saved state's " + key + " is a " + v.getClass().getSimpleName()
          + ", not a " + type.getSimpleName());
    }
    return type.cast(v);
  }

  public long getLong(String key) {
    return get(key, Long.class);
  }

  public int getInt(String key) {
    return Math.toIntExact(getLong(key));
  }

  public double getDouble(String key) {
    return get(key, Double.class);
  }

  public boolean getBoolean(String key) {
    return get(key, Boolean.class);
  }

  public String getString(String key) {
    return get(key, String.class);
  }

  public double[] getDoubles(String key) {
    return get(key, double[].class).clone();
  }

  public float[] getFloats(String key) {
    return get(key, float[].class).clone();
  }

  public long[] getLongs(String key) {
    return get(key, long[].class).clone();
  }

  public int[] getInts(String key) {
    return get(key, int[].class).clone();
  }

  public byte[] getBytes(String key) {
    return get(key, byte[].class).clone();
  }

  public Snapshot getTree(String key) {
    return get(key, Snapshot.class);
  }

  /** {@code double[]} of exactly {@code length} entries. */
  public double[] getDoubles(String key, int length) {
    double[] v = getDoubles(key);
    if (v.length != length) {
      throw new IllegalArgumentException("the saved state's " + key + " has " + v.length + " values, expected "
          + length);
    }
    return v;
  }

  /** The binary form. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads {@link #toBytes}; a damaged or truncated form is an IllegalArgumentException. */
  public static Snapshot fromBytes(byte[] b) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      Snapshot s = read(in);
      if (in.available() > 0) {
        throw new IllegalArgumentException("state has " + in.available() + " trailing bytes");
      }
      return s;
    } catch (IOException e) {
      throw new IllegalArgumentException("damaged state: " + e.getMessage(), e);
    }
  }

  private void write(DataOutputStream out) throws IOException {
    out.writeInt(values.size());
    for (Map.Entry<String, Object> e : values.entrySet()) {
      out.writeUTF(e.getKey());
      Object v = e.getValue();
      if (v instanceof Long l) {
        out.writeByte(LONG);
        out.writeLong(l);
      } else if (v instanceof Double d) {
        out.writeByte(DOUBLE);
        out.writeDouble(d);
      } else if (v instanceof Boolean b) {
        out.writeByte(BOOL);
        out.writeBoolean(b);
      } else if (v instanceof String s) {
        out.writeByte(STRING);
        byte[] u = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(u.length);
        out.write(u);
      } else if (v instanceof double[] a) {
        out.writeByte(DOUBLES);
        out.writeInt(a.length);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8 * a.length);
        buf.asDoubleBuffer().put(a);
        out.write(buf.array());
      } else if (v instanceof float[] a) {
        out.writeByte(FLOATS);
        out.writeInt(a.length);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4 * a.length);
        buf.asFloatBuffer().put(a);
        out.write(buf.array());
      } else if (v instanceof long[] a) {
        out.writeByte(LONGS);
        out.writeInt(a.length);
        for (long x : a) {
          out.writeLong(x);
        }
      } else if (v instanceof int[] a) {
        out.writeByte(INTS);
        out.writeInt(a.length);
        for (int x : a) {
          out.writeInt(x);
        }
      } else if (v instanceof byte[] a) {
        out.writeByte(BYTES);
        out.writeInt(a.length);
        out.write(a);
      } else {
        out.writeByte(TREE);
        ((Snapshot) v).write(out);
      }
    }
  }

  private static Snapshot read(DataInputStream in) throws IOException {
    Snapshot s = new Snapshot();
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative entry count");
    }
    for (int i = 0; i < n; i++) {
      String key = in.readUTF();
      byte type = in.readByte();
      switch (type) {
        case LONG -> s.values.put(key, in.readLong());
        case DOUBLE -> s.values.put(key, in.readDouble());
        case BOOL -> s.values.put(key, in.readBoolean());
        case STRING -> s.values.put(key, new String(bytes(in, 1), java.nio.charset.StandardCharsets.UTF_8));
        case DOUBLES -> {
          byte[] b = bytes(in, 8);
          double[] a = new double[b.length / 8];
          java.nio.ByteBuffer.wrap(b).asDoubleBuffer().get(a);
          s.values.put(key, a);
        }
        case FLOATS -> {
          byte[] b = bytes(in, 4);
          float[] a = new float[b.length / 4];
          java.nio.ByteBuffer.wrap(b).asFloatBuffer().get(a);
          s.values.put(key, a);
        }
        case LONGS -> {
          long[] a = new long[length(in, 8)];
          for (int k = 0; k < a.length; k++) {
            a[k] = in.readLong();
          }
          s.values.put(key, a);
        }
        case INTS -> {
          int[] a = new int[length(in, 4)];
          for (int k = 0; k < a.length; k++) {
            a[k] = in.readInt();
          }
          s.values.put(key, a);
        }
        case BYTES -> s.values.put(key, bytes(in, 1));
        case TREE -> s.values.put(key, read(in));
        default -> throw new IOException("unknown entry type " + type + " at " + key);
      }
    }
    return s;
  }

  private static int length(DataInputStream in, int width) throws IOException {
    int len = in.readInt();
    if (len < 0 || (long) len * width > in.available()) {
      throw new IOException("an array of " + len + " entries does not fit in the " + in.available() + " bytes left");
    }
    return len;
  }

  private static byte[] bytes(DataInputStream in, int width) throws IOException {
    byte[] b = new byte[length(in, width) * width];
    in.readFully(b);
    return b;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Snapshot s) || !s.values.keySet().equals(values.keySet())) {
      return false;
    }
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (!Objects.deepEquals(e.getValue(), s.values.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(values.values().toArray()) * 31 + values.keySet().hashCode();
  }

  @Override
  public String toString() {
    return "Snapshot" + values.keySet();
  }
}
