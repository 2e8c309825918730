package dev.isoplast.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one map form of a config record: each component is a key, its name in snake_case
 * ({@code isoCoef} → {@code iso_coef}), in declaration order. So a record is its own list of keys,
 * its checks live in its compact constructor, and its defaults in the one instance that holds them;
 * nothing lists a key a second time.
 *
 * <p>Values are read with {@link ConfigValues}' rules (typed YAML values or strings as typed after
 * {@code --set}: {@code "0.9"}, {@code "true"}, {@code "64,64"}, {@code "null"}). Component types:
 * {@code int}, {@code long}, {@code double}, {@code boolean}, {@code String} (trimmed, lower case),
 * {@code Double} and {@code Integer} (null allowed), {@code List<Integer>} and enums (written as
 * their lower-case name). A component of a type with a {@link Section} (a learner's body, its method
 * keys) puts that section's keys flat into the same map, in its place.
 */
public final class RecordCodec {

  private RecordCodec() {}

  /**
   * How a component whose type has keys of its own sits flat in its parent's map.
   *
   * @param <T> the component's type
   */
  public interface Section<T> {

    /** Its keys, in order. */
    List<String> keys();

    /** Writes {@code value}'s keys into {@code m}. */
    void putInto(T value, Map<String, Object> m);

    /**
     * The value from the complete map {@code m}; {@code given} holds the keys the user set (some
     * sections default differently when a key is left out), {@code base} the value they went on.
     */
    T read(Map<String, Object> m, Map<String, Object> given, T base);
  }

  /** The sections of a record type: component type → its section. */
  public static Map<Class<?>, Section<?>> sections(Object... typesAndSections) {
    Map<Class<?>, Section<?>> m = new LinkedHashMap<>();
    for (int i = 0; i < typesAndSections.length; i += 2) {
      m.put((Class<?>) typesAndSections[i], (Section<?>) typesAndSections[i + 1]);
    }
    return m;
  }

