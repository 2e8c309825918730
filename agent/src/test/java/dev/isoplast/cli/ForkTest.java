package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.isoplast.testing.VenvPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code continual --fork}: a run forked from another's checkpoint with nothing changed is the
 * uninterrupted run, row for row (so a fork that changes one key is exactly paired with it); one
 * that changes a key keeps the source's rows up to the checkpoint and differs after it; what cannot
 * be forked is a usage error that writes nothing.
 */
class ForkTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Permuted MNIST, AdamO, 160 examples a task (10 steps), the monitors every 5 steps. */
  private static final String[] JOB = {"continual", "--task", "permuted-mnist", "--method", "adamo", "--seed", "2",
      "--set", "task_examples=160", "--monitors", "dormancy,isometry,ntk", "--monitor-cadence",
      "dormancy=5,isometry=5,ntk=5", "--probe-size", "32", "--checkpoint-every", "0", "--no-progress"};

  @TempDir
  static Path tmp;
  static Path whole;
  static Path base;

  @BeforeAll
  static void runs() {
    whole = tmp.resolve("whole");
    CliTest.Run a = CliTest.run(ResumeTest.concat(JOB, "--tasks", "4", "--run-dir", whole.toString()));
    assertEquals(0, a.code(), a.err());
    base = tmp.resolve("base");
    CliTest.Run b = CliTest.run(ResumeTest.concat(JOB, "--tasks", "2", "--run-dir", base.toString()));
    assertEquals(0, b.code(), b.err());
  }

  @Test
  void aForkThatChangesNothingIsTheUninterruptedRun() throws Exception {
    Path f = tmp.resolve("same");
    CliTest.Run r = CliTest.run("continual", "--fork", base.toString(), "--tasks", "4", "--run-dir", f.toString(),
        "--no-progress");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("forking " + base), r.err());
    assertEquals(ResumeTest.rows(whole), ResumeTest.rows(f), "the fork's rows equal the uninterrupted run's");
    JsonNode sw = JSON.readTree(whole.resolve("summary.json").toFile());
    JsonNode sf = JSON.readTree(f.resolve("summary.json").toFile());
    assertEquals(sw.get("tasks"), sf.get("tasks"));
    assertEquals("completed", sf.get("status").asText());
    JsonNode origin = YAML.readTree(f.resolve("config.yaml").toFile()).get("forked_from");
    assertEquals(2, origin.get("task").asInt(), origin.toString());
    assertEquals(0, origin.get("changed").size(), origin.toString());
    // the event file: copied and continued, every task's accuracy once
    JsonNode tb = VenvPython.json("agent/src/test/python/tensorboard_dump.py", f.toString());
    assertEquals(1, tb.get("files").size(), tb.get("files").toString());
    JsonNode acc = tb.get("scalars").get("continual/accuracy");
    assertEquals(4, acc.size(), acc.toString());
    for (int k = 0; k < 4; k++) {
      assertEquals(sf.get("tasks").get(k).get("accuracy").floatValue(), (float) acc.get(k).get(1).asDouble(), 0f);
    }
    // the source is left as it was
    assertEquals(2, JSON.readTree(base.resolve("summary.json").toFile()).get("tasks").size());
  }

  @Test
  void aForkThatChangesTheIsometryCoefficientKeepsTheRowsBeforeTheCheckpointAndDiffersAfter() throws Exception {
    Path f = tmp.resolve("iso");
    CliTest.Run r = CliTest.run("continual", "--fork", base.toString(), "--tasks", "4", "--set", "iso_coef=0.5",
        "--run-dir", f.toString(), "--no-progress");
    assertEquals(0, r.code(), r.err());
    List<String> before = ResumeTest.rows(base);
    List<String> rows = ResumeTest.rows(f);
    List<String> uninterrupted = ResumeTest.rows(whole);
    assertEquals(before, rows.subList(0, before.size()), "the source's rows up to its checkpoint");
    assertEquals(uninterrupted.size(), rows.size());
    assertNotEquals(uninterrupted.subList(before.size(), rows.size()), rows.subList(before.size(), rows.size()),
        "after the fork the larger isometry step changes the run");
    JsonNode config = YAML.readTree(f.resolve("config.yaml").toFile());
    assertEquals(0.5, config.get("supervised").get("iso_coef").asDouble());
    assertEquals(0.5, config.get("forked_from").get("changed").get("iso_coef").asDouble());
    assertEquals(base.toAbsolutePath().normalize().toString(), config.get("forked_from").get("run").asText());
    // the fork resumes like any run: its config.yaml is the whole new spec
    CliTest.Run again = CliTest.run("continual", "--resume", f.toString(), "--no-progress");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("is complete"), again.out());
  }

  @Test
  void whatCannotBeForkedIsAUsageErrorThatWritesNothing() {
    String b = base.toString();
    expectUsage("needs --run-dir", "continual", "--fork", b, "--tasks", "4");
    expectUsage("--seed cannot be given with it", "continual", "--fork", b, "--tasks", "4", "--seed", "3",
        "--run-dir", tmp.resolve("e1").toString());
    expectUsage("task keys [task_examples] cannot change", "continual", "--fork", b, "--tasks", "4", "--set",
        "task_examples=100", "--run-dir", tmp.resolve("e2").toString());
    expectUsage("nothing is left to train", "continual", "--fork", b, "--run-dir", tmp.resolve("e3").toString());
    expectUsage("does not fit the new settings", "continual", "--fork", b, "--tasks", "4", "--set",
        "hidden_sizes=[50, 50]", "--run-dir", tmp.resolve("e4").toString());
    for (String e : List.of("e1", "e2", "e3", "e4")) {
      assertFalse(Files.exists(tmp.resolve(e)), e + " was not created");
    }
  }

  private static void expectUsage(String message, String... args) {
    CliTest.Run r = CliTest.run(args);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(message), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
  }
}
