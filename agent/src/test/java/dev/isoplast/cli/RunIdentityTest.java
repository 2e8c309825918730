package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.isoplast.envs.sidecar.IsoplastHome;
import dev.isoplast.testing.Sidecar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixed-seed runs give the files they gave before (issue 22's identity test): four short runs,
 * through the CLI as a user starts them and the real env server, compared with golden files under
 * {@code src/test/resources/identity/} — PPO on CartPole-v1 (2 iterations, every monitor every
 * iteration, evaluation during and after training), DQN on CartPole-v1 (learning from step 100,
 * the target net synced every 50 steps, monitors), the built-in scenario cartpole-gravity cut to
 * 4 phases of 512 steps with a fresh reference per phase, and Random-Label MNIST (3 small tasks)
 * with continual backprop replacing units, with monitors. Each run's metrics.jsonl, summary.json,
 * config.yaml and fresh-reference rows are compared row by row, field by field: the same rows,
 * the same keys, the same values, except the fields that measure wall-clock time or name the
 * machine ({@link #UNCOMPARED}).
 *
 * <p>The golden numbers depend on the CPU they were computed on (OpenBLAS picks its kernels by CPU
 * type, and kernels sum in different orders). They are stored with a fingerprint of that CPU
 * ({@code cpu.txt}: the model name, family and model numbers and whether it has AVX2, AVX-512F and
 * AVX-512 BF16, {@link #cpuFingerprint}). On a CPU with the same
 * fingerprint every number must be equal to the last bit; on another one a number may differ by a
 * relative 1e-4 (absolute 1e-6 near zero), and a failure message says which mode applied.
 *
 * <p>A method added to the registry after the golden files were recorded adds its keys to every
 * config.yaml, at its off values: such keys ({@link #newMethodKeys}) are not differences, so a new
 * method needs no new golden files. Any other key, or a registry key with another value, is.
 * Likewise the keys an RL run's config.yaml gained when it came to hold the whole run spec
 * ({@link #SPEC_KEYS}, read back by {@code train --resume}), which golden files recorded before
 * lack: they are checked against the commands' own settings instead ({@link #newSpecKeys}).
 *
 * <p>To record the golden files again (only from code whose results are meant to be the reference,
 * e.g. main's HEAD before a refactoring that must not change them):
 * {@code mvn -q -pl agent -am test -Dtest=RunIdentityTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Didentity.record=true}; the test then writes the files and cpu.txt instead of comparing.
 */
class RunIdentityTest {

  /** Fields never compared: wall-clock measurements, dates, and what names the machine or the server's port. */
  static final Set<String> UNCOMPARED = Set.of(
      "charts/SPS", "monitors/ms", // metrics.jsonl: throughput and the monitors' time
      "sps", "steps_per_s", "wall_s", "monitor_s", // summary.json
      "created", "versions", "env_server"); // config.yaml: date, Java version, the server's address

  static final double RELATIVE = 1e-4;
  static final double ABSOLUTE = 1e-6;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static Path goldenDir() {
    return IsoplastHome.locate().resolve("agent/src/test/resources/identity");
  }

  private static boolean recording() {
    return Boolean.getBoolean("identity.record");
  }

  /**
   * What picks OpenBLAS's kernels: {@code OPENBLAS_CORETYPE} when set (./isoplast sets SKYLAKEX on
   * every CPU with AVX-512F), else this CPU's fingerprint: model name, family and model numbers (OpenBLAS's dynamic dispatch picks
   * its kernels by them: a virtual machine's model name, e.g. "Intel(R) Xeon(R) Processor", hides
   * the generation, and two generations under that name gave golden numbers differing in the 8th
   * digit), AVX2, AVX-512F and AVX-512 BF16 (Cooper Lake and later kernels).
   */
  static String cpuFingerprint() throws IOException {
    String coretype = System.getenv("OPENBLAS_CORETYPE");
    if (coretype != null && !coretype.isBlank()) { // the kernels chosen by name (./isoplast does on AVX-512 CPUs)
      return "OpenBLAS kernels " + coretype.trim().toUpperCase(java.util.Locale.ROOT) + " (OPENBLAS_CORETYPE)";
    }
    String name = "unknown";
    String family = "?";
    String model = "?";
    Set<String> flags = Set.of();
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      String value = line.substring(line.indexOf(':') + 1).trim();
      if (line.startsWith("model name") && name.equals("unknown")) {
        name = value;
      } else if (line.startsWith("cpu family") && family.equals("?")) {
        family = value;
      } else if (line.matches("model\\s*:.*") && model.equals("?")) {
        model = value;
      } else if (line.startsWith("flags") && flags.isEmpty()) {
        flags = Set.of(value.split("\\s+"));
      }
    }
    return name + "; family " + family + " model " + model + "; avx2=" + flags.contains("avx2") + "; avx512f="
        + flags.contains("avx512f") + "; avx512_bf16=" + flags.contains("avx512_bf16");
  }

  @Test
  void fixedSeedRunsGiveTheGoldenFiles(@TempDir Path tmp) throws IOException {
    String server = Sidecar.client().target();
    String[] common = {"--no-progress", "--env-server", server};
    List<String> runs = List.of("ppo", "dqn", "scenario", "supervised");
    train(tmp, "ppo", common, "train", "--algo", "ppo", "--env", "CartPole-v1", "--seed", "11", "--total-steps", "1024",
        "--monitor-cadence", "weights=1,dormancy=1,features=1,ntk=1,isometry=1", "--probe-size", "64",
        "--eval-episodes", "3", "--eval-every", "512");
    train(tmp, "dqn", common, "train", "--algo", "dqn", "--env", "CartPole-v1", "--seed", "12", "--total-steps", "600",
        "--set", "learning_starts=100", "--set", "train_frequency=2", "--set", "target_network_frequency=50",
        "--monitor-cadence", "weights=50,dormancy=50,features=100,ntk=100,isometry=100", "--probe-size", "64",
        "--eval-episodes", "2");
    train(tmp, "scenario", common, "train", "--algo", "ppo", "--scenario", "cartpole-gravity", "--phase-steps", "512",
        "--repeat", "1", "--fresh-reference", "--seed", "13", "--set", "num_steps=64", "--monitors",
        "weights,dormancy", "--monitor-cadence", "weights=1,dormancy=1", "--probe-size", "64", "--eval-episodes", "2");
    // random labels, 160 digits x 4 epochs = 640 examples (40 steps) a task; CBP replaces units from step 20 on
    train(tmp, "supervised", new String[] {"--no-progress"}, "continual", "--task", "random-label-mnist", "--method",
        "cbp", "--tasks", "3", "--seed", "3", "--set", "task_examples=160", "--set", "epochs=4", "--set",
        "cbp_maturity=20", "--set", "cbp_rate=0.01", "--monitor-cadence",
        "weights=10,dormancy=10,features=20,ntk=20,isometry=20", "--probe-size", "64");
    Path golden = goldenDir();
    if (recording()) {
      for (String run : runs) {
        for (Path f : compared(tmp.resolve(run))) {
          Path to = golden.resolve(run).resolve(f);
          Files.createDirectories(to.getParent());
          Files.copy(tmp.resolve(run).resolve(f), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.writeString(golden.resolve("cpu.txt"), cpuFingerprint() + "\n");
      System.err.println("RunIdentityTest: recorded the golden files in " + golden);
      return;
    }
    String recordedOn = Files.readString(golden.resolve("cpu.txt")).trim();
    boolean exact = recordedOn.equals(cpuFingerprint());
    String mode = exact ? "exact comparison: this CPU (" + recordedOn + ") is the one the golden files were recorded on"
        : "compared within a relative " + RELATIVE + " (absolute " + ABSOLUTE + "): the golden files were recorded on "
            + recordedOn + ", this CPU is " + cpuFingerprint();
    List<String> differences = new ArrayList<>(); // the first one of each file
    for (String run : runs) {
      Path want = golden.resolve(run);
      Path got = tmp.resolve(run);
      assertEquals(compared(want), compared(got), run + ": the files written");
      for (Path f : compared(want)) {
        List<JsonNode> w = read(want.resolve(f));
        List<JsonNode> g = read(got.resolve(f));
        if (f.toString().equals("config.yaml")) {
          newMethodKeys(w.get(0), g.get(0));
          newSpecKeys(w.get(0), g.get(0));
        }
        try {
          assertEquals(w.size(), g.size(), run + "/" + f + ": row count");
          for (int i = 0; i < w.size(); i++) {
            compare(w.get(i), g.get(i), run + "/" + f + " row " + (i + 1), exact);
          }
        } catch (AssertionError e) {
          differences.add(e.getMessage());
        }
      }
    }
    if (!differences.isEmpty()) {
      fail("the runs differ from the golden files (" + mode + "):\n  " + String.join("\n  ", differences));
    }
  }

  private static void train(Path tmp, String name, String[] common, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(common));
    all.addAll(List.of("--run-dir", tmp.resolve(name).toString()));
    long t0 = System.nanoTime();
    CliTest.Run r = CliTest.run(all.toArray(String[]::new));
    assertEquals(0, r.code(), name + ": " + r.err());
    System.err.printf("RunIdentityTest: %s run in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
  }

  /** The files of a run directory that are compared: metrics, summary, config and fresh-reference rows. */
  private static Set<Path> compared(Path dir) throws IOException {
    Set<Path> files = new TreeSet<>();
    for (String f : new String[] {"metrics.jsonl", "summary.json", "config.yaml"}) {
      if (Files.exists(dir.resolve(f))) {
        files.add(Path.of(f));
      }
    }
    if (Files.isDirectory(dir.resolve("fresh"))) {
      try (Stream<Path> s = Files.list(dir.resolve("fresh"))) {
        s.forEach(p -> files.add(dir.relativize(p)));
      }
    }
    return files;
  }

  /** The rows of a .jsonl file, or the one document of a .json or .yaml file. */
  private static List<JsonNode> read(Path file) throws IOException {
    String name = file.getFileName().toString();
    if (name.endsWith(".yaml")) {
      return List.of(YAML.readTree(file.toFile()));
    }
    if (name.endsWith(".json")) {
      return List.of(JSON.readTree(file.toFile()));
    }
    List<JsonNode> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        rows.add(JSON.readTree(line));
      }
    }
    return rows;
  }

  /** {@code got} equals {@code want} but for {@link #UNCOMPARED} fields (and, unless exact, within the tolerance). */
  static void compare(JsonNode want, JsonNode got, String where, boolean exact) {
    if (want.isObject() && got.isObject()) {
      Set<String> wk = keys((ObjectNode) want);
      Set<String> gk = keys((ObjectNode) got);
      if (!wk.equals(gk)) {
        Set<String> missing = new TreeSet<>(wk);
        missing.removeAll(gk);
        Set<String> extra = new TreeSet<>(gk);
        extra.removeAll(wk);
        fail(where + ": keys missing " + missing + ", keys not in the golden file " + extra + "");
      }
      for (String k : wk) {
        compare(want.get(k), got.get(k), where + " " + k, exact);
      }
    } else if (want.isArray() && got.isArray()) {
      assertEquals(want.size(), got.size(), where + ": length");
      for (int i = 0; i < want.size(); i++) {
        compare(want.get(i), got.get(i), where + "[" + i + "]", exact);
      }
    } else if (!exact && want.isNumber() && got.isNumber()) {
      double w = want.asDouble();
      double g = got.asDouble();
      // a condition number κ from float64 eigenvalues is known to a relative κ·ε at best (λ_min's
      // error is ε·λ_max): the NTK's reach 10¹³–10¹⁴, where two CPUs' kernels differ in the 3rd digit
      double relative = where.contains("cond") ? Math.max(RELATIVE, 4 * Math.ulp(1.0) * Math.abs(w)) : RELATIVE;
      if (!(Math.abs(w - g) <= Math.max(relative * Math.abs(w), ABSOLUTE))) {
        fail(where + ": expected " + want + " but was " + got + "");
      }
    } else if (!want.equals(got)) {
      fail(where + ": expected " + want + " but was " + got + "");
    }
  }

  /**
   * Removes from {@code got} (and its nested objects) every key that {@code want} lacks and that
   * belongs to a method part of the registry ({@code Methods.PARTS}) with the part's off value:
   * the keys of a method newer than the golden files, which a run without it writes at their
   * defaults. Returns the keys removed.
   */
  static Set<String> newMethodKeys(JsonNode want, JsonNode got) {
    Set<String> removed = new TreeSet<>();
    if (!(want instanceof ObjectNode w) || !(got instanceof ObjectNode g)) {
      return removed;
    }
    java.util.Map<String, Object> off = new java.util.LinkedHashMap<>();
    dev.isoplast.plasticity.Methods.PARTS.forEach(p -> dev.isoplast.config.RecordCodec.putInto(p.off(), off));
    for (String k : keys(g)) {
      if (w.has(k)) {
        removed.addAll(newMethodKeys(w.get(k), g.get(k)));
      } else if (off.containsKey(k) && sameValue(off.get(k), g.get(k))) {
        g.remove(k);
        removed.add(k);
      }
    }
    return removed;
  }

  private static boolean sameValue(Object value, JsonNode node) {
    if (value instanceof Number n) {
      return node.isNumber() && node.asDouble() == n.doubleValue();
    }
    if (value instanceof Boolean b) {
      return node.isBoolean() && node.asBoolean() == b;
    }
    return node.isTextual() && node.asText().equals(String.valueOf(value));
  }

  /**
   * The keys of an RL run's config.yaml that the golden files predate: evaluation and monitors at
   * the top, the phase length and cycles under {@code scenario}.
   */
  static final Set<String> SPEC_KEYS = Set.of("eval", "monitors", "scenario.phase_steps", "scenario.repeat");

  /**
   * Removes from {@code got} the {@link #SPEC_KEYS} that {@code want} lacks, after checking the
   * ones whose values the identity runs' commands fix (PPO: 3 evaluation episodes every 512 steps,
   * probe batch 64; the scenario: 512-step phases, one cycle). Returns the keys removed.
   */
  static Set<String> newSpecKeys(JsonNode want, JsonNode got) {
    Set<String> removed = new TreeSet<>();
    if (!(want instanceof ObjectNode w) || !(got instanceof ObjectNode g) || !w.has("algo")) {
      return removed;
    }
    for (String key : SPEC_KEYS) {
      int dot = key.indexOf('.');
      ObjectNode wp = dot < 0 ? w : w.get(key.substring(0, dot)) instanceof ObjectNode o ? o : null;
      ObjectNode gp = dot < 0 ? g : g.get(key.substring(0, dot)) instanceof ObjectNode o ? o : null;
      String name = key.substring(dot + 1);
      if (wp != null && gp != null && !wp.has(name) && gp.has(name)) {
        JsonNode value = gp.remove(name);
        removed.add(key);
        if (key.equals("eval") && w.path("seed").asLong() == 11) {
          assertEquals("{\"episodes\":3,\"every\":512}", value.toString(), "ppo: config.yaml eval");
        } else if (key.equals("monitors")) {
          assertEquals(64, value.path("probe_size").asInt(), "config.yaml monitors: " + value);
        } else if (key.equals("scenario.phase_steps")) {
          assertEquals(512, value.asLong(), "config.yaml scenario.phase_steps");
        } else if (key.equals("scenario.repeat")) {
          assertEquals(1, value.asInt(), "config.yaml scenario.repeat");
        }
      }
    }
    return removed;
  }

  @Test
  void aNewMethodsKeysAtTheirOffValuesAreNoDifference() throws IOException {
    JsonNode want = YAML.readTree("algo: ppo\nppo:\n  learning_rate: 2.5E-4\n");
    JsonNode got = YAML.readTree("algo: ppo\nppo:\n  learning_rate: 2.5E-4\n  reset_every: 0\n  reset_at_phase: false\n"
        + "  shrink_perturb: none\n  shrink_p: 1.0\n");
    assertEquals(Set.of("reset_every", "reset_at_phase", "shrink_perturb", "shrink_p"), newMethodKeys(want, got));
    compare(want, got, "config.yaml", true);
    for (String on : List.of("reset_every: 5", "reset_at_phase: true", "shrink_p: 0.5", "not_a_method_key: 0")) {
      JsonNode g = YAML.readTree("algo: ppo\nppo:\n  learning_rate: 2.5E-4\n  " + on + "\n");
      assertEquals(Set.of(), newMethodKeys(want, g), on);
      AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
          () -> compare(want, g, "config.yaml", true), on);
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("keys not in the golden file ["
          + on.substring(0, on.indexOf(':')) + "]"), e.getMessage());
    }
  }

  private static Set<String> keys(ObjectNode node) {
    Set<String> keys = new TreeSet<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
      String k = it.next();
      if (!UNCOMPARED.contains(k)) {
        keys.add(k);
      }
    }
    return keys;
  }
}
