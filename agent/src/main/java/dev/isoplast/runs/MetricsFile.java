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

  /**
   * Opens {@code path} for appending after cutting it back to {@code length} bytes: a resumed run
   * keeps the rows written up to its checkpoint and writes the rest again, so nothing is doubled.
   */
  static MetricsFile resume(Path path, long length) {
    truncate(path, length);
    return open(path);
  }

  /** Cuts {@code path} back to {@code length} bytes (it must be at least that long). */
  static void truncate(Path path, long length) {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(path,
        StandardOpenOption.WRITE)) {
      if (ch.size() < length) {
        throw new IllegalArgumentException(path + " is shorter (" + ch.size() + " bytes) than at the checkpoint ("
            + length + "): it was changed since");
      }
      ch.truncate(length);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot cut " + path + " back to its checkpoint: " + e.getMessage(), e);
    }
  }

  /** The file's length now (every row is flushed as it is written). */
  long length() {
    try {
      return Files.size(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the size of " + path + ": " + e.getMessage(), e);
    }
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