  /** The keys of {@code type} with its sections' keys in their places. */
  public static List<String> keys(Class<? extends Record> type, Map<Class<?>, Section<?>> sections) {
    List<String> out = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      Section<?> s = sections.get(c.getType());
      if (s != null) {
        out.addAll(s.keys());
      } else {
        out.add(snake(c.getName()));
      }
    }
    return List.copyOf(out);
  }

  /** {@code r} as an ordered map, its sections' keys in their places. */
  public static Map<String, Object> toMap(Record r, Map<Class<?>, Section<?>> sections) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Object v = value(r, c);
      @SuppressWarnings("unchecked")
      Section<Object> s = (Section<Object>) sections.get(c.getType());
      if (s != null) {
        s.putInto(v, m);
      } else {
        m.put(snake(c.getName()), v instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : v);
      }
    }
    return m;
  }

  /**
   * {@code base} with {@code given} put over it (keys of {@code base}'s type and its sections; the
   * caller has checked that there are no others).
   */
  public static <R extends Record> R with(R base, Map<String, Object> given, Map<Class<?>, Section<?>> sections) {
    Map<String, Object> m = toMap(base, sections);
    m.putAll(given);
    @SuppressWarnings("unchecked")
    Class<R> type = (Class<R>) base.getClass();
    RecordComponent[] cs = type.getRecordComponents();
    Object[] args = new Object[cs.length];
    for (int i = 0; i < cs.length; i++) {
      @SuppressWarnings("unchecked")
      Section<Object> s = (Section<Object>) sections.get(cs[i].getType());
      args[i] = s != null ? s.read(m, given, value(base, cs[i])) : readKey(cs[i], m);
    }
    return construct(type, cs, args);
  }

  private static Object value(Record r, RecordComponent c) {
    try {
      return c.getAccessor().invoke(r);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
    }
  }

  /** The keys of {@code type}, in declaration order. */
  public static List<String> keys(Class<? extends Record> type) {
    List<String> out = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      out.add(snake(c.getName()));
    }
    return List.copyOf(out);
  }

  /** {@code camelCase} → {@code camel_case} ({@code l2InitCoef} → {@code l2_init_coef}). */
  public static String snake(String name) {
    StringBuilder b = new StringBuilder(name.length() + 4);
    for (char ch : name.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        b.append('_').append(Character.toLowerCase(ch));
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }

  /** Writes {@code r}'s keys and values into {@code m} (enums by lower-case name). */
  public static void putInto(Record r, Map<String, Object> m) {
    m.putAll(toMap(r, Map.of()));
  }

  /** {@code r} as an ordered map. */
  public static Map<String, Object> toMap(Record r) {
    return toMap(r, Map.of());
  }

  /**
   * A {@code type} from the map {@code m}, which holds every key of {@code type} (and may hold
   * others). The record's constructor checks the values; its {@link IllegalArgumentException}
   * comes through as it is.
   *
   * @throws IllegalArgumentException for a value of the wrong type or range (naming the key)
   */
  public static <R extends Record> R fromMap(Class<R> type, Map<String, Object> m) {
    RecordComponent[] cs = type.getRecordComponents();
    Object[] args = new Object[cs.length];
    for (int i = 0; i < cs.length; i++) {
      args[i] = readKey(cs[i], m);
    }
    return construct(type, cs, args);
  }

  private static Object readKey(RecordComponent c, Map<String, Object> m) {
    String key = snake(c.getName());
    if (!m.containsKey(key)) {
      throw new IllegalArgumentException(key + " must be given");
    }
    return read(c, key, m);
  }

  private static <R extends Record> R construct(Class<R> type, RecordComponent[] cs, Object[] args) {
    Class<?>[] types = new Class<?>[cs.length];
    for (int i = 0; i < cs.length; i++) {
      types[i] = cs[i].getType();
    }
    try {
      Constructor<R> ctor = type.getDeclaredConstructor(types);
      ctor.setAccessible(true);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot make a " + type.getSimpleName(), e);
    }
  }

  /** {@code base} with the keys of {@code values} that are {@code type}'s put over it (others are ignored). */
  public static <R extends Record> R with(R base, Map<String, Object> values) {
    return with(base, values, Map.of());
  }

  private static Object read(RecordComponent c, String key, Map<String, Object> m) {
    Class<?> t = c.getType();
    if (t == int.class) {
      return ConfigValues.asInt(m, key);
    } else if (t == Integer.class) {
      return ConfigValues.asNullableDouble(m, key) == null ? null : ConfigValues.asInt(m, key);
    } else if (t == long.class) {
      return ConfigValues.asLong(m, key);
    } else if (t == double.class) {
      return ConfigValues.asDouble(m, key);
    } else if (t == Double.class) {
      return ConfigValues.asNullableDouble(m, key);
    } else if (t == boolean.class) {
      return ConfigValues.asBool(m, key);
    } else if (t == String.class) {
      return ConfigValues.asString(m, key);
    } else if (t.isEnum()) {
      return enumValue(t, key, ConfigValues.asString(m, key));
    } else if (t == List.class && c.getGenericType() instanceof ParameterizedType p
        && p.getActualTypeArguments()[0] == Integer.class) {
      return List.copyOf(ConfigValues.asIntList(m, key));
    }
    throw new IllegalStateException("config records cannot hold a " + c.getGenericType() + " (" + key + ")");
  }

  private static Object enumValue(Class<?> t, String key, String name) {
    List<String> names = new ArrayList<>();
    for (Object o : t.getEnumConstants()) {
      String n = ((Enum<?>) o).name().toLowerCase(Locale.ROOT);
      if (n.equals(name)) {
        return o;
      }
      names.add(n);
    }
    throw new IllegalArgumentException(key + " must be one of " + names + ", got '" + name + "'");
  }
}
