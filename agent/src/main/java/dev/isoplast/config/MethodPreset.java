package dev.isoplast.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A name for a whole plasticity recipe (DESIGN.md §13): the learner config keys it sets (body,
 * optimizer, regularizer, intervention and their hyper-parameters), the same for every learner
 * except where a learner kind needs its own value (ReDo's period counts PPO iterations but DQN
 * gradient steps), with the source of each value. A user's {@code --set} goes on top and wins.
 *
 * @param name the preset's name ({@code --method NAME})
 * @param summary one line for {@code isoplast methods}
 * @param rule the update rule, as docs/methods.md gives it
 * @param source where the method and its values come from (values chosen here say so)
 * @param settings the config keys every learner kind gets
 * @param perKind extra keys per learner kind ({@link #KINDS}), overriding {@code settings}
 * @param knob the main knob and its grid for {@code sweep --tune} (DESIGN.md §14)
 */
public record MethodPreset(String name, String summary, String rule, String source, Map<String, Object> settings,
    Map<String, Map<String, Object>> perKind, Knob knob) {

  /** The learner kinds a preset can resolve for. */
  public static final List<String> KINDS = LearnerKind.names();

  public MethodPreset {
    settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    Map<String, Map<String, Object>> copy = new LinkedHashMap<>();
    perKind.forEach((k, v) -> {
      if (!KINDS.contains(k)) {
        throw new IllegalArgumentException("preset " + name + ": unknown learner kind " + k);
      }
      copy.put(k, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(v)));
    });
    perKind = java.util.Collections.unmodifiableMap(copy);
    if (knob == null) {
      throw new IllegalArgumentException("preset " + name + " declares no knob to tune");
    }
  }

  /** An ordered map from alternating keys and values (so that listings keep the order written). */
  public static <V> Map<String, V> kv(Object... keysAndValues) {
    Map<String, V> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      @SuppressWarnings("unchecked")
      V v = (V) keysAndValues[i + 1];
      m.put((String) keysAndValues[i], v);
    }
    return m;
  }

  /** The config keys this preset sets for a learner of {@code kind}. */
  public Map<String, Object> overrides(LearnerKind kind) {
    return overrides(kind.configName());
  }

  /** The config keys this preset sets for a learner of {@code kind} ({@code ppo}, {@code dqn}, {@code supervised}). */
  public Map<String, Object> overrides(String kind) {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("method presets know the learner kinds " + KINDS + ", not '" + kind + "'");
    }
    Map<String, Object> m = new LinkedHashMap<>(settings);
    m.putAll(perKind.getOrDefault(kind, Map.of()));
    return m;
  }
}
