package dev.isoplast.plasticity;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An intervention's complete state: its kind and named arrays (counters as one-element arrays),
 * copied in and out, so that restoring it into a fresh intervention over the same networks
 * continues exactly where the original was.
 */
public record InterventionState(String kind, Map<String, double[]> arrays) {

  public InterventionState {
    Map<String, double[]> copy = new LinkedHashMap<>();
    arrays.forEach((k, v) -> copy.put(k, v.clone()));
    arrays = java.util.Collections.unmodifiableMap(copy);
  }

  /** The array {@code key} (a copy), checked to exist with {@code length} entries. */
  public double[] array(String key, int length) {
    double[] a = arrays.get(key);
    if (a == null || a.length != length) {
      throw new IllegalArgumentException(kind + " state lacks " + key + " of length " + length + " (has "
          + (a == null ? "none" : String.valueOf(a.length)) + ")");
    }
    return a.clone();
  }

  /** The one-element array {@code key} as a long. */
  public long counter(String key) {
    return (long) array(key, 1)[0];
  }

  /** Checks that this state is of {@code expected} kind. */
  public void checkKind(String expected) {
    if (!kind.equals(expected)) {
      throw new IllegalArgumentException("cannot restore " + kind + " state into a " + expected + " intervention");
    }
  }

  /** Builds a state from alternating keys and values ({@code double[]}, or a Number for a counter). */
  public static InterventionState of(String kind, Object... keyValues) {
    Map<String, double[]> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      Object v = keyValues[i + 1];
      m.put((String) keyValues[i], v instanceof double[] a ? a : new double[] {((Number) v).doubleValue()});
    }
    return new InterventionState(kind, m);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof InterventionState s) || !s.kind.equals(kind) || !s.arrays.keySet().equals(arrays.keySet())) {
      return false;
    }
    for (String k : arrays.keySet()) {
      if (!Arrays.equals(arrays.get(k), s.arrays.get(k))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = kind.hashCode();
    for (Map.Entry<String, double[]> e : arrays.entrySet()) {
      h = 31 * h + e.getKey().hashCode() + Arrays.hashCode(e.getValue());
    }
    return h;
  }

  @Override
  public String toString() {
    return kind + List.copyOf(arrays.keySet());
  }
}
