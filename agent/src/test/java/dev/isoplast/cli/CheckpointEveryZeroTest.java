package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isoplast.runs.Checkpoints;
import dev.isoplast.testing.Sidecar;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --checkpoint-every 0} means "only at the end" for both commands that train: the run
 * completes and leaves exactly one checkpoint, at its last step, under the default retention
 * (issue 22: {@code continual} used to train every task and then fail with "/ by zero").
 */
class CheckpointEveryZeroTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aSupervisedRunCheckpointsOnlyAtItsEnd(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("zero");
    // 160 digits x 2 epochs = 320 examples a task, 3 tasks
    CliTest.Run r = CliTest.run("continual", "--task", "random-label-mnist", "--tasks", "3", "--set",
        "task_examples=160", "--set", "epochs=2", "--monitors", "none", "--checkpoint-every", "0", "--no-progress",
        "--run-dir", dir.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("completed", JSON.readTree(dir.resolve("summary.json").toFile()).get("status").asText());
    assertOneCheckpointAt(dir, 3 * 320);
    CliTest.Run again = CliTest.run("continual", "--resume", dir.toString(), "--no-progress");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("is complete"), again.out());
  }

  @Test
  void anRlRunCheckpointsOnlyAtItsEnd(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("zero");
    CliTest.Run r = CliTest.run("train", "--algo", "ppo", "--env", "CartPole-v1", "--seed", "2", "--total-steps",
        "1024", "--monitors", "none", "--eval-episodes", "0", "--checkpoint-every", "0", "--no-progress",
        "--env-server", Sidecar.client().target(), "--run-dir", dir.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("completed", JSON.readTree(dir.resolve("summary.json").toFile()).get("status").asText());
    assertOneCheckpointAt(dir, 1024);
  }

  private static void assertOneCheckpointAt(Path dir, long step) {
    List<Path> files = new Checkpoints(dir).files();
    assertEquals(1, files.size(), "one checkpoint: " + files);
    assertEquals(step, Checkpoints.read(files.get(0)).step(), files.get(0).toString());
  }
}
