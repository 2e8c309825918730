package dev.isoplast.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A method's main knob for the tuning protocol (DESIGN.md §14, "fair budgets"): one config key, the
 * grid of values {@code sweep --tune} tries, per learner kind where the kinds differ (a learning
 * rate, a reset period), and where the range comes from. Every preset's grid has {@link #SIZE}
 * values, so that every method gets the same tuning budget; values are numbers (integers stay
 * integers, so that {@code --set reset_every=5000} reads as one).
 *
 * @param key the config key ({@code iso_coef}, {@code learning_rate}, ...)
 * @param values the grid per learner kind ({@link MethodPreset#KINDS}), each in increasing order
 * @param source one line: where the range comes from
 */
public record Knob(String key, Map<String, List<Number>> values, String source) {

  /** Settings per grid: the same for every method. */
  public static final int SIZE = 5;

  /**
   * The learning rate in half-decades, per learner kind: the knob of methods without a coefficient
   * of their own (adam, layernorm, isometric).
   */
  public static final Knob LEARNING_RATE = Knob.perKind("learning_rate",
      "half-decades around the learners' rates (supervised 1e-3; RL spans CleanRL's 2.5e-4 and the study's 1e-3); "
          + "chosen here",
      "ppo", new Number[] {3e-5, 1e-4, 3e-4, 1e-3, 3e-3}, "dqn", new Number[] {3e-5, 1e-4, 3e-4, 1e-3, 3e-3},
      "supervised", new Number[] {1e-4, 3e-4, 1e-3, 3e-3, 1e-2});

  public Knob {
    if (key == null || key.isBlank() || source == null || source.isBlank()) {
      throw new IllegalArgumentException("a knob needs a key and a source");
    }
    Map<String, List<Number>> copy = new LinkedHashMap<>();
    for (String kind : MethodPreset.KINDS) {
      List<Number> v = values.get(kind);
      if (v == null || v.isEmpty()) {
        throw new IllegalArgumentException("knob " + key + " has no grid for " + kind);
      }
      copy.put(kind, List.copyOf(v));
    }
    values = Collections.unmodifiableMap(copy);
  }

  /** The same grid for every learner kind. */
  public static Knob of(String key, String source, Number... grid) {
    Map<String, List<Number>> m = new LinkedHashMap<>();
    MethodPreset.KINDS.forEach(k -> m.put(k, List.of(grid)));
    return new Knob(key, m, source);
  }

  /** A grid per learner kind: {@code kindsAndGrids} alternates a kind and a {@code Number[]}. */
  public static Knob perKind(String key, String source, Object... kindsAndGrids) {
    Map<String, List<Number>> m = new LinkedHashMap<>();
    for (int i = 0; i < kindsAndGrids.length; i += 2) {
      m.put((String) kindsAndGrids[i], List.of((Number[]) kindsAndGrids[i + 1]));
    }
    return new Knob(key, m, source);
  }

  /** The grid for a learner of {@code kind}. */
  public List<Number> values(String kind) {
    List<Number> v = values.get(kind);
    if (v == null) {
      throw new IllegalArgumentException("knobs know the learner kinds " + MethodPreset.KINDS + ", not '" + kind + "'");
    }
    return v;
  }

  /**
   * A grid value as typed after {@code --set} and in a cell's name: integers as such, other
   * numbers plain from 1e-3 up to 1e6 ({@code 0.025}, {@code 10}) and as {@code 1e-4},
   * {@code 2.5e-5} otherwise.
   */
  public static String format(Object v) {
    if (!(v instanceof Number n)) {
      return String.valueOf(v);
    }
    if (n instanceof Integer || n instanceof Long) {
      return String.valueOf(n.longValue());
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d)) {
      return String.valueOf(d);
    }
    BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    double a = Math.abs(d);
    if (a == 0 || (a >= 1e-3 && a < 1e6)) {
      return b.toPlainString();
    }
    int exponent = b.precision() - b.scale() - 1;
    BigDecimal mantissa = b.movePointLeft(exponent).stripTrailingZeros();
    return mantissa.toPlainString() + "e" + exponent;
  }

  /**
   * Whether a grid is best drawn on a log axis: every value positive and the largest at least ten
   * times the smallest (a grid of decades or doublings, not {@code 1, 2, 3, 4, 5} or one with 0).
   */
  public static boolean logSpaced(List<Double> grid) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = 0;
    for (double v : grid) {
      if (!(v > 0)) {
        return false;
      }
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return !grid.isEmpty() && hi >= 10 * lo;
  }

  /** The grid for {@code kind} as {@code --set} values. */
  public List<String> formatted(String kind) {
    List<String> out = new ArrayList<>();
    values(kind).forEach(v -> out.add(format(v)));
    return out;
  }
}
