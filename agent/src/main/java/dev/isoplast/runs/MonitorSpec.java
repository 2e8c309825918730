package dev.isoplast.runs;

import dev.isoplast.config.LearnerKind;
import dev.isoplast.monitor.ProbeBatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which monitors a run measures ({@link Monitors}), how often, on how many probe inputs: the same
 * for every learner kind, written to config.yaml as {@code monitors: {kinds, cadence, probe_size}}
 * and read back from it by {@code --resume}.
 *
 * @param cadence updates between measurements, per monitor
 */
public record MonitorSpec(Set<Monitors.Kind> kinds, Map<Monitors.Kind, Integer> cadence, int probeSize) {

  /**
   * The monitors of the command-line flags {@code --monitors} ({@code all}, {@code none} or a list),
   * {@code --monitor-cadence} ({@code KIND=N,...} over {@code kind}'s defaults, null for the
   * defaults) and {@code --probe-size}.
   */
  public static MonitorSpec parse(String kinds, String cadence, int probeSize, LearnerKind kind) {
    return new MonitorSpec(Monitors.parse(kinds), Monitors.parseCadence(cadence, Monitors.defaultCadence(kind)),
        probeSize);
  }

  /** Every monitor at {@code kind}'s default cadences, on the default probe batch. */
  public static MonitorSpec all(LearnerKind kind) {
    return parse("all", null, ProbeBatch.DEFAULT_CAPACITY, kind);
  }

  /** Updates between probe refreshes ({@link Monitors#refreshInterval}). */
  public int refreshEvery() {
    return Monitors.refreshInterval(cadence);
  }

  /** As config.yaml holds it: {@code kinds} (a list of names), {@code cadence} (name to updates), {@code probe_size}. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kinds", kinds.stream().map(Monitors.Kind::configName).toList());
    Map<String, Integer> c = new LinkedHashMap<>();
    cadence.forEach((k, v) -> c.put(k.configName(), v));
    m.put("cadence", c);
    m.put("probe_size", probeSize);
    return m;
  }

  /** {@link #toMap} read back (cadences it lacks at {@code kind}'s defaults). */
  public static MonitorSpec fromMap(Map<?, ?> m, LearnerKind kind) {
    StringBuilder c = new StringBuilder();
    if (m.get("cadence") instanceof Map<?, ?> cadence) {
      cadence.forEach((k, v) -> c.append(c.length() == 0 ? "" : ",").append(k).append('=').append(v));
    }
    List<?> kinds = m.get("kinds") instanceof List<?> l ? l : List.of();
    return parse(kinds.isEmpty() ? "none" : String.join(",", kinds.stream().map(String::valueOf).toList()),
        c.toString(), ((Number) m.get("probe_size")).intValue(), kind);
  }
}
