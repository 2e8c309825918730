package dev.isoplast.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parsing and range checks shared by every config record (the agents', the optimizer's, the
 * interventions'):
 * values may be typed (YAML numbers, booleans, lists) or strings as typed after {@code --set}
 * ({@code "0.9"}, {@code "true"}, {@code "64,64"}, {@code "null"}). Every error names the key.
 */
public final class ConfigValues {

  private ConfigValues() {}

  /** The concatenation of key lists (a config's own keys and the shared ones), unmodifiable. */
  @SafeVarargs
  public static List<String> keys(List<String>... parts) {
    List<String> out = new ArrayList<>();
    for (List<String> part : parts) {
      out.addAll(part);
    }
    return List.copyOf(out);
  }

  /**
   * Throws if {@code values} has a key not in {@code keys}; the message lists the unknown and the
   * valid keys ({@code algo} names the config, e.g. "PPO").
   */
  public static void checkKeys(String algo, List<String> keys, Map<String, Object> values) {
    List<String> unknown = new ArrayList<>();
    for (String k : values.keySet()) {
      if (!keys.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown " + algo + " config key" + (unknown.size() > 1 ? "s " : " ")
          + unknown + "; valid keys: " + keys);
    }
  }

  public static String asString(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException(key + " must be given");
    }
    return v.toString().trim().toLowerCase(Locale.ROOT);
  }

  public static double asDouble(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    try {
      return Double.parseDouble(String.valueOf(v).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, got '" + v + "'");
    }
  }

  public static Double asNullableDouble(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return null;
    }
    String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
    if (s.equals("null") || s.equals("none") || s.isEmpty() || s.equals("~")) {
      return null;
    }
    return asDouble(m, key);
  }

  public static int asInt(Map<String, Object> m, String key) {
    Object v = m.get(key);
    long l;
    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
      l = ((Number) v).longValue();
    } else {
      double d = asDouble(m, key);
      if (d != Math.rint(d)) {
        throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
      }
      l = (long) d;
    }
    if (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE) {
      throw new IllegalArgumentException(key + " is out of range: " + v);
    }
    return (int) l;
  }

  public static long asLong(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
      return ((Number) v).longValue();
    }
    double d = asDouble(m, key);
    if (d != Math.rint(d) || Math.abs(d) > 0x1p53) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
    return (long) d;
  }

  public static boolean asBool(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
    };
  }

  public static List<Integer> asIntList(Map<String, Object> m, String key) {
    Object v = m.get(key);
    List<Integer> out = new ArrayList<>();
    if (v instanceof List<?> list) {
      for (Object o : list) {
        out.add(asInt(Map.of(key, o), key));
      }
      return out;
    }
    String s = String.valueOf(v).trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    for (String part : s.split("[,\\s]+")) {
      if (!part.isEmpty()) {
        out.add(asInt(Map.of(key, part), key));
      }
    }
    return out;
  }

  public static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
  }

  public static void atLeast(String name, long v, long min) {
    if (v < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", got " + v);
    }
  }

  public static void nonNegative(String name, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
    }
  }

  public static void unit(String name, double v) {
    if (!(v >= 0 && v <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], got " + v);
    }
  }
}
