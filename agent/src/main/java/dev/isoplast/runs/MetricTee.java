package dev.isoplast.runs;

import dev.isoplast.agents.MetricSink;
import java.util.List;
import java.util.Map;

/**
 * One metric sink that hands every row to several, in order: a run's rows go to
 * {@code metrics.jsonl} and to its TensorBoard event file alike.
 */
public final class MetricTee implements MetricSink {

  private final List<MetricSink> sinks;

  private MetricTee(List<MetricSink> sinks) {
    this.sinks = sinks;
  }

  /** A sink that logs each row to every one of {@code sinks}, in the order given. */
  public static MetricSink of(MetricSink... sinks) {
    return new MetricTee(List.of(sinks));
  }

  @Override
  public void log(long globalStep, Map<String, Double> scalars) {
    for (MetricSink s : sinks) {
      s.log(globalStep, scalars);
    }
  }
}
