package dev.isoplast.agents;

import java.util.Map;

/**
 * Where agents send their scalar metrics: one row per log step, keyed by the env-step counter
 * {@code global_step}, with CleanRL's names ({@code charts/episodic_return}, {@code losses/value_loss},
 * ...). A run directory writes them to {@code metrics.jsonl}; tests collect them in memory.
 */
@FunctionalInterface
public interface MetricSink {

  void log(long globalStep, Map<String, Double> scalars);

  /** Drops everything (tests, fresh-reference runs that only need the summary). */
  static MetricSink discard() {
    return (step, scalars) -> {};
  }
}
