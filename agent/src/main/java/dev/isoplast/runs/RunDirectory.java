package dev.isoplast.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.isoplast.config.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * One directory per run: {@code config.yaml}, {@code metrics.jsonl}, a TensorBoard event file
 * ({@code events.out.tfevents.*}), {@code summary.json}, the env server's log, and (from the CLI)
 * {@code command.txt}. Files that are
 * rewritten (config, summary) are written atomically (temp file + rename); metrics are appended and
 * flushed row by row, so a crash loses nothing already logged.
 */
public final class RunDirectory {

  /**
   * The JSON of run and sweep files. The rule for non-finite numbers, everywhere a run's JSON is
   * written: NaN, +inf and -inf are written as the strings {@code "NaN"}, {@code "Infinity"} and
   * {@code "-Infinity"} (strict JSON has no such numbers), and read back as those doubles wherever a
   * value's type is not fixed (maps and lists, e.g. a summary kept in a checkpoint), so a summary
   * survives its round trip ({@link NonFiniteJson}).
   */
  public static final ObjectMapper JSON = NonFiniteJson.mapper();
  /** The YAML of config.yaml and of sweep and config files. */
  public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
      .enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;

  private RunDirectory(Path dir) {
    this.dir = dir;
  }

  /** The default name, as CleanRL's: {@code {env}__{algo}__{seed}__{epochSeconds}}. */
  public static String defaultName(String envId, String algo, long seed) {
    return envId + "__" + algo + "__" + seed + "__" + (System.currentTimeMillis() / 1000);
  }

  /** Creates the directory; refuses one that already holds a run (its metrics would be mixed). */
  public static RunDirectory create(Path dir) {
    if (Files.exists(dir.resolve("metrics.jsonl"))) {
      throw new IllegalArgumentException("run directory " + dir + " already holds a run (metrics.jsonl exists): "
          + "choose another --run-dir");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create run directory " + dir + ": " + e.getMessage(), e);
    }
    return new RunDirectory(dir);
  }

  /**
   * A run has completed when its directory holds a summary.json whose {@code status} is
   * {@code completed} (written last by a run that ended normally, after any fresh reference);
   * anything else (no directory, no summary, {@code failed}, a summary cut short) has not: a sweep
   * reruns such a cell.
   */
  public static boolean isCompleted(Path runDir) {
    Path summary = runDir.resolve("summary.json");
    if (!Files.isRegularFile(summary)) {
      return false;
    }
    try {
      com.fasterxml.jackson.databind.JsonNode s = JSON.readTree(summary.toFile());
      return s != null && "completed".equals(s.path("status").asText());
    } catch (IOException e) {
      return false;
    }
  }

  /** The versions a run's config.yaml records: isoplast, Java, ND4J. */
  public static Map<String, Object> versions() {
    Map<String, Object> versions = new java.util.LinkedHashMap<>();
    String v = RunDirectory.class.getPackage().getImplementationVersion();
    versions.put("isoplast", v == null ? "dev" : v);
    versions.put("java", System.getProperty("java.version"));
    versions.put("nd4j", "1.0.0-M2.1");
    return versions;
  }

  /** An existing run directory, to resume the run in it (it must hold config.yaml). */
  public static RunDirectory existing(Path dir) {
    if (!Files.isRegularFile(dir.resolve("config.yaml"))) {
      throw new IllegalArgumentException("--resume " + dir + ": not a run directory (no config.yaml)");
    }
    return new RunDirectory(dir);
  }

