package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isoplast.runs.Checkpoints;
import dev.isoplast.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency of a sweep: the sweep process itself killed with {@code kill -9} in the middle
 * of a 6-cell sweep (its running cells stop with it), then rerun: every cell completes with the
 * metrics of an uninterrupted sweep, row for row, none doubled, and sweep.json lists each cell once.
 */
class SweepCrashTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> sweep(Path dir) {
    // 6 cells of slowly-changing regression, 6 tasks each, a checkpoint at every task end; tasks of
    // 1,000 examples (~0.5 s each here), so that a cell killed with 3 tasks left cannot finish in the
    // half second its watch on the sweep takes to notice
    return new ArrayList<>(List.of("sweep", "--task", "slowly-changing-regression", "--tasks", "6", "--set",
        "flip_after=1000", "--methods", "adam,adamo,l2", "--seeds", "1-2", "--workers", "2", "--monitors", "none",
        "--checkpoint-every", "1", "--keep-checkpoints", "1", "--run-dir", dir.toString(), "--no-progress"));
  }

  /** A run's metric rows without the wall-clock ones ({@link ResumeTest#rows}), each at a step after the last. */
  private static List<String> rows(Path run) throws Exception {
    long last = -1;
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      long step = JSON.readTree(line).get("global_step").asLong();
      assertTrue(step > last, run + ": row at step " + step + " after one at " + last + " (a doubled row)");
      last = step;
    }
    return ResumeTest.rows(run);
  }

  @Test
  void aSweepKilledWithSigkillMidwayCompletesOnRerunWithTheRowsOfAnUninterruptedSweep(@TempDir Path tmp)
      throws Exception {
    Path whole = tmp.resolve("whole");
    CliTest.Run w = CliTest.run(sweep(whole).toArray(String[]::new));
    assertEquals(0, w.code(), w.err() + w.out());

    // the step of a cell's last checkpoint: a checkpoint before it is part-way (the final one is
    // written just before summary.json, and a cell holding it has nothing left to train)
    long finalStep = step(new Checkpoints(whole.resolve(cells(whole).get(0))).files().get(0));
    Path cut = tmp.resolve("cut");
    Process p = ChildJvm.start(tmp.resolve("cut.log"), sweep(cut).toArray(String[]::new));
    // kill it once a cell has finished and another is part-way with at least half its tasks left (a
    // checkpoint at or before the third task's end, no summary yet): a cell nearer its end could
    // finish before it notices that the sweep is gone, and then nothing would be left to continue
    long halfway = finalStep / 2;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    boolean midway = false;
    while (p.isAlive() && !midway && System.nanoTime() < deadline) {
      Thread.sleep(50);
      int finished = 0;
      int partway = 0;
      for (String cell : cells(cut)) {
        Path run = cut.resolve(cell);
        if (Files.exists(run.resolve("summary.json"))) {
          finished++;
        } else if (new Checkpoints(run).files().stream().anyMatch(f -> step(f) <= halfway)) {
          partway++;
        }
      }
      midway = finished >= 1 && partway >= 1 && finished < 6;
    }
    assertTrue(p.isAlive() && midway, "the sweep must be killed midway: " + Files.readString(tmp.resolve("cut.log")));
    long sweepPid = p.pid();
    List<ProcessHandle> cellsRunning = p.descendants().filter(h -> h.info().commandLine().orElse("")
        .contains("continual")).toList();
    p.destroyForcibly(); // SIGKILL of the sweep process itself: no shutdown hook runs
    p.waitFor(30, TimeUnit.SECONDS);
    for (ProcessHandle h : cellsRunning) { // its cells notice within a second and stop
      h.onExit().get(20, TimeUnit.SECONDS);
    }
    JsonNode killedIndex = JSON.readTree(cut.resolve("sweep.json").toFile());
    assertTrue(killedIndex.toString().contains("\"status\":\"running\""), "killed while cells ran (pid " + sweepPid
        + "): " + killedIndex);

    CliTest.Run again = CliTest.run(sweep(cut).toArray(String[]::new));
    assertEquals(0, again.code(), again.err() + again.out());
    assertTrue(again.out().matches("(?s).*6 cells: [1-5] skipped \\(finished before\\), [1-5] completed now, 0 failed.*"),
        again.out());
    JsonNode index = JSON.readTree(cut.resolve("sweep.json").toFile());
    assertEquals(6, index.get("cells").size());
    int resumed = 0;
    for (JsonNode c : index.get("cells")) {
      assertEquals("completed", c.get("status").asText(), c.toString());
      String dir = c.get("run_dir").asText();
      assertEquals(rows(whole.resolve(dir)), rows(cut.resolve(dir)), dir + ": the rows of the uninterrupted sweep");
      JsonNode a = JSON.readTree(whole.resolve(dir).resolve("summary.json").toFile());
      JsonNode b = JSON.readTree(cut.resolve(dir).resolve("summary.json").toFile());
      assertEquals(a.get("tasks"), b.get("tasks"), dir);
      assertEquals(1, new Checkpoints(cut.resolve(dir)).files().size(), "a completed cell keeps its final checkpoint");
      resumed += Files.readString(cut.resolve(dir).resolve("cell.log")).contains("resuming this cell") ? 1 : 0;
    }
    assertTrue(resumed >= 1, "a cell cut short continued from its checkpoint");
  }

  /** The step a checkpoint file is named by ({@code ckpt-<step>.bin}). */
  private static long step(Path checkpoint) {
    String name = checkpoint.getFileName().toString();
    return Long.parseLong(name.substring("ckpt-".length(), name.length() - ".bin".length()));
  }

  private static List<String> cells(Path sweepDir) {
    List<String> out = new ArrayList<>();
    for (String m : new String[] {"adam", "adamo", "l2"}) {
      for (int s = 1; s <= 2; s++) {
        out.add(m + "__seed" + s);
      }
    }
    return out;
  }
}
