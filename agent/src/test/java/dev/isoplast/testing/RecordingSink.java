package dev.isoplast.testing;

import dev.isoplast.agents.MetricSink;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A metric sink that keeps every logged row, for tests. */
public final class RecordingSink implements MetricSink {

  public final List<Long> steps = new ArrayList<>();
  public final List<Map<String, Double>> rows = new ArrayList<>();

  @Override
  public void log(long globalStep, Map<String, Double> scalars) {
    steps.add(globalStep);
    rows.add(new LinkedHashMap<>(scalars));
  }

  /** Every metric name logged. */
  public Set<String> names() {
    Set<String> s = new HashSet<>();
    rows.forEach(r -> s.addAll(r.keySet()));
    return s;
  }

  /** Every row as "step {metrics}" without charts/SPS (wall-clock dependent). */
  public List<String> deterministicRows() {
    return deterministicRows(null, null);
  }

  /**
   * The rows as "step {metrics}" without charts/SPS, keeping only rows with {@code with} (null = all)
   * and dropping rows with {@code without} (null = none).
   */
  public List<String> deterministicRows(String with, String without) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Double> r = new LinkedHashMap<>(rows.get(i));
      if ((with != null && !r.containsKey(with)) || (without != null && r.containsKey(without))) {
        continue;
      }
      r.remove("charts/SPS");
      out.add(steps.get(i) + " " + r);
    }
    return out;
  }

  /** The values of {@code name} in the rows that hold it, in order. */
  public List<Double> values(String name) {
    List<Double> out = new ArrayList<>();
    for (Map<String, Double> r : rows) {
      if (r.containsKey(name)) {
        out.add(r.get(name));
      }
    }
    return out;
  }

  /** The steps of the rows that hold {@code name}, in order. */
  public List<Long> stepsOf(String name) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).containsKey(name)) {
        out.add(steps.get(i));
      }
    }
    return out;
  }
}
