package dev.isoplast.report;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One run directory as the report reads it: who it is (method, seed, benchmark from
 * {@code config.yaml} and {@code summary.json}), how it ended, its per-segment figures (a
 * scenario's phases, a supervised run's tasks, or the whole run as one segment) and the metric
 * series the plots need from {@code metrics.jsonl}.
 *
 * <p>Tolerant by design: non-finite values written as strings ({@code "NaN"}, {@code "Infinity"},
 * {@code "-Infinity"}) or as bare tokens read as doubles; a line that is not JSON (a run killed
 * mid-write) is skipped and counted; a missing summary means a run that never ended. Nothing here
 * throws for a damaged run: what could not be read is listed in {@link #problems}.
 */
public record RunRecord(Path dir, String method, Long seed, String benchmark, Kind kind, String scoreName,
    String status, String error, long totalSteps, List<Segment> segments, List<Episode> episodes, Map<String, Series> series, String command,
    List<String> problems) {

  /** What a run's segments are. */
  public enum Kind {
    /** An environment-switch scenario: segments are phases, scored by their final mean return. */
    SCENARIO,
    /** A supervised task sequence: segments are tasks, scored by accuracy or loss. */
    TASKS,
    /** A single env: the whole run is one segment. */
    SINGLE
  }

  /**
   * One phase or task.
   *
   * @param score the segment's final figure (phase: final_mean_return; task: accuracy or loss)
   * @param meanScore the phase's mean return over all its episodes (its normalised area under the
   *     curve), NaN for tasks
   * @param fresh the fresh learner's final mean return (scenario runs with --fresh-reference), else NaN
   * @param floor the return floor the plasticity ratio subtracts (floor × reward scale), 0 if unknown
   */
  public record Segment(int index, long startStep, double score, double meanScore, double fresh, double floor) {}

  /** A finished training episode (metrics row with {@code charts/episodic_return}). */
  public record Episode(long step, int phase, double ret) {}

  /** A metric's logged values in step order (non-finite values kept as NaN / ±∞). */
  public record Series(long[] steps, double[] values) {}

  /** The monitor metrics the report plots (plus {@code isometry/NET.body/gap} for every network). */
  public static final List<String> MONITOR_KEYS = List.of("plasticity/dormant_frac", "plasticity/revived_frac",
      "plasticity/reset_frac", "plasticity/ntk_erank", "plasticity/ntk_cond", "plasticity/ntk_cond_rel");

  /** {@code isometry/actor.body/gap}: the whole body's input–output Jacobian, per network. */
  public static final Pattern BODY_GAP = Pattern.compile("isometry/[^/.]+\\.body/gap");

  /** The run's metric rows, and their thinned, gzipped copy in an exported sweep ({@link ResultsExport}). */
  static final String METRICS = "metrics.jsonl";
  static final String METRICS_GZ = "metrics.jsonl.gz";

  /** Keys that place a row (step, phase, task) rather than carry a value. */
  static final List<String> POSITION_KEYS = List.of("global_step", "phase", "task");

  /** Whether the report reads metric {@code key}: positions, episode returns, the monitors, body gaps. */
  static boolean reportKey(String key) {
    return POSITION_KEYS.contains(key) || key.equals("charts/episodic_return") || seriesKey(key);
  }

  /** Whether metric {@code key} is a series the report plots: a monitor or a body's gap. */
  static boolean seriesKey(String key) {
    return MONITOR_KEYS.contains(key) || BODY_GAP.matcher(key).matches();
  }

  static final JsonMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
  private static final YAMLMapper YAML = new YAMLMapper();

  /** Completed normally (summary status {@code completed}). */
  public boolean completed() {
    return "completed".equals(status);
  }

  /** The segment scores in order. */
  public double[] scores() {
    return segments.stream().mapToDouble(Segment::score).toArray();
  }

  /** A short name for messages: {@code method seed N (dir)}. */
  public String label() {
    return method + " seed " + seed + " (" + dir.getFileName() + ")";
  }

  /** Whether {@code dir} looks like a run directory (has a config, summary or metrics file). */
  public static boolean isRunDirectory(Path dir) {
    return Files.isRegularFile(dir.resolve("summary.json")) || Files.isRegularFile(dir.resolve(METRICS))
        || Files.isRegularFile(dir.resolve(METRICS_GZ)) || Files.isRegularFile(dir.resolve("config.yaml"));
  }

  /**
   * Reads {@code dir}; {@code fallbackMethod}, {@code fallbackSeed} and {@code fallbackCommand}
   * (from a sweep index, may be null) fill in what the run's own files do not say.
   */
  public static RunRecord read(Path dir, String fallbackMethod, Long fallbackSeed, String fallbackCommand) {
    List<String> problems = new ArrayList<>();
    JsonNode config = readYaml(dir.resolve("config.yaml"), problems);
    JsonNode summary = readJson(dir.resolve("summary.json"), problems);
    String method = text(summary, "method", text(config, "method", fallbackMethod));
    if (method == null && config != null) { // no preset: the optimizer the run's learner used
      method = text(config.path(text(config, "algo", "")), "optimizer", null);
    }
    if (method == null) {
      method = dir.getFileName() == null ? "run" : dir.getFileName().toString();
    }
    Long seed = summary != null && summary.path("seed").isNumber() ? Long.valueOf(summary.get("seed").asLong())
        : config != null && config.path("seed").isNumber() ? Long.valueOf(config.get("seed").asLong()) : fallbackSeed;
    String status = summary == null ? "unfinished" : text(summary, "status", "unknown");
    String error = text(summary, "error", null);
    Kind kind;
    String benchmark;
    if ((summary != null && summary.has("tasks")) || (config != null && config.has("task"))) {
      kind = Kind.TASKS;
      benchmark = text(summary, "task", text(config, "task", "task"));
    } else if ((summary != null && summary.has("scenario")) || (config != null && config.has("scenario"))) {
      kind = Kind.SCENARIO;
      benchmark = text(summary, "scenario", config != null ? text(config.path("scenario"), "name", "scenario") : "scenario");
    } else {
      kind = Kind.SINGLE;
      benchmark = text(summary, "env", text(config, "env", "run"));
    }
    long totalSteps = summary != null && summary.path("total_steps").isNumber() ? summary.get("total_steps").asLong()
        : config != null && config.path("total_steps").isNumber() ? config.get("total_steps").asLong() : 0;

    List<Episode> episodes = new ArrayList<>();
    Map<String, List<double[]>> raw = new LinkedHashMap<>();
    Map<Integer, Long> taskStarts = new java.util.TreeMap<>();
    Path metrics = !Files.isRegularFile(dir.resolve(METRICS)) && Files.isRegularFile(dir.resolve(METRICS_GZ))
        ? dir.resolve(METRICS_GZ) : dir.resolve(METRICS);
    long lastStep = readMetrics(metrics, episodes, raw, taskStarts, problems);
    if (totalSteps == 0) {
      totalSteps = lastStep;
    }
    Map<String, Series> series = new LinkedHashMap<>();
    raw.forEach((k, rows) -> {
      long[] s = new long[rows.size()];
      double[] v = new double[rows.size()];
      for (int i = 0; i < rows.size(); i++) {
        s[i] = (long) rows.get(i)[0];
        v[i] = rows.get(i)[1];
      }
      series.put(k, new Series(s, v));
    });
    List<Segment> segments = segments(kind, summary, taskStarts);
    String scoreName = kind != Kind.TASKS ? "final mean return" : scoredByLoss(summary) ? "loss" : "accuracy";
    String command = fallbackCommand;
    if (command == null && Files.isRegularFile(dir.resolve("command.txt"))) {
      try {
        command = Files.readString(dir.resolve("command.txt")).trim();
      } catch (IOException e) {
        problems.add("command.txt unreadable: " + e.getMessage());
      }
    }
    return new RunRecord(dir, method, seed, benchmark, kind, scoreName, status, error, totalSteps, segments, episodes,
        series, command, problems);
  }

  private static List<Segment> segments(Kind kind, JsonNode summary, Map<Integer, Long> taskStarts) {
    List<Segment> out = new ArrayList<>();
    if (summary == null) {
      return out;
    }
    if (kind == Kind.SCENARIO) {
      for (JsonNode p : summary.path("phases")) {
        double floor = number(p.get("return_floor"), 0) * number(p.get("reward_scale"), 1);
        if (!Double.isFinite(floor)) {
          floor = 0;
        }
        out.add(new Segment(p.path("phase").asInt(out.size()), p.path("start_step").asLong(0),
            number(p.get("final_mean_return"), Double.NaN), number(p.get("mean_return"), Double.NaN),
            number(p.get("fresh_final_mean_return"), Double.NaN), floor));
      }
    } else if (kind == Kind.TASKS) {
      for (JsonNode t : summary.path("tasks")) {
        JsonNode v = t.has("accuracy") ? t.get("accuracy") : t.get("loss");
        int task = t.path("task").asInt(out.size());
        // where the task began: the first metrics row tagged with it (global_step counts examples)
        long start = t.has("start_step") ? t.get("start_step").asLong() : taskStarts.getOrDefault(task, 0L);
        out.add(new Segment(task, start, number(v, Double.NaN), Double.NaN, Double.NaN, 0));
      }
    } else if (summary.has("final_mean_return")) {
      out.add(new Segment(0, 0, number(summary.get("final_mean_return"), Double.NaN), Double.NaN, Double.NaN, 0));
    }
    return out;
  }

  /** A supervised run's tasks are scored by loss (lower is better) when they carry loss and no accuracy. */
  private static boolean scoredByLoss(JsonNode summary) {
    if (summary != null) {
      for (JsonNode t : summary.path("tasks")) {
        return !t.has("accuracy") && t.has("loss");
      }
    }
    return false;
  }

  /** Whether a higher score is better (all but a loss). */
  public boolean higherIsBetter() {
    return !scoreName.equals("loss");
  }

  /**
   * Reads the rows the report needs from {@code metrics.jsonl} (or its gzipped thinned copy); returns
   * the last global_step seen. Skips lines that are not JSON objects (counted in {@code problems}).
   * {@code taskStarts} gets the first step of each supervised task (rows tagged {@code task}).
   */
  static long readMetrics(Path file, List<Episode> episodes, Map<String, List<double[]>> series,
      Map<Integer, Long> taskStarts, List<String> problems) {
    if (!Files.isRegularFile(file)) {
      problems.add("no metrics.jsonl");
      return 0;
    }
    long last = 0;
    int bad = 0;
    int lineNo = 0;
    int firstBad = 0;
    try (BufferedReader r = file.getFileName().toString().endsWith(".gz")
        ? new BufferedReader(new java.io.InputStreamReader(new java.util.zip.GZIPInputStream(Files.newInputStream(file)),
            StandardCharsets.UTF_8))
        : Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode row;
        try {
          row = JSON.readTree(line);
        } catch (IOException e) {
          row = null;
        }
        if (row == null || !row.isObject() || !row.path("global_step").isNumber()) {
          if (bad++ == 0) {
            firstBad = lineNo;
          }
          continue;
        }
        long step = row.get("global_step").asLong();
        last = Math.max(last, step);
        if (row.path("task").isNumber()) {
          taskStarts.merge(row.get("task").asInt(), step, Math::min);
        }
        JsonNode ret = row.get("charts/episodic_return");
        if (ret != null) {
          episodes.add(new Episode(step, row.path("phase").asInt(0), number(ret, Double.NaN)));
        }
        var it = row.fields();
        while (it.hasNext()) {
          var e = it.next();
          String k = e.getKey();
          if (seriesKey(k)) {
            series.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {step, number(e.getValue(), Double.NaN)});
          }
        }
      }
    } catch (IOException e) {
      problems.add("metrics.jsonl unreadable after line " + lineNo + ": " + e.getMessage());
    }
    if (bad > 0) {
      problems.add(bad + " line" + (bad > 1 ? "s" : "") + " of metrics.jsonl not readable as JSON rows (first: line "
          + firstBad + "), skipped");
    }
    return last;
  }

  /** A JSON number, or a string "NaN" / "Infinity" / "-Infinity" / numeric text; else {@code otherwise}. */
  static double number(JsonNode v, double otherwise) {
    if (v == null || v.isNull()) {
      return otherwise;
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isTextual()) {
      String s = v.asText().trim();
      switch (s) {
        case "NaN":
        case "nan":
          return Double.NaN;
        case "Infinity":
        case "inf":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
        case "-inf":
          return Double.NEGATIVE_INFINITY;
        default:
          try {
            return Double.parseDouble(s);
          } catch (NumberFormatException e) {
            return otherwise;
          }
      }
    }
    return otherwise;
  }

  private static String text(JsonNode node, String key, String otherwise) {
    if (node == null) {
      return otherwise;
    }
    JsonNode v = node.get(key);
    return v == null || v.isNull() || v.isContainerNode() ? otherwise : v.asText();
  }

  private static JsonNode readJson(Path f, List<String> problems) {
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      return JSON.readTree(f.toFile());
    } catch (IOException e) {
      problems.add(f.getFileName() + " unreadable: " + e.getMessage().lines().findFirst().orElse(""));
      return null;
    }
  }

  private static JsonNode readYaml(Path f, List<String> problems) {
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      return YAML.readTree(f.toFile());
    } catch (IOException e) {
      problems.add(f.getFileName() + " unreadable: " + e.getMessage().lines().findFirst().orElse(""));
      return null;
    }
  }
}
