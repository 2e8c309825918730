package dev.isoplast.runs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.agents.MetricSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per {@link #log} call, {@code {"global_step": n, ...}},
 * flushed at once so that a crash keeps every row written so far. Non-finite values are written
 * as JSON strings ("NaN", "Infinity") rather than breaking the line.
 */
public final class MetricsFile implements MetricSink, AutoCloseable {

  /** Keys written as JSON integers (counters carried in the double-valued rows). */
  static final java.util.Set<String> INTEGER_KEYS = java.util.Set.of("phase", "phase_step", "task");

  private final Path path;
  private final BufferedWriter out;

  private MetricsFile(Path path, BufferedWriter out) {
    this.path = path;
    this.out = out;
  }

  static MetricsFile open(Path path) {
    try {
      return new MetricsFile(path, Files.newBufferedWriter(path, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void log(long globalStep, Map<String, Double> scalars) {
    ObjectNode row = RunDirectory.JSON.createObjectNode();
    row.put("global_step", globalStep);
    scalars.forEach((k, v) -> {
      if (INTEGER_KEYS.contains(k) && v != null && v == Math.rint(v) && Math.abs(v) < 1e15) {
        row.put(k, v.longValue());
      } else if (v == null || v.isNaN() || v.isInfinite()) {
        row.put(k, String.valueOf(v));
      } else {
        row.put(k, v);
      }
    });
    try {
      out.write(row.toString());
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + path + ": " + e.getMessage(), e);
    }
  }
}
