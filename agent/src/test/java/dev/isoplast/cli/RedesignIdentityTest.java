package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isoplast.testing.Sidecar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redesign changed nothing: short PPO and DQN runs give the metrics that the code before the
 * shared gradient step gave (golden files from commit 8631b20, see src/test/resources/golden).
 * Timing fields are left out, and keys the old code did not log (the revival fractions) are
 * allowed.
 */
class RedesignIdentityTest {

  /**
   * The golden runs predate the Java pass for small layer products (Kernels.smallAffine), which sums
   * in another order than BLAS and so changes every trajectory in its last bits: they are compared
   * with it off, as the code that wrote them computed.
   */
  @org.junit.jupiter.api.BeforeAll
  static void gemmOnly() {
    System.setProperty(dev.isoplast.nn.Dense.SMALL_AFFINE_PROPERTY, "0");
  }

  @org.junit.jupiter.api.AfterAll
  static void defaults() {
    System.clearProperty(dev.isoplast.nn.Dense.SMALL_AFFINE_PROPERTY);
  }

  private static final Set<String> TIMING = Set.of("charts/SPS", "monitors/ms");

  /**
   * The NTK's condition number changed on purpose after the golden files were written: the NTK is
   * computed in float64 since 69fa498, so it is no longer capped near 1/(B·ε₃₂) (28,898 in the
   * golden rows, 3.7·10¹³ now). The other NTK figures agree within the tolerance.
   */
  private static final String NTK_COND = "plasticity/ntk_cond";

  /**
   * Metrics measured on the monitors' probe batch (dormancy, revival, NTK, features, isometry)
   * changed on purpose too: the probe draws became counter-based (one stream per refresh) so that a
   * checkpoint can hold them (issue 14). The redesign itself (7035941) matched these rows as well;
   * since then only the training rows (losses, returns, weights) are held to the golden files.
   */
  private static boolean probeDependent(String key) {
    return key.startsWith("plasticity/") || key.startsWith("isometry/");
  }
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> golden(String name) throws IOException {
    try (InputStream in = RedesignIdentityTest.class.getResourceAsStream("/golden/" + name)) {
      List<JsonNode> rows = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          rows.add(JSON.readTree(line));
        }
      }
      return rows;
    }
  }

  private static void assertSameRows(List<JsonNode> expected, Path metrics) throws IOException {
    List<String> lines = Files.readAllLines(metrics);
    assertEquals(expected.size(), lines.size(), "row count of " + metrics);
    for (int i = 0; i < expected.size(); i++) {
      JsonNode want = expected.get(i);
      JsonNode got = JSON.readTree(lines.get(i));
      Iterator<String> keys = want.fieldNames();
      while (keys.hasNext()) {
        String k = keys.next();
        if (TIMING.contains(k) || k.startsWith(NTK_COND) || probeDependent(k)) {
          continue;
        }
        assertTrue(got.has(k), "row " + i + " lacks " + k + ": " + got);
        JsonNode w = want.get(k);
        JsonNode g = got.get(k);
        if (w.isNumber()) {
          double tol = 1e-3 * Math.abs(w.asDouble()) + 1e-6;
          assertEquals(w.asDouble(), g.asDouble(), tol, "row " + i + " (global_step " + want.get("global_step") + ") " + k);
        } else {
          assertEquals(w, g, "row " + i + " " + k);
        }
      }
    }
  }

  @Test
  void ppoAndDqnRunsMatchTheRunsBeforeTheRedesign(@TempDir Path tmp) throws IOException {
    String server = Sidecar.client().target();
    CliTest.Run ppo = CliTest.run("train", "--algo", "ppo", "--env", "CartPole-v1", "--seed", "11", "--total-steps",
        "1536", "--monitor-cadence", "weights=1,dormancy=1,features=1,ntk=1,isometry=1", "--probe-size", "64",
        "--eval-episodes", "0", "--no-progress", "--env-server", server, "--run-dir", tmp.resolve("ppo").toString());
    assertEquals(0, ppo.code(), ppo.err());
    assertSameRows(golden("ppo-cartpole-seed11.jsonl"), tmp.resolve("ppo/metrics.jsonl"));
    CliTest.Run dqn = CliTest.run("train", "--algo", "dqn", "--env", "CartPole-v1", "--seed", "12", "--total-steps",
        "600", "--set", "learning_starts=100", "--set", "train_frequency=1", "--set", "target_network_frequency=50",
        "--monitor-cadence", "weights=100,dormancy=100,features=100,ntk=100,isometry=100", "--probe-size", "64",
        "--eval-episodes", "0", "--no-progress", "--env-server", server, "--run-dir", tmp.resolve("dqn").toString());
    assertEquals(0, dqn.code(), dqn.err());
    assertSameRows(golden("dqn-cartpole-seed12.jsonl"), tmp.resolve("dqn/metrics.jsonl"));
  }
}
