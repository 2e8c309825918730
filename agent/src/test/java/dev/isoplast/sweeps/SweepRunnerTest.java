package dev.isoplast.sweeps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.runs.Checkpoints;
import dev.isoplast.runs.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep runner with cells played by small shell scripts (no JVM, no env server): which cells
 * run, in clean directories, how a failure is recorded, and what sweep.json says. The real cells
 * through the real sidecar are in {@code cli.SweepCliTest}.
 */
class SweepRunnerTest {

  @TempDir
  Path tmp;

  /** methods a, b (presets adam, adamo) x seeds 1, 2. */
  private static SweepSpec spec(int workers) {
    return new SweepSpec(new SweepSpec.ScenarioBenchmark("cartpole-permute", 1024L, 1, false), "ppo",
        List.of("adam", "adamo"), List.of(1L, 2L), Map.of(), null, null, workers);
  }

  private static List<String> commands(SweepSpec s, Path dir) {
    return s.cells().stream().map(c -> "isoplast " + CommandLines.join(s.cellArgs(c, dir.resolve(c.runDir())))).toList();
  }

  /**
   * A fake cell: appends "method seed" to {@code ran.txt}, writes the child's OMP_NUM_THREADS, and
   * writes a completed summary.json into its --run-dir, except for method adamo with seed 2, which
   * prints a CLI-style error and exits 2.
   */
  private SweepRunner.CellLauncher fake(Path ran) {
    String script = """
        method=""; seed=""; dir=""
        while [ $# -gt 0 ]; do
          case "$1" in --method) method="$2"; shift;; --seed) seed="$2"; shift;; --run-dir) dir="$2"; shift;;
            --resume) dir="$2"; method="resume"; seed="$(basename "$2")"; shift;; esac
          shift
        done
        echo "$method $seed" >> "%s"
        echo "$OMP_NUM_THREADS" > "$dir/omp.txt"
        if [ "$method $seed" = "adamo 2" ]; then echo "some output"; echo "error: adamo diverged at step 512" >&2; exit 2; fi
        echo '{"status":"completed","final_mean_return":1.0}' > "$dir/summary.json"
        """.formatted(ran);
    return (args, worker) -> {
      List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "cell"));
      cmd.addAll(args);
      return new ProcessBuilder(cmd);
    };
  }

  @Test
  void everyCellRunsAndAFailedOneIsRecordedWithItsErrorWhileTheOthersComplete() throws Exception {
    Path dir = tmp.resolve("sweep");
    SweepSpec s = spec(2);
    SweepIndex index = new SweepIndex(dir, s, commands(s, dir), null);
    index.addInvocation("isoplast sweep --scenario cartpole-permute ...", Map.of("workers", 2));
    Path ran = tmp.resolve("ran.txt");
    SweepRunner.Outcome o = new SweepRunner(dir, s, index, fake(ran), false).run();
    assertEquals(new SweepRunner.Outcome(4, 0, 3, 1, 0), o);
    assertEquals(List.of("adam 1", "adam 2", "adamo 1", "adamo 2"), Files.readAllLines(ran).stream().sorted().toList());

    JsonNode json = RunDirectory.JSON.readTree(dir.resolve("sweep.json").toFile());
    assertEquals(SweepIndex.FORMAT, json.get("format").asInt());
    assertEquals("isoplast sweep --scenario cartpole-permute ...", json.get("command").asText());
    assertEquals(List.of("adam", "adamo"), List.of(json.at("/spec/methods/0").asText(), json.at("/spec/methods/1").asText()));
    // two workers on this machine's cores: each child got cores/2 threads (at least 1), unless set outside
    String omp = System.getenv("OMP_NUM_THREADS");
    int expected = omp != null ? Integer.parseInt(omp) : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    assertEquals(String.valueOf(expected), Files.readString(dir.resolve("adam__seed1/omp.txt")).trim());
    assertEquals(expected, json.get("cell_threads").asInt());
    JsonNode cells = json.get("cells");
    assertEquals(4, cells.size());
    for (int i = 0; i < 4; i++) {
      JsonNode c = cells.get(i);
      assertEquals(i, c.get("index").asInt());
      assertEquals(s.cell(i).method(), c.get("method").asText());
      assertEquals(s.cell(i).seed(), c.get("seed").asLong());
      assertEquals("cartpole-permute", c.get("benchmark").asText());
      assertEquals(s.cell(i).runDir(), c.get("run_dir").asText());
      assertTrue(c.get("wall_s").asDouble() >= 0);
      assertEquals(expected, c.get("threads").asInt());
      assertTrue(c.get("command").asText().startsWith("OMP_NUM_THREADS=" + expected
          + " isoplast train --algo ppo --scenario cartpole-permute"), "reproducible with its thread count");
      boolean failing = i == 3; // adamo seed 2
      assertEquals(failing ? "failed" : "completed", c.get("status").asText());
      if (failing) {
        assertEquals("adamo diverged at step 512", c.get("error").asText(), "the child's one-line error");
      } else {
        assertTrue(c.get("error").isNull());
      }
    }
    assertEquals(3, json.at("/counts/completed").asInt());
    assertEquals(1, json.at("/counts/failed").asInt());
    // the child's output is kept next to its run
    assertTrue(Files.readString(dir.resolve("adamo__seed2").resolve(SweepRunner.LOG)).contains("some output"));
  }

  @Test
  void aRestartSkipsFinishedCellsAndRerunsUnfinishedOnesInACleanDirectory() throws Exception {
    Path dir = tmp.resolve("sweep");
    SweepSpec s = spec(1);
    // cell 0 finished before; cell 1 was cut short (metrics, no summary); cell 2 failed; cell 3 never started
    Files.createDirectories(dir.resolve("adam__seed1"));
    Files.writeString(dir.resolve("adam__seed1/summary.json"), "{\"status\":\"completed\",\"final_mean_return\":7}");
    Files.createDirectories(dir.resolve("adamo__seed1"));
    Files.writeString(dir.resolve("adamo__seed1/metrics.jsonl"), "{\"global_step\":128}\n{\"global_st");
    Files.writeString(dir.resolve("adamo__seed1/stale.txt"), "from the killed attempt");
    Files.createDirectories(dir.resolve("adam__seed2"));
    Files.writeString(dir.resolve("adam__seed2/summary.json"), "{\"status\":\"failed\",\"error\":\"x\"}");
    SweepIndex index = new SweepIndex(dir, s, commands(s, dir), null);
    assertEquals(SweepIndex.Status.COMPLETED, index.entries().get(0).status());
    assertEquals(1, index.count(SweepIndex.Status.COMPLETED));

    Path ran = tmp.resolve("ran.txt");
    SweepRunner.Outcome o = new SweepRunner(dir, s, index, fake(ran), false).run();
    assertEquals(List.of("adamo 1", "adam 2", "adamo 2"), Files.readAllLines(ran), "index order, cell 0 skipped");
    assertEquals(new SweepRunner.Outcome(4, 1, 2, 1, 0), o);
    assertEquals("{\"status\":\"completed\",\"final_mean_return\":7}",
        Files.readString(dir.resolve("adam__seed1/summary.json")), "the finished cell is untouched");
    assertFalse(Files.exists(dir.resolve("adam__seed1/omp.txt")), "and was not run");
    assertFalse(Files.exists(dir.resolve("adamo__seed1/stale.txt")), "the unfinished cell restarts from scratch");
    assertFalse(Files.exists(dir.resolve("adamo__seed1/metrics.jsonl")));
    assertTrue(RunDirectory.isCompleted(dir.resolve("adamo__seed1")));
    assertTrue(RunDirectory.isCompleted(dir.resolve("adam__seed2")), "a failed cell is rerun too");
    JsonNode skipped = RunDirectory.JSON.readTree(dir.resolve("sweep.json").toFile()).get("cells").get(0);
    assertEquals("completed", skipped.get("status").asText());
    assertTrue(skipped.get("threads").isNull() && skipped.get("command").asText().startsWith("isoplast train"),
        "finished before this index existed: its thread count is not known");
  }

  @Test
  void aCellCutShortAfterACheckpointResumesFromItInsteadOfStartingAgain() throws Exception {
    Path dir = tmp.resolve("sweep");
    SweepSpec s = spec(1);
    SweepIndex index = new SweepIndex(dir, s, commands(s, dir), null);
    // cell 1 (adamo seed 1) was killed after a checkpoint; cell 2 (adam seed 2) after a damaged one only
    Path cut = dir.resolve("adamo__seed1");
    Files.createDirectories(cut);
    Files.writeString(cut.resolve("command.txt"), "isoplast train --algo ppo --method adamo --seed 1\n");
    Files.writeString(cut.resolve("metrics.jsonl"), "{\"global_step\":128}\n");
    new Checkpoints(cut).save(128, new dev.isoplast.config.Snapshot().put("kind", "train"));
    Path damaged = dir.resolve("adam__seed2");
    Files.createDirectories(damaged);
    Files.writeString(damaged.resolve("command.txt"), "isoplast train --algo ppo --method adam --seed 2\n");
    Path file = new Checkpoints(damaged).save(64, new dev.isoplast.config.Snapshot().put("kind", "train"));
    Files.write(file, new byte[] {1, 2, 3});

    Path ran = tmp.resolve("ran.txt");
    SweepRunner.Outcome o = new SweepRunner(dir, s, index, fake(ran), false).run();
    assertEquals(List.of("adam 1", "resume adamo__seed1", "adam 2", "adamo 2"), Files.readAllLines(ran),
        "the checkpointed cell resumes; the one whose only checkpoint is damaged starts again");
    assertEquals(new SweepRunner.Outcome(4, 0, 3, 1, 0), o);
    assertTrue(Files.exists(cut.resolve("metrics.jsonl")), "its rows so far are kept (the resume cuts them back itself)");
    assertTrue(Files.readString(cut.resolve(SweepRunner.LOG)).contains("resuming this cell from its newest checkpoint"));
    assertFalse(Files.exists(damaged.resolve("command.txt")), "the damaged one's directory was cleaned");
  }

  @Test
  void onlyACompletedSummaryMeansFinished() throws Exception {
    Path d = tmp.resolve("r");
    assertFalse(RunDirectory.isCompleted(d), "no directory");
    Files.createDirectories(d);
    assertFalse(RunDirectory.isCompleted(d), "no summary");
    for (String status : List.of("failed", "fresh_reference", "running")) {
      Files.writeString(d.resolve("summary.json"), "{\"status\":\"" + status + "\"}");
      assertFalse(RunDirectory.isCompleted(d), status);
    }
    Files.writeString(d.resolve("summary.json"), "{\"status\":\"compl");
    assertFalse(RunDirectory.isCompleted(d), "a summary cut short");
    Files.writeString(d.resolve("summary.json"), "{\"final_mean_return\":\"NaN\",\"status\":\"completed\"}");
    assertTrue(RunDirectory.isCompleted(d));
  }

  @Test
  void aDirectoryHoldingAnotherSweepIsRefusedNamingWhatDiffers() {
    Path dir = tmp.resolve("sweep");
    SweepSpec s = spec(2);
    SweepIndex index = new SweepIndex(dir, s, commands(s, dir), null);
    index.write();
    Map<String, Object> previous = SweepIndex.read(dir);
    SweepIndex.checkSameSweep(dir, previous, s);
    SweepIndex.checkSameSweep(dir, previous, s.withWorkers(5)); // workers may change between invocations
    SweepSpec other = new SweepSpec(s.benchmark(), "ppo", s.methods(), List.of(1L, 2L, 3L), Map.of(), null, null, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SweepIndex.checkSameSweep(dir, previous, other));
    assertTrue(e.getMessage().contains("seeds (was [1,2], now [1,2,3])"), e.getMessage());
    assertFalse(e.getMessage().contains("methods"), e.getMessage());
    assertNull(SweepIndex.read(tmp.resolve("nothing-here")));
  }

  @Test
  void theErrorOfACrashedCellNamesItsExitStatus() throws Exception {
    Path log = tmp.resolve("cell.log");
    Files.writeString(log, "[INFO] Loaded backend\nException in thread \"main\" java.lang.OutOfMemoryError\n\n");
    String e = SweepRunner.errorOf(log, 137);
    assertTrue(e.startsWith("killed by signal 9 (exit code 137); last output: Exception in thread \"main\" "
        + "java.lang.OutOfMemoryError"), e);
    Files.writeString(log, "error: first\nmore\nerror: the last one\n");
    assertEquals("the last one", SweepRunner.errorOf(log, 1));
  }

  @Test
  void childrenShareTheCoresUnlessOmpThreadsAreSetOutside() {
    assertEquals(1, SweepRunner.threadsPerCell(2, Map.of(), 2));
    assertEquals(2, SweepRunner.threadsPerCell(1, Map.of(), 2));
    assertEquals(1, SweepRunner.threadsPerCell(3, Map.of(), 2));
    assertEquals(4, SweepRunner.threadsPerCell(2, Map.of(), 8));
    assertEquals(3, SweepRunner.threadsPerCell(2, Map.of("OMP_NUM_THREADS", "3"), 8));
    assertEquals(4, SweepRunner.threadsPerCell(2, Map.of("OMP_NUM_THREADS", "many"), 8));
  }
}
