package dev.isoplast.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.sweeps.SweepIndex;
import dev.isoplast.sweeps.TuningPlan;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A copy of a sweep small enough to commit ({@code results/} in the repository) from which
 * {@code report} regenerates the same page and tables: the sweep's index files, and per cell its
 * {@code config.yaml}, {@code command.txt}, a sweep cell's {@code cell.yaml} (the settings its command
 * line names), {@code summary.json} and, instead of the whole
 * {@code metrics.jsonl} (weights, per-layer figures, timing), {@code metrics.jsonl.gz} holding only
 * the values {@link RunRecord} reads ({@link RunRecord#reportKey}). Checkpoints, event files and logs
 * are left behind.
 */
public final class ResultsExport {

  private ResultsExport() {}

  /** The per-run files copied as they are. */
  static final List<String> RUN_FILES = List.of("config.yaml", "command.txt", "cell.yaml", "summary.json");

  /** What was written. */
  public record Exported(int cells, int runs, long bytes) {}

  /**
   * Copies a tuned sweep ({@code sweep --tune}) into {@code out}: its plan and selection, and each
   * stage ({@code tune/}, {@code heldout/}) as {@link #export} copies a sweep.
   */
  public static Exported exportTuned(Path dir, Path out) {
    Exported tune = export(dir.resolve(TuningPlan.TUNE_DIR), out.resolve(TuningPlan.TUNE_DIR));
    Exported heldout = export(dir.resolve(TuningPlan.HELDOUT_DIR), out.resolve(TuningPlan.HELDOUT_DIR));
    long bytes = tune.bytes() + heldout.bytes();
    try {
      for (String f : List.of(TuningPlan.PLAN_FILE, TuningPlan.SELECTION_FILE)) {
        Files.copy(dir.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        bytes += Files.size(dir.resolve(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export " + dir + " to " + out + ": " + e.getMessage(), e);
    }
    return new Exported(tune.cells() + heldout.cells(), tune.runs() + heldout.runs(), bytes);
  }

  /** Copies sweep {@code sweepDir} into {@code out} (created; files already there are replaced). */
  public static Exported export(Path sweepDir, Path out) {
    List<Path> indexes = SweepIndex.indexFiles(sweepDir);
    if (indexes.isEmpty()) {
      throw new IllegalArgumentException(sweepDir + " is not a sweep directory (no sweep.json or shard index): "
          + "--export copies sweeps");
    }
    if (out.toAbsolutePath().normalize().equals(sweepDir.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("--export needs another directory than the sweep's own");
    }
    Map<String, Object> merged = SweepIndex.readMerged(sweepDir);
    JsonNode cells = RunRecord.JSON.valueToTree(merged).path("cells");
    try {
      Files.createDirectories(out);
      long bytes = 0;
      for (Path f : indexes) {
        Files.copy(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        bytes += Files.size(f);
      }
      int runs = 0;
      for (JsonNode cell : cells) {
        String runDir = cell.path("run_dir").asText("");
        Path from = sweepDir.resolve(runDir).normalize();
        if (runDir.isEmpty() || !from.startsWith(sweepDir.normalize()) || !RunRecord.isRunDirectory(from)) {
          continue;
        }
        Path to = out.resolve(runDir);
        Files.createDirectories(to);
        for (String name : RUN_FILES) {
          if (Files.isRegularFile(from.resolve(name))) {
            Files.copy(from.resolve(name), to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            bytes += Files.size(to.resolve(name));
          }
        }
        if (Files.isRegularFile(from.resolve(RunRecord.METRICS))) {
          Path gz = to.resolve(RunRecord.METRICS_GZ);
          thin(from.resolve(RunRecord.METRICS), gz);
          bytes += Files.size(gz);
        }
        runs++;
      }
      return new Exported(cells.size(), runs, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export " + sweepDir + " to " + out + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the rows of {@code metrics} with only the keys the report reads, gzipped; a row left
   * with nothing but its step (and task or phase) is dropped unless it starts a new task. Lines that
   * are not JSON are dropped too (the report would skip them).
   */
  static void thin(Path metrics, Path gz) throws IOException {
    Path tmp = gz.resolveSibling(gz.getFileName() + ".tmp");
    try (BufferedReader r = Files.newBufferedReader(metrics, StandardCharsets.UTF_8);
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(tmp)),
            StandardCharsets.UTF_8))) {
      String line;
      int lastTask = Integer.MIN_VALUE;
      while ((line = r.readLine()) != null) {
        JsonNode row;
        try {
          row = RunRecord.JSON.readTree(line);
        } catch (IOException e) {
          continue;
        }
        if (row == null || !row.isObject() || !row.path("global_step").isNumber()) {
          continue;
        }
        ObjectNode kept = RunRecord.JSON.createObjectNode();
        boolean data = false;
        var it = row.fields();
        while (it.hasNext()) {
          var e = it.next();
          if (RunRecord.reportKey(e.getKey())) {
            kept.set(e.getKey(), e.getValue());
            data |= !RunRecord.POSITION_KEYS.contains(e.getKey());
          }
        }
        int task = row.path("task").isNumber() ? row.get("task").asInt() : lastTask;
        if (data || task != lastTask) {
          w.write(kept.toString());
          w.newLine();
        }
        lastTask = task;
      }
    }
    Files.move(tmp, gz, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
