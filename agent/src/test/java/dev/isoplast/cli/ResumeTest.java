package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isoplast.runs.Checkpoints;
import dev.isoplast.testing.ChildJvm;
import dev.isoplast.testing.VenvPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints and --resume of supervised runs: a run killed with SIGKILL after a checkpoint, or
 * stopped with SIGTERM (which writes one at the end of the task in progress), and resumed writes the
 * same metrics.jsonl rows and summary as a run that was never interrupted (timing fields aside), with
 * nothing doubled in metrics.jsonl or the TensorBoard file.
 */
class ResumeTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** metrics.jsonl without the wall-clock fields. */
  static List<String> rows(Path run) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      var row = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
      row.remove("monitors/ms");
      row.remove("charts/SPS");
      out.add(row.toString());
    }
    return out;
  }

  @Test
  void aSupervisedRunWithContinualBackpropKilledAfterACheckpointResumesToTheSameRows(@TempDir Path tmp)
      throws Exception {
    // random labels, 160 digits x 8 epochs = 1,280 examples (80 steps) a task; CBP replaces units from step 20 on
    String[] job = {"continual", "--task", "random-label-mnist", "--method", "cbp", "--tasks", "6", "--seed", "3",
        "--set", "task_examples=160", "--set", "epochs=8", "--set", "cbp_maturity=20", "--set", "cbp_rate=0.01",
        "--monitor-cadence", "weights=10,dormancy=10,features=40,ntk=40,isometry=40", "--probe-size", "64",
        "--checkpoint-every", "1280", "--no-progress"};
    Path whole = tmp.resolve("whole");
    CliTest.Run a = CliTest.run(concat(job, "--run-dir", whole.toString()));
    assertEquals(0, a.code(), a.err());

    Path cut = tmp.resolve("cut");
    Process p = ChildJvm.start(tmp.resolve("cut.log"), concat(job, "--run-dir", cut.toString()));
    Checkpoints ckpts = new Checkpoints(cut);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (p.isAlive() && ckpts.files().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(p.isAlive(), "the child finished before it could be killed: " + Files.readString(tmp.resolve("cut.log")));
    p.destroyForcibly(); // SIGKILL: no shutdown hook, no flush beyond what was written
    p.waitFor(30, TimeUnit.SECONDS);
    long killedAt = Checkpoints.read(ckpts.files().get(ckpts.files().size() - 1)).step();
    assertTrue(killedAt < 6 * 1280L, "killed before the end: last checkpoint at " + killedAt);
    assertTrue(!Files.exists(cut.resolve("summary.json"))
        || !JSON.readTree(cut.resolve("summary.json").toFile()).path("status").asText().equals("completed"));

    CliTest.Run r = CliTest.run("continual", "--resume", cut.toString(), "--checkpoint-every", "1280",
        "--no-progress");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("resuming " + cut), r.err());
    assertEquals(rows(whole), rows(cut), "the resumed run's rows equal the uninterrupted run's");
    JsonNode sa = JSON.readTree(whole.resolve("summary.json").toFile());
    JsonNode sb = JSON.readTree(cut.resolve("summary.json").toFile());
    assertEquals(sa.get("tasks"), sb.get("tasks"));
    assertEquals("completed", sb.get("status").asText());
    assertTrue(sb.get("tasks").get(5).get("accuracy").asDouble() > 0, sb.toString());
    double replaced = 0;
    for (String row : rows(cut)) {
      JsonNode n = JSON.readTree(row);
      replaced = Math.max(replaced, n.path("plasticity/cbp_replaced_total").asDouble(0));
    }
    assertTrue(replaced > 0, "CBP replaced units, so its state (utilities, ages, accumulators) mattered");
    // TensorBoard: one event file, every step once per tag (nothing written twice by the resumed run)
    JsonNode tb = VenvPython.json("agent/src/test/python/tensorboard_dump.py", cut.toString());
    assertEquals(1, tb.get("files").size(), tb.get("files").toString());
    JsonNode acc = tb.get("scalars").get("continual/accuracy");
    assertEquals(6, acc.size(), "one continual/accuracy per task: " + acc);
    for (int k = 0; k < 6; k++) {
      assertEquals(1280L * (k + 1), acc.get(k).get(0).asLong());
      assertEquals(sb.get("tasks").get(k).get("accuracy").floatValue(), (float) acc.get(k).get(1).asDouble(), 0f);
    }
  }

  @Test
  void aSupervisedRunStoppedWithSigtermCheckpointsAtTheTaskEndAndResumesToTheSameRows(@TempDir Path tmp)
      throws Exception {
    // 160 digits x 4 epochs = 640 examples a task; no scheduled checkpoint: the only one before the end is the stop's
    String[] job = {"continual", "--task", "random-label-mnist", "--method", "cbp", "--tasks", "4", "--seed", "4",
        "--set", "task_examples=160", "--set", "epochs=4", "--set", "cbp_maturity=20", "--monitors", "weights,dormancy",
        "--monitor-cadence", "weights=10,dormancy=10", "--probe-size", "64", "--checkpoint-every", "0", "--no-progress"};
    Path whole = tmp.resolve("whole");
    CliTest.Run a = CliTest.run(concat(job, "--run-dir", whole.toString()));
    assertEquals(0, a.code(), a.err());

    Path cut = tmp.resolve("cut");
    Path log = tmp.resolve("cut.log");
    Process p = ChildJvm.start(log, concat(job, "--run-dir", cut.toString()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (p.isAlive() && System.nanoTime() < deadline && !(Files.exists(cut.resolve("metrics.jsonl"))
        && Files.readString(cut.resolve("metrics.jsonl")).contains("continual/accuracy"))) {
      Thread.sleep(10);
    }
    assertTrue(p.isAlive(), "the child finished before it could be stopped: " + Files.readString(log));
    p.destroy(); // SIGTERM after the first task's end
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String stopped = Files.readString(log);
    assertEquals(130, p.exitValue(), stopped);
    assertTrue(stopped.contains("continue with: isoplast continual --resume " + cut), stopped);
    JsonNode summary = JSON.readTree(cut.resolve("summary.json").toFile());
    assertEquals("stopped", summary.get("status").asText(), summary.toString());
    List<Path> files = new Checkpoints(cut).files();
    assertEquals(1, files.size(), files.toString());
    long at = Checkpoints.read(files.get(0)).step();
    assertTrue(at % 640 == 0 && at >= 640 && at < 4 * 640, "a checkpoint at a task end before the last: " + at);
    assertEquals(at / 640, summary.get("tasks").size(), "the summary lists the tasks done: " + summary);

    CliTest.Run r = CliTest.run("continual", "--resume", cut.toString(), "--no-progress");
    assertEquals(0, r.code(), r.err());
    assertEquals(rows(whole), rows(cut), "the resumed run's rows equal the uninterrupted run's");
    JsonNode sb = JSON.readTree(cut.resolve("summary.json").toFile());
    assertEquals(JSON.readTree(whole.resolve("summary.json").toFile()).get("tasks"), sb.get("tasks"));
    assertEquals("completed", sb.get("status").asText());
  }

  static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
