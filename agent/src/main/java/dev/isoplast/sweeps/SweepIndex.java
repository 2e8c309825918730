package dev.isoplast.sweeps;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.runs.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sweep.json}, the index of a sweep directory: the resolved spec, the exact command lines
 * that ran it (one entry per invocation, so a restart adds one), and one entry per cell with its
 * index, benchmark, method, setting (a tuning stage's), seed, run directory (relative to the
 * sweep directory), status, error, wall time, the OpenMP threads it ran with and the command that reproduces it alone (prefixed by
 * that thread count, on which ND4J's floating-point reductions depend). Written atomically after every change of a
 * cell's status, so it is readable while the sweep runs.
 *
 * <p>Whether a cell is finished is decided by its run directory alone ({@link RunDirectory#isCompleted}), never
 * by this file: a sweep killed between a cell's end and the next write of the index loses nothing,
 * and cells run elsewhere (shards) count as soon as their directories are copied in.
 *
 * <p>A shard ({@code --shard i/N}, {@link SweepShard}) indexes only its own cells, in its own file
 * {@code sweep.shard-i-of-N.json}, so that shards sharing a sweep directory never write one file;
 * {@link #readMerged} reads every index file of a directory as one.
 */
public final class SweepIndex {

  /** The file name. */
  public static final String FILE = "sweep.json";

  /** Bumped when the layout changes incompatibly. */
  public static final int FORMAT = 1;

  /** A cell's status in the index. */
  public enum Status {
    PENDING, RUNNING, COMPLETED, FAILED, INTERRUPTED;

    public String json() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One cell's entry (mutable while the sweep runs; guarded by the index). */
  public static final class Entry {
    public final SweepSpec.Cell cell;
    public final String command;
    Status status = Status.PENDING;
    String error;
    Double wallSeconds;
    Integer threads;

    Entry(SweepSpec.Cell cell, String command) {
      this.cell = cell;
      this.command = command;
    }

    public Status status() {
      return status;
    }

    public String error() {
      return error;
    }

    public Double wallSeconds() {
      return wallSeconds;
    }

    /**
     * The command that reproduces this cell alone, bit for bit: its OpenMP thread count first
     * (ND4J's reductions depend on it), when it has run.
     */
    public String reproduce() {
      return threads == null ? command : "OMP_NUM_THREADS=" + threads + " " + command;
    }
  }

  private final Path dir;
  private final SweepShard shard;
  private final SweepSpec spec;
  private final List<Map<String, Object>> invocations;
  private final Map<String, Object> settings = new LinkedHashMap<>();
  private final List<Entry> entries = new ArrayList<>();

  /**
   * A new index for {@code spec} in sweep directory {@code dir}; {@code previous} (the index
   * already there, or null) gives earlier invocations and the wall times of cells that stay finished.
   */
  public SweepIndex(Path dir, SweepSpec spec, List<String> cellCommands, Map<String, Object> previous) {
    this(dir, spec, cellCommands, previous, SweepShard.ALL);
  }

  /**
   * The index of {@code shard}'s cells alone, written to {@link SweepShard#indexFile};
   * {@code previous} is that file's earlier content (or null).
   */
  public SweepIndex(Path dir, SweepSpec spec, List<String> cellCommands, Map<String, Object> previous,
      SweepShard shard) {
    this.dir = dir;
    this.shard = shard;
    this.spec = spec;
    this.invocations = new ArrayList<>();
    Map<Integer, Object> previousWall = new LinkedHashMap<>();
    Map<Integer, Object> previousThreads = new LinkedHashMap<>();
    if (previous != null) {
      if (previous.get("invocations") instanceof List<?> l) {
        for (Object o : l) {
          if (o instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> mm = (Map<String, Object>) m;
            invocations.add(mm);
          }
        }
      }
      if (previous.get("cells") instanceof List<?> l) {
        for (Object o : l) {
          if (o instanceof Map<?, ?> m && m.get("index") instanceof Number i) {
            previousWall.put(i.intValue(), m.get("wall_s"));
            previousThreads.put(i.intValue(), m.get("threads"));
          }
        }
      }
    }
    List<SweepSpec.Cell> cells = spec.cells();
    for (int i = 0; i < cells.size(); i++) {
      if (!shard.owns(i)) {
        continue;
      }
      Entry e = new Entry(cells.get(i), cellCommands.get(i));
      if (RunDirectory.isCompleted(dir.resolve(e.cell.runDir()))) {
        e.status = Status.COMPLETED;
        e.wallSeconds = previousWall.get(i) instanceof Number n ? n.doubleValue() : null;
        e.threads = previousThreads.get(i) instanceof Number n ? n.intValue() : null;
      }
      entries.add(e);
    }
  }

  /** The index in {@code sweepDir}, as a map, or null when there is none; an unreadable one is an error. */
  public static Map<String, Object> read(Path sweepDir) {
    return read(sweepDir, SweepShard.ALL);
  }

  /** The index file of {@code shard} in {@code sweepDir}, as a map, or null when there is none. */
  public static Map<String, Object> read(Path sweepDir, SweepShard shard) {
    Path f = sweepDir.resolve(shard.indexFile());
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      return RunDirectory.JSON.readValue(f.toFile(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException(f + " is not a sweep index (" + e.getMessage().lines().findFirst().orElse("")
          + ")");
    }
  }

  /** The index files in {@code sweepDir}: sweep.json and the shards' files, by name. */
  public static List<Path> indexFiles(Path sweepDir) {
    if (!Files.isDirectory(sweepDir)) {
      return List.of();
    }
    try (var s = Files.list(sweepDir)) {
      return s.filter(p -> SweepShard.ofIndexFile(p.getFileName().toString()) != null && Files.isRegularFile(p))
          .sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot list " + sweepDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every index file of {@code sweepDir} (sweep.json and the shards') read as one index in
   * sweep.json's layout, or null when there is none. They must hold the same sweep (all spec keys
   * but {@code workers}). Each cell's entry comes from the file that indexes it (when several do,
   * a completed entry first, then the most recently updated file); cells no file indexes yet (a
   * shard that never started) are listed as pending. Invocations of every file are listed by start
   * time; {@code shards} names the files.
   */
  public static Map<String, Object> readMerged(Path sweepDir) {
    List<Path> files = indexFiles(sweepDir);
    if (files.isEmpty()) {
      return null;
    }
    if (files.size() == 1 && files.get(0).getFileName().toString().equals(FILE)) {
      return read(sweepDir);
    }
    List<Map<String, Object>> maps = new ArrayList<>();
    for (Path f : files) {
      maps.add(read(sweepDir, SweepShard.ofIndexFile(f.getFileName().toString())));
    }
    for (int k = 1; k < maps.size(); k++) {
      JsonNode a = identityOf(maps.get(0));
      JsonNode b = identityOf(maps.get(k));
      if (!a.equals(b)) {
        throw new IllegalArgumentException("sweep directory " + sweepDir + " holds index files of different sweeps: "
            + files.get(0).getFileName() + " has " + a + ", " + files.get(k).getFileName() + " has " + b);
      }
    }
    java.util.Comparator<Map<String, Object>> byUpdate =
        java.util.Comparator.comparing(m -> String.valueOf(m.getOrDefault("updated", "")));
    Map<String, Object> latest = maps.stream().max(byUpdate).orElseThrow();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("format", FORMAT);
    out.put("spec", latest.get("spec"));
    List<Map<String, Object>> invocations = new ArrayList<>();
    for (Map<String, Object> m : maps) {
      if (m.get("invocations") instanceof List<?> l) {
        for (Object o : l) {
          if (o instanceof Map<?, ?> inv) {
            @SuppressWarnings("unchecked")
            Map<String, Object> im = (Map<String, Object>) inv;
            invocations.add(im);
          }
        }
      }
    }
    invocations.sort(java.util.Comparator.comparing(m -> String.valueOf(m.getOrDefault("started", ""))));
    out.put("command", invocations.isEmpty() ? null : invocations.get(invocations.size() - 1).get("command"));
    out.put("invocations", invocations);
    for (String k : List.of("env_server", "cell_threads")) {
      if (latest.containsKey(k)) {
        out.put(k, latest.get(k));
      }
    }
    out.put("updated", latest.get("updated"));
    out.put("shards", files.stream().map(p -> p.getFileName().toString()).toList());
    java.util.TreeMap<Integer, Map<String, Object>> cells = new java.util.TreeMap<>();
    List<Map<String, Object>> byAge = new ArrayList<>(maps);
    byAge.sort(byUpdate);
    for (Map<String, Object> m : byAge) { // later files overwrite earlier ones, but never a completed entry
      if (m.get("cells") instanceof List<?> l) {
        for (Object o : l) {
          if (o instanceof Map<?, ?> c && c.get("index") instanceof Number i) {
            Map<String, Object> had = cells.get(i.intValue());
            if (had == null || !"completed".equals(had.get("status")) || "completed".equals(c.get("status"))) {
              @SuppressWarnings("unchecked")
              Map<String, Object> cm = (Map<String, Object>) c;
              cells.put(i.intValue(), cm);
            }
          }
        }
      }
    }
    if (latest.get("spec") instanceof Map<?, ?> specMap) {
      try {
        @SuppressWarnings("unchecked")
        SweepSpec spec = SweepSpec.fromEntries((Map<String, Object>) specMap, null);
        for (SweepSpec.Cell c : spec.cells()) {
          if (!cells.containsKey(c.index())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", c.index());
            m.put("benchmark", c.benchmark());
            m.put("method", c.method());
            if (!c.setting().isEmpty()) {
              m.put("setting", c.setting());
            }
            m.put("seed", c.seed());
            m.put("run_dir", c.runDir());
            m.put("status", Status.PENDING.json());
            m.put("error", "no index file lists it yet (its shard has not started)");
            cells.put(c.index(), m);
          }
        }
      } catch (IllegalArgumentException e) {
        // a spec this version cannot rebuild: list the cells the files have
      }
    }
    Map<String, Object> counts = new LinkedHashMap<>();
    for (Status st : Status.values()) {
      counts.put(st.json(), cells.values().stream().filter(c -> st.json().equals(c.get("status"))).count());
    }
    out.put("counts", counts);
    out.put("cells", new ArrayList<>(cells.values()));
    return out;
  }

  private static JsonNode identityOf(Map<String, Object> index) {
    Object spec = index.get("spec");
    Map<String, Object> m = new java.util.TreeMap<>();
    if (spec instanceof Map<?, ?> sm) {
      sm.forEach((k, v) -> m.put(String.valueOf(k), v));
    }
    m.remove("workers");
    m.values().removeIf(v -> v == null);
    try {
      return RunDirectory.JSON.readTree(RunDirectory.JSON.writeValueAsString(m));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether any cell the index {@code previous} lists has a run directory in {@code sweepDir}. */
  public static boolean anyCellStarted(Path sweepDir, Map<String, Object> previous) {
    if (previous.get("cells") instanceof List<?> cells) {
      for (Object o : cells) {
        if (o instanceof Map<?, ?> m && m.get("run_dir") != null
            && Files.isDirectory(sweepDir.resolve(String.valueOf(m.get("run_dir"))))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Refuses to reuse {@code sweepDir} for a sweep other than the one its index records: the
   * message names every key that differs (all but {@code workers} must match).
   */
  public static void checkSameSweep(Path sweepDir, Map<String, Object> previous, SweepSpec spec) {
    if (previous == null) {
      return;
    }
    if (!(previous.get("spec") instanceof Map<?, ?> old)) {
      throw new IllegalArgumentException(sweepDir.resolve(FILE) + " has no spec: not a sweep index");
    }
    JsonNode a = RunDirectory.JSON.valueToTree(old);
    JsonNode b = RunDirectory.JSON.valueToTree(spec.identity());
    try { // through text, so that numbers read back as the same node types on both sides
      a = RunDirectory.JSON.readTree(RunDirectory.JSON.writeValueAsString(a));
      b = RunDirectory.JSON.readTree(RunDirectory.JSON.writeValueAsString(b));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> differ = new ArrayList<>();
    java.util.Set<String> keys = new java.util.TreeSet<>();
    a.fieldNames().forEachRemaining(keys::add);
    b.fieldNames().forEachRemaining(keys::add);
    keys.remove("workers");
    for (String k : keys) {
      JsonNode x = a.get(k);
      JsonNode y = b.get(k);
      if (x == null ? y != null : !x.equals(y)) {
        differ.add(k + " (was " + (x == null ? "unset" : x) + ", now " + (y == null ? "unset" : y) + ")");
      }
    }
    if (!differ.isEmpty()) {
      throw new IllegalArgumentException("sweep directory " + sweepDir + " holds another sweep: "
          + String.join("; ", differ) + "; choose another --run-dir, or repeat the original command to resume it");
    }
  }

  /** Adds this invocation (its exact command line and the settings it ran with). */
  public synchronized void addInvocation(String commandLine, Map<String, Object> with) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("command", commandLine);
    m.put("started", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    if (!shard.isAll()) {
      m.put("shard", shard.toString());
    }
    m.putAll(with);
    invocations.add(m);
  }

  /**
   * Records an event of this invocation (e.g. {@code env_server_restart}) with the time, in its
   * entry's {@code events} list.
   */
  public synchronized void event(String name, Map<String, Object> details) {
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("event", name);
    ev.put("time", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    ev.putAll(details);
    Map<String, Object> current = invocations.get(invocations.size() - 1);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> events = (List<Map<String, Object>>) current.computeIfAbsent("events",
        x -> new ArrayList<Map<String, Object>>());
    events.add(ev);
  }

  /** Settings of the sweep recorded at the top level (the env server, the children's threads). */
  public synchronized void setting(String key, Object value) {
    settings.put(key, value);
  }

  /** This index's cells: all of the sweep's, or a shard's own. */
  public List<Entry> entries() {
    return entries;
  }

  /** The shard this index covers ({@link SweepShard#ALL} for the whole sweep). */
  public SweepShard shard() {
    return shard;
  }

  /** The file this index is written to, in the sweep directory. */
  public Path file() {
    return dir.resolve(shard.indexFile());
  }

  /** Records the OpenMP threads a cell runs with. */
  public synchronized void threads(Entry e, int threads) {
    e.threads = threads;
  }

  public synchronized void update(Entry e, Status status, String error, Double wallSeconds) {
    e.status = status;
    e.error = error;
    e.wallSeconds = wallSeconds;
  }

  public synchronized long count(Status s) {
    return entries.stream().filter(e -> e.status == s).count();
  }

  /** Writes sweep.json atomically. */
  public synchronized void write() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    if (!shard.isAll()) {
      m.put("shard", shard.toString());
    }
    m.put("spec", spec.toMap());
    m.put("command", invocations.isEmpty() ? null : invocations.get(invocations.size() - 1).get("command"));
    m.put("invocations", invocations);
    m.putAll(settings);
    m.put("updated", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    Map<String, Object> counts = new LinkedHashMap<>();
    for (Status s : Status.values()) {
      counts.put(s.json(), count(s));
    }
    m.put("counts", counts);
    List<Map<String, Object>> cells = new ArrayList<>();
    for (Entry e : entries) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("index", e.cell.index());
      c.put("benchmark", e.cell.benchmark());
      c.put("method", e.cell.method());
      if (!e.cell.setting().isEmpty()) {
        c.put("setting", e.cell.setting());
      }
      c.put("seed", e.cell.seed());
      c.put("run_dir", e.cell.runDir());
      c.put("status", e.status.json());
      c.put("error", e.error);
      c.put("wall_s", e.wallSeconds == null ? null : Math.round(e.wallSeconds * 10) / 10.0);
      c.put("threads", e.threads);
      c.put("command", e.reproduce());
      cells.add(c);
    }
    m.put("cells", cells);
    Path target = dir.resolve(shard.indexFile());
    Path tmp = dir.resolve(shard.indexFile() + ".tmp");
    try {
      Files.createDirectories(dir);
      RunDirectory.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), m);
      Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException("cannot write " + target + ": " + ex.getMessage(), ex);
    }
  }
}