  /** Reads config.yaml back. */
  public Map<String, Object> readConfig() {
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = YAML.readValue(dir.resolve("config.yaml").toFile(), Map.class);
      return m;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + dir.resolve("config.yaml") + ": " + e.getMessage());
    }
  }

  /**
   * metrics.jsonl for appending: a new run's ({@code checkpoint} null), or a resumed run's, cut back
   * to its length at {@code checkpoint} ({@link #putFileLengths}).
   */
  public MetricsFile openMetrics(Snapshot checkpoint) {
    return checkpoint == null ? openMetrics()
        : MetricsFile.resume(dir.resolve("metrics.jsonl"), checkpoint.getLong("metrics_length"));
  }

  /**
   * The event file: a new one ({@link #openTensorBoard()}, {@code checkpoint} null), or a resumed
   * run's, cut back to its length at {@code checkpoint} ({@link #putFileLengths}).
   */
  public TensorBoardWriter openTensorBoard(Snapshot checkpoint) {
    return checkpoint == null ? openTensorBoard()
        : TensorBoardWriter.resume(file(checkpoint.getString("events_file")), checkpoint.getLong("events_length"));
  }

  /**
   * Puts into {@code checkpoint} what {@link #openMetrics(Snapshot)} and
   * {@link #openTensorBoard(Snapshot)} read back: the two files' lengths now and the event file's name.
   */
  static Snapshot putFileLengths(Snapshot checkpoint, MetricsFile metrics, TensorBoardWriter events) {
    return checkpoint.put("metrics_length", metrics.length()).put("events_file", events.path().getFileName().toString())
        .put("events_length", events.length());
  }

  /** {@code value} as JSON text (a checkpoint keeps lists and maps, e.g. a summary so far, this way). */
  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code value} as config.yaml reads it back (written as YAML and read again: lists for arrays, numbers as parsed). */
  static Object readBack(Object value) {
    try {
      return YAML.readValue(YAML.writeValueAsString(value), Object.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@link #toJson} back; damaged text is an IllegalArgumentException naming {@code what}. */
  static <T> T fromJson(String json, com.fasterxml.jackson.core.type.TypeReference<T> type, String what) {
    try {
      return JSON.readValue(json, type);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " is damaged: " + e.getMessage());
    }
  }

  public Path path() {
    return dir;
  }

  public Path file(String name) {
    return dir.resolve(name);
  }

  /** Writes {@code config.yaml}: the fully resolved configuration. */
  public void writeConfig(Map<String, Object> config) {
    writeAtomically("config.yaml", YAML, config);
  }

  /**
   * Makes this new run directory a fork of {@code source} at its checkpoint {@code at}: copies
   * source's metrics.jsonl, its event file and the checkpoint, so that a run resumed from the copy
   * ({@link #openMetrics(Snapshot)} and {@link #openTensorBoard(Snapshot)} cut the files back to
   * the checkpoint's lengths) has source's rows up to it and its own after. Returns the copy.
   */
  public Checkpoints.Loaded forkFrom(RunDirectory source, Checkpoints.Loaded at) {
    String events = at.state().getString("events_file");
    Path copy = dir.resolve(Checkpoints.DIR).resolve(at.file().getFileName());
    try {
      Files.copy(source.file("metrics.jsonl"), dir.resolve("metrics.jsonl"));
      Files.copy(source.file(events), dir.resolve(events));
      Files.createDirectories(copy.getParent());
      Files.copy(at.file(), copy);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy run " + source.path() + " into " + dir + ": " + e.getMessage(), e);
    }
    return Checkpoints.read(copy);
  }

  /** Writes {@code command.txt}: the exact command line that made the run (for reports). */
  public void writeCommand(String commandLine) {
    Path target = dir.resolve("command.txt");
    try {
      Files.writeString(target, commandLine + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code summary.json}. */
  public void writeSummary(Map<String, Object> summary) {
    writeAtomically("summary.json", JSON, summary);
  }

  /**
   * Writes {@code summary.json} of a run that failed, if it can: when the disk is full, the error
   * that ended the run matters more than its summary, so a failure here is only said on stderr.
   */
  public void writeFailedSummary(Map<String, Object> summary) {
    try {
      writeSummary(summary);
    } catch (UncheckedIOException e) {
      System.err.println("warning: " + e.getMessage());
    }
  }

  /** Opens {@code metrics.jsonl} for appending. */
  public MetricsFile openMetrics() {
    return MetricsFile.open(dir.resolve("metrics.jsonl"));
  }

  /**
   * Opens a new TensorBoard event file in the run directory ({@link TensorBoardWriter#open}); when
   * {@code config.yaml} has been written, its text comes first, as the text summary {@code config}
   * at step 0 (a Markdown code block), so TensorBoard's text dashboard shows the resolved config.
   */
  public TensorBoardWriter openTensorBoard() {
    Path config = dir.resolve("config.yaml");
    String text = null;
    if (Files.exists(config)) {
      try {
        text = Files.readString(config);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + config + ": " + e.getMessage(), e);
      }
    }
    TensorBoardWriter w = TensorBoardWriter.open(dir);
    if (text != null) {
      w.text("config", TensorBoardWriter.codeBlock(text), 0);
    }
    return w;
  }

  /** A further metrics file at {@code relative} inside the run directory (parents created). */
  public MetricsFile openMetrics(Path relative) {
    Path p = dir.resolve(relative);
    try {
      Files.createDirectories(p.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + p.getParent() + ": " + e.getMessage(), e);
    }
    return MetricsFile.open(p);
  }

  private void writeAtomically(String name, ObjectMapper mapper, Object value) {
    Path target = dir.resolve(name);
    Path tmp = dir.resolve(name + ".tmp");
    try {
      mapper.writeValue(tmp.toFile(), value);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }
}
