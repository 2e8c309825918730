package dev.isoplast.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.sweeps.SweepIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The runs a report covers, read from a sweep directory (its {@code sweep.json}, or the index files
 * of its shards merged by {@link SweepIndex#readMerged}, list the cells),
 * a single run directory, or a directory whose subdirectories are run directories (such as
 * {@code isoplast demo}'s). Cells the index lists without a run directory, and runs that did not
 * complete, are kept as {@link #notes} for the report to state.
 *
 * @param methods in the sweep's order (else in order of appearance)
 * @param commands the command lines that made the runs: the sweep's invocations, else each run's
 * @param notes what the report must say about missing, failed or partial runs
 */
public record SweepResults(Path dir, boolean isSweep, List<RunRecord> runs, List<String> methods, List<String> commands,
    List<String> notes) {

  /** Reads {@code dir}; a directory with no runs at all is an error (one line). */
  public static SweepResults load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + " is not a directory (give a run directory or a sweep directory)");
    }
    Map<String, Object> merged = SweepIndex.readMerged(dir);
    if (merged != null) {
      return fromSweep(dir, RunRecord.JSON.valueToTree(merged), dir.resolve(SweepIndex.FILE));
    }
    List<RunRecord> runs = new ArrayList<>();
    if (RunRecord.isRunDirectory(dir)) {
      runs.add(RunRecord.read(dir, null, null, null));
    } else {
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(Files::isDirectory).filter(RunRecord::isRunDirectory).sorted()
            .forEach(p -> runs.add(RunRecord.read(p, null, null, null)));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage());
      }
    }
    if (runs.isEmpty()) {
      throw new IllegalArgumentException(dir + " holds no runs: expected a run directory (summary.json, metrics.jsonl), "
          + "a sweep directory (sweep.json) or a directory of run directories");
    }
    List<String> methods = new ArrayList<>(new LinkedHashSet<>(runs.stream().map(RunRecord::method).toList()));
    List<String> commands = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (RunRecord r : runs) {
      if (r.command() != null) {
        commands.add(r.command());
      }
      note(r, notes);
    }
    return new SweepResults(dir, false, runs, methods, commands, notes);
  }

  private static SweepResults fromSweep(Path dir, JsonNode idx, Path index) {
    List<RunRecord> runs = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    List<String> methods = new ArrayList<>();
    for (JsonNode m : idx.path("spec").path("methods")) {
      methods.add(m.asText());
    }
    Map<String, List<Integer>> notStarted = new LinkedHashMap<>();
    for (JsonNode cell : idx.path("cells")) {
      String method = cell.path("method").asText(null);
      Long seed = cell.path("seed").isNumber() ? cell.get("seed").asLong() : null;
      String runDir = cell.path("run_dir").asText("");
      Path p = dir.resolve(runDir);
      String status = cell.path("status").asText("");
      String error = cell.path("error").isTextual() ? cell.get("error").asText() : null;
      if (!RunRecord.isRunDirectory(p)) {
        if (error == null) { // not started: one line for them all instead of one per cell
          notStarted.computeIfAbsent(status, k -> new ArrayList<>()).add(cell.path("index").asInt());
        } else {
          notes.add("cell " + cell.path("index").asInt() + " (" + method + " seed " + seed + ") has no run yet (status "
              + status + ": " + error + ")");
        }
        continue;
      }
      RunRecord r = RunRecord.read(p, method, seed, cell.path("command").asText(null));
      if (!r.completed() && r.error() == null && error != null) {
        r = withError(r, error);
      }
      runs.add(r);
      note(r, notes);
    }
    notStarted.forEach((status, cells) -> notes.add(cells.size() + (cells.size() == 1 ? " cell has" : " cells have")
        + " no run yet (status " + status + "): " + ranges(cells)));
    if (runs.isEmpty() && notes.isEmpty()) {
      throw new IllegalArgumentException(index + " lists no cells");
    }
    for (RunRecord r : runs) {
      if (!methods.contains(r.method())) {
        methods.add(r.method());
      }
    }
    List<String> commands = new ArrayList<>();
    for (JsonNode inv : idx.path("invocations")) {
      if (inv.path("command").isTextual()) {
        String when = inv.path("started").asText("");
        String what = inv.has("cells_to_run") ? inv.get("cells_to_run").asInt() + " cells to run" : "";
        String shard = inv.path("shard").isTextual() ? "shard " + inv.get("shard").asText() + ", " : "";
        if (!when.isEmpty() || !what.isEmpty()) { // a comment line the shell ignores: when, and what it had left
          commands.add("# " + shard + (when.isEmpty() ? "" : "started " + when + (what.isEmpty() ? "" : ", ")) + what);
        }
        commands.add(inv.get("command").asText());
      }
    }
    return new SweepResults(dir, true, runs, methods, commands, notes);
  }

  /** Cell indices as ranges: {@code [1, 2, 3, 7, 9, 10]} gives "cells 1-3, 7, 9-10". */
  static String ranges(List<Integer> cells) {
    StringBuilder b = new StringBuilder(cells.size() == 1 ? "cell " : "cells ");
    for (int i = 0; i < cells.size(); ) {
      int j = i;
      while (j + 1 < cells.size() && cells.get(j + 1) == cells.get(j) + 1) {
        j++;
      }
      b.append(i > 0 ? ", " : "").append(cells.get(i)).append(j > i ? "-" + cells.get(j) : "");
      i = j + 1;
    }
    return b.toString();
  }

  private static void note(RunRecord r, List<String> notes) {
    if (!r.completed()) {
      String reached = r.episodes().isEmpty() ? "no episode logged"
          : "metrics up to step " + r.episodes().get(r.episodes().size() - 1).step();
      notes.add(r.label() + " did not complete (status " + r.status() + (r.error() != null ? ": " + r.error() : "")
          + "; " + reached + "): left out of the statistics; its curves are drawn only when no run of its method "
          + "completed");
    }
    for (String p : r.problems()) {
      if (!(p.equals("no metrics.jsonl") && !r.completed())) {
        notes.add(r.label() + ": " + p);
      }
    }
  }

  private static RunRecord withError(RunRecord r, String error) {
    return new RunRecord(r.dir(), r.method(), r.seed(), r.benchmark(), r.kind(), r.scoreName(), r.status(), error,
        r.totalSteps(), r.segments(), r.episodes(), r.series(), r.command(), r.problems());
  }

  /** The completed runs of {@code method}, in the order read. */
  public List<RunRecord> completed(String method) {
    return runs.stream().filter(r -> r.method().equals(method) && r.completed()).toList();
  }

  /** Runs per method (all of them, completed or not). */
  public Map<String, List<RunRecord>> byMethod() {
    Map<String, List<RunRecord>> m = new LinkedHashMap<>();
    for (String method : methods) {
      m.put(method, new ArrayList<>());
    }
    for (RunRecord r : runs) {
      m.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
    }
    return m;
  }
}
