package dev.isoplast.sweeps;

import dev.isoplast.runs.Learners;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.config.ConfigValues;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.Tasks;
import dev.isoplast.config.Knob;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.runs.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tuning protocol of {@code sweep --tune} (DESIGN.md §14, "fair budgets"; docs/sweeps.md):
 * every method's grid (its registry knob, {@link Knob}, or the sweep file's {@code grids:} entry,
 * all of one size), the tuning seeds and the disjoint held-out seeds, and the selection criterion,
 * all fixed before any cell runs and written to {@code tune.json}. Two stages, each an ordinary
 * sweep in its own directory: {@code tune/} runs every setting on the tuning seeds
 * ({@link #tuneSpec}); once every tuning cell has finished, {@code selection.json} names each
 * method's setting, and {@code heldout/} runs it on the held-out seeds ({@link #heldoutSpec}).
 *
 * @param base the benchmark, methods and {@code set} of every cell (its seeds unused)
 * @param grids per method, its settings in grid order (one key each), as typed after {@code --set}
 * @param sources per method, where its grid comes from (the registry knob's source, or the sweep file)
 * @param gridSize the {@code grid_size} the grids were cut to, or null for whole grids
 */
public record TuningPlan(SweepSpec base, Map<String, List<Map<String, String>>> grids, Map<String, String> sources,
    List<Long> tuneSeeds, List<Long> heldoutSeeds, Integer gridSize) {

  /** The stage directories and files inside the sweep directory. */
  public static final String TUNE_DIR = "tune";
  public static final String HELDOUT_DIR = "heldout";
  public static final String PLAN_FILE = "tune.json";
  public static final String SELECTION_FILE = "selection.json";

  /** Defaults: three tuning seeds, ten held-out seeds, disjoint. */
  public static final String DEFAULT_TUNE_SEEDS = "1-3";
  public static final String DEFAULT_HELDOUT_SEEDS = "101-110";

  /** The selection criterion, fixed before the run and recorded in tune.json and selection.json. */
  public static final String CRITERION = "per method: each tuning run scores the mean of its per-segment scores "
      + "(tasks or phases; negated when lower is better; a non-finite mean counts as -infinity), the setting's score is "
      + "the IQM (25% trimmed mean) of its runs' scores; the highest wins, ties to the first in grid order";

  public TuningPlan {
    grids = copy(grids);
    sources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    tuneSeeds = List.copyOf(tuneSeeds);
    heldoutSeeds = List.copyOf(heldoutSeeds);
    Set<Long> overlap = new HashSet<>(tuneSeeds);
    overlap.retainAll(heldoutSeeds);
    if (!overlap.isEmpty()) {
      throw new IllegalArgumentException("tuning seeds and held-out seeds must be disjoint: both list "
          + overlap.stream().sorted().toList() + " (--tune-seeds " + tuneSeeds + ", --heldout-seeds " + heldoutSeeds
          + ")");
    }
    int size = -1;
    for (String m : base.methods()) {
      List<Map<String, String>> g = grids.get(m);
      if (g == null || g.isEmpty()) {
        throw new IllegalArgumentException("method " + m + " has an empty grid");
      }
      if (size >= 0 && g.size() != size) {
        List<String> sizes = new ArrayList<>();
        for (String x : base.methods()) {
          sizes.add(x + " " + grids.get(x).size());
        }
        throw new IllegalArgumentException("grids of unequal size (" + String.join(", ", sizes) + "): every method "
            + "gets the same tuning budget; give each the same number of values, or --grid-size K");
      }
      size = g.size();
    }
  }

  /**
   * The plan for {@code base} from a sweep's entries ({@link SweepSpec#TUNE_KEYS}: {@code tune_seeds},
   * {@code heldout_seeds}, {@code grids}, {@code grid_size}); {@code where} names the file in
   * errors. Every grid entry is checked against the keys the cells' learner accepts.
   */
  public static TuningPlan of(SweepSpec base, Map<String, Object> entries, String where) {
    String at = where == null ? "" : where + ": ";
    String kind = base.learnerKind().configName();
    List<String> valid = validKeys(base);
    Map<String, List<Map<String, String>>> grids = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    for (String m : base.methods()) {
      Knob k = Methods.get(m).knob();
      grids.put(m, settings(k.key(), k.formatted(kind)));
      sources.put(m, k.key() + ": " + k.source());
    }
    Object overrides = entries.get("grids");
    if (overrides != null) {
      if (!(overrides instanceof Map<?, ?> om)) {
        throw new IllegalArgumentException(at + "grids must map a method to {knob: [values]}, got " + overrides);
      }
      for (var e : om.entrySet()) {
        String m = String.valueOf(e.getKey());
        String here = at + "grids." + m;
        if (!base.methods().contains(m)) {
          throw new IllegalArgumentException(here + ": " + m + " is not a method of this sweep " + base.methods());
        }
        if (!(e.getValue() instanceof Map<?, ?> km) || km.size() != 1) {
          throw new IllegalArgumentException(here + ": give one knob with its values, e.g. {"
              + Methods.get(m).knob().key() + ": [...]}, got " + e.getValue());
        }
        var knob = km.entrySet().iterator().next();
        String key = String.valueOf(knob.getKey()).trim().replace('-', '_');
        if (!valid.contains(key)) {
          throw new IllegalArgumentException(here + ": unknown knob '" + key + "' for a " + kind + " learner (the "
              + "registry's is " + Methods.get(m).knob().key() + "; `isoplast methods show " + m + "`)");
        }
        List<String> values = new ArrayList<>();
        if (knob.getValue() instanceof List<?> l) {
          l.forEach(v -> values.add(Knob.format(v)));
        } else if (knob.getValue() != null) {
          values.add(Knob.format(knob.getValue()));
        }
        if (values.isEmpty()) {
          throw new IllegalArgumentException(here + "." + key + ": empty grid");
        }
        grids.put(m, settings(key, values));
        sources.put(m, key + ": the sweep file's grids entry");
      }
    }
    Integer gridSize = entries.get("grid_size") == null ? null : positive(entries.get("grid_size"), at + "grid_size");
    List<Long> tune = SweepSpec.seeds(entries.getOrDefault("tune_seeds", DEFAULT_TUNE_SEEDS));
    List<Long> heldout = SweepSpec.seeds(entries.getOrDefault("heldout_seeds", DEFAULT_HELDOUT_SEEDS));
    try {
      TuningPlan whole = new TuningPlan(base, grids, sources, tune, heldout, null); // sizes checked before a cut
      return gridSize == null ? whole : whole.cut(gridSize);
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException(at + ex.getMessage(), ex);
    }
  }

  /**
   * Every grid cut to {@code k} settings spread evenly over it, both ends kept (index
   * round(j(n−1)/(k−1)) for j = 0..k−1; the middle one for k = 1): a small tuning budget for a quick
   * check, the same for every method.
   */
  public TuningPlan cut(int k) {
    Map<String, List<Map<String, String>>> out = new LinkedHashMap<>();
    for (var e : grids.entrySet()) {
      List<Map<String, String>> g = e.getValue();
      if (k > g.size()) {
        throw new IllegalArgumentException("grid_size " + k + " is larger than the grid of " + e.getKey() + " ("
            + g.size() + " settings)");
      }
      List<Map<String, String>> cut = new ArrayList<>();
      for (int j = 0; j < k; j++) {
        cut.add(g.get(k == 1 ? (g.size() - 1) / 2 : (int) Math.round(j * (g.size() - 1) / (double) (k - 1))));
      }
      out.put(e.getKey(), cut);
    }
    return new TuningPlan(base, out, sources, tuneSeeds, heldoutSeeds, k);
  }

  /** The tuning stage: every setting of every method on the tuning seeds. */
  public SweepSpec tuneSpec() {
    return base.withGrid(grids, tuneSeeds);
  }

  /**
   * The held-out stage: each method at its selected setting ({@code selected}, method to setting)
   * on the held-out seeds; its cells are named {@code method__seedN}.
   */
  public SweepSpec heldoutSpec(Map<String, Map<String, String>> selected) {
    Map<String, List<Map<String, String>>> g = new LinkedHashMap<>();
    for (String m : base.methods()) {
      Map<String, String> s = selected.get(m);
      if (s == null) {
        throw new IllegalArgumentException("the selection names no setting for " + m);
      }
      g.put(m, List.of(s));
    }
    return base.withGrid(g, heldoutSeeds);
  }

  /** What tune.json records: everything that decides the cells and the selection (not {@code workers}). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>(base.identity());
    m.remove("seeds");
    m.put("tune_seeds", tuneSeeds);
    m.put("heldout_seeds", heldoutSeeds);
    m.put("grid_size", gridSize);
    m.put("grids", grids);
    m.put("grid_sources", sources);
    m.put("criterion", CRITERION);
    m.values().removeIf(v -> v == null);
    return m;
  }

  /**
   * Writes {@code tune.json} in {@code dir} (the plan and the sweep's {@code entries}), or checks that the one there records this plan (a
   * restart must repeat the original command): the message names every entry that differs.
   */
  public void writeOrCheck(Path dir, Map<String, Object> entries) {
    Path f = dir.resolve(PLAN_FILE);
    Map<String, Object> now = new LinkedHashMap<>();
    now.put("format", 1);
    now.put("plan", toMap());
    Map<String, Object> e = new LinkedHashMap<>(entries);
    e.remove("run_dir");
    e.remove("seeds"); // a tuned sweep runs its tuning and held-out seeds
    now.put("entries", e); // what a bare `sweep --run-dir DIR` resumes
    if (Files.isRegularFile(f)) {
      JsonNode was = readJson(f).path("plan");
      JsonNode is = tree(toMap());
      List<String> differ = new ArrayList<>();
      Set<String> keys = new java.util.TreeSet<>();
      was.fieldNames().forEachRemaining(keys::add);
      is.fieldNames().forEachRemaining(keys::add);
      for (String k : keys) {
        if (!was.path(k).equals(is.path(k))) {
          differ.add(k + " (was " + (was.has(k) ? was.get(k) : "unset") + ", now " + (is.has(k) ? is.get(k) : "unset")
              + ")");
        }
      }
      if (!differ.isEmpty()) {
        throw new IllegalArgumentException("sweep directory " + dir + " holds another tuned sweep: "
            + String.join("; ", differ) + "; choose another --run-dir, or repeat the original command to resume it");
      }
      return;
    }
    writeJson(f, now);
  }

  /**
   * The sweep entries (file keys) a tuned sweep directory was started with, as {@code tune.json}
   * records them, or null when {@code dir} holds none: what a bare {@code sweep --run-dir DIR} resumes.
   */
  public static Map<String, Object> entriesIn(Path dir) {
    Path f = dir.resolve(PLAN_FILE);
    if (!Files.isRegularFile(f)) {
      return null;
    }
    return RunDirectory.JSON.convertValue(readJson(f).path("entries"), new TypeReference<Map<String, Object>>() {});
  }

  /** The keys a grid may set: the cells' learner's (and for a task, the task's). */
  static List<String> validKeys(SweepSpec base) {
    return base.learnerKind().rl() ? Learners.keys(base.learnerKind())
        : ConfigValues.keys(Tasks.keys(base.benchmark().name()), SupervisedConfig.KEYS);
  }

  private static List<Map<String, String>> settings(String key, List<String> values) {
    List<Map<String, String>> out = new ArrayList<>();
    values.forEach(v -> out.add(Map.of(key, v)));
    return out;
  }

  private static Map<String, List<Map<String, String>>> copy(Map<String, List<Map<String, String>>> g) {
    Map<String, List<Map<String, String>>> out = new LinkedHashMap<>();
    g.forEach((m, l) -> {
      List<Map<String, String>> c = new ArrayList<>();
      l.forEach(x -> c.add(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(x))));
      out.put(m, List.copyOf(c));
    });
    return java.util.Collections.unmodifiableMap(out);
  }

  private static int positive(Object v, String what) {
    try {
      int k = v instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(v).trim());
      if (k < 1) {
        throw new NumberFormatException();
      }
      return k;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " must be a positive integer, got '" + v + "'");
    }
  }

  /** A JSON file as a tree; an unreadable one is a one-line error. */
  public static JsonNode readJson(Path f) {
    try {
      return RunDirectory.JSON.readTree(f.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(f + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("")
          + ")");
    }
  }

  /** Writes {@code value} as pretty JSON to {@code f} atomically (a temporary file moved into place). */
  public static void writeJson(Path f, Object value) {
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    try {
      Files.createDirectories(f.toAbsolutePath().getParent());
      RunDirectory.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), value);
      Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode tree(Object o) {
    try {
      return RunDirectory.JSON.readTree(RunDirectory.JSON.writeValueAsString(o));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
