package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code isoplast sweep} end to end: real child JVMs running {@code train} through one embedded
 * env server (the real sidecar), PPO on a two-phase CartPole scenario of 1,024 steps per cell.
 */
class SweepCliTest {

  @TempDir
  Path tmp;

  private static final ObjectMapper JSON = new ObjectMapper();

  private Path scenario() throws Exception {
    return scenario("tiny-permute", 512);
  }

  /** Two phases of {@code steps} env steps each, the second with another observation permutation. */
  private Path scenario(String name, int steps) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(f, """
        name: %s
        env: CartPole-v1
        num_envs: 4
        phases:
          - {steps: %d, obs_permutation: random, obs_sign_flip: random}
        repeat: 2
        """.formatted(name, steps));
    return f;
  }

  private List<String> args(Path dir, String methods, String... more) throws Exception {
    List<String> a = new ArrayList<>(List.of("sweep", "--scenario", scenario().toString(), "--methods", methods,
        "--seeds", "1-2", "--workers", "2", "--run-dir", dir.toString(), "--set", "num_steps=64", "--monitors", "none",
        "--no-progress"));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void runsEveryCellThenARestartRerunsOnlyTheUnfinishedOneAndTheReportReadsIt() throws Exception {
    Path dir = tmp.resolve("sweep");
    // a completed cell keeps its final checkpoint (--keep-checkpoints 1): the cell cut short below resumes from it
    String[] cmd = args(dir, "adam,adamo", "--keep-checkpoints", "1").toArray(String[]::new);
    CliTest.Run first = CliTest.run(cmd);
    assertEquals(0, first.code(), first.err() + first.out());
    assertTrue(first.out().contains("4 cells: 0 skipped (finished before), 4 completed now, 0 failed"), first.out());
    JsonNode index = JSON.readTree(dir.resolve("sweep.json").toFile());
    assertEquals("isoplast " + String.join(" ", cmd), index.get("command").asText(), "the exact command line");
    String[][] cells = {{"adam", "1"}, {"adamo", "1"}, {"adam", "2"}, {"adamo", "2"}};
    for (int i = 0; i < 4; i++) {
      JsonNode c = index.get("cells").get(i);
      assertEquals("completed", c.get("status").asText(), c.toString());
      assertEquals(cells[i][0], c.get("method").asText());
      Path run = dir.resolve(c.get("run_dir").asText());
      JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
      assertEquals(cells[i][0], summary.get("method").asText());
      assertEquals(Long.parseLong(cells[i][1]), summary.get("seed").asLong());
      assertEquals(1024, summary.get("total_steps").asLong());
      assertEquals(2, summary.get("phases").size());
      assertTrue(Files.readString(run.resolve("config.yaml")).contains("env_server: 127.0.0.1:"),
          "every cell used the sweep's one server");
    }

    // a cell cut short (no summary) after its last checkpoint, with a leftover file: it continues from
    // the checkpoint (here the end of its training: its summary comes back); the finished ones must
    // not run again
    Path cut = dir.resolve("adamo__seed2");
    String cutSummary = Files.readString(cut.resolve("summary.json"));
    Files.delete(cut.resolve("summary.json"));
    Files.writeString(cut.resolve("stale.txt"), "left by the killed attempt");
    Path kept = dir.resolve("adam__seed1/summary.json");
    FileTime keptTime = Files.getLastModifiedTime(kept);
    String keptText = Files.readString(kept);
    CliTest.Run again = CliTest.run(cmd);
    assertEquals(0, again.code(), again.err() + again.out());
    assertTrue(again.out().contains("4 cells: 3 skipped (finished before), 1 completed now, 0 failed"), again.out());
    assertTrue(Files.exists(cut.resolve("stale.txt")), "the unfinished cell continued in its directory");
    assertTrue(Files.readString(cut.resolve("cell.log")).contains("resuming this cell from its newest checkpoint"));
    assertEquals(JSON.readTree(cutSummary), JSON.readTree(cut.resolve("summary.json").toFile()), "its summary is back");
    assertEquals(keptTime, Files.getLastModifiedTime(kept));
    assertEquals(keptText, Files.readString(kept));
    JsonNode after = JSON.readTree(dir.resolve("sweep.json").toFile());
    assertEquals(2, after.get("invocations").size());
    assertEquals(1, after.get("invocations").get(1).get("cells_to_run").asInt());

    // another sweep in the same directory is refused before anything runs
    CliTest.Run other = CliTest.run(args(dir, "adam,redo").toArray(String[]::new));
    assertEquals(2, other.code(), other.err());
    assertTrue(other.err().contains("holds another sweep: methods (was [\"adam\",\"adamo\"], now [\"adam\",\"redo\"])"),
        other.err());

    CliTest.Run report = CliTest.run("report", dir.toString());
    assertEquals(0, report.code(), report.err());
    String page = Files.readString(dir.resolve("report.html"));
    assertTrue(page.contains("<table id=\"final-figures\">") && page.contains(String.join(" ", cmd).substring(6)), page);
    assertTrue(Files.size(dir.resolve("plots/return.png")) > 10_000);
    assertTrue(Files.size(dir.resolve("plots/per_segment.png")) > 10_000);
  }

  @Test
  void theSweepStartsItsKilledEnvServerAgainOnItsPortAndItsRunningCellsCarryOn() throws Exception {
    Path f = scenario("longer-permute", 4096);
    Path dir = tmp.resolve("restarted");
    List<String> cmd = List.of("sweep", "--scenario", f.toString(), "--methods", "adam", "--seeds", "1-2", "--workers",
        "2", "--run-dir", dir.toString(), "--set", "num_steps=64", "--monitors", "none", "--no-progress");
    java.util.concurrent.atomic.AtomicLong killed = new java.util.concurrent.atomic.AtomicLong(-1);
    Thread killer = new Thread(() -> {
      try {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
          Thread.sleep(100);
          // both cells past making their envs and training (a Make while the server is down fails
          // the cell: only envs already made are made again after a restart)
          Path m1 = dir.resolve("adam__seed1/metrics.jsonl");
          Path m2 = dir.resolve("adam__seed2/metrics.jsonl");
          if (Files.exists(m1) && Files.readAllLines(m1).size() >= 2 && Files.exists(m2)
              && Files.readAllLines(m2).size() >= 2) {
            // the sweep's embedded server: this JVM's child whose stderr is the sweep's env-server.log
            // (not another test's server, e.g. the shared Sidecar's)
            Path log = dir.resolve("env-server.log").toRealPath();
            ProcessHandle server = ProcessHandle.current().children().filter(h -> {
              try {
                return Files.readSymbolicLink(Path.of("/proc", String.valueOf(h.pid()), "fd", "2")).equals(log);
              } catch (java.io.IOException e) {
                return false;
              }
            }).findFirst().orElseThrow();
            new ProcessBuilder("kill", "-9", String.valueOf(server.pid())).start().waitFor();
            killed.set(server.pid());
            return;
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "test-server-killer");
    killer.start();
    CliTest.Run r = CliTest.run(cmd.toArray(String[]::new));
    killer.join();
    assertTrue(killed.get() > 0, "the server was killed while the cells ran: " + r.err());
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("2 cells: 0 skipped (finished before), 2 completed now, 0 failed"), r.out());
    assertTrue(r.err().contains("sweep: the env server died and was started again"), r.err());
    JsonNode index = JSON.readTree(dir.resolve("sweep.json").toFile());
    JsonNode events = index.get("invocations").get(0).get("events");
    assertEquals(1, events.size(), index.toString());
    assertEquals("env_server_restart", events.get(0).get("event").asText());
    assertEquals(killed.get(), events.get(0).get("old_pid").asLong());
    int restartedCells = 0;
    for (JsonNode c : index.get("cells")) {
      Path run = dir.resolve(c.get("run_dir").asText());
      JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
      assertEquals("completed", summary.get("status").asText(), summary.toString());
      assertEquals(8192, summary.get("total_steps").asLong());
      assertTrue(Files.readString(run.resolve("config.yaml")).contains("env_server: " + events.get(0).get("server")
          .asText()), "the cell kept its server's address, where the new server came back");
      restartedCells += Files.readString(run.resolve("metrics.jsonl")).contains("events/env_server_restarts") ? 1 : 0;
    }
    assertTrue(restartedCells >= 1, "a running cell made its envs anew on the restarted server");
  }

  @Test
  void aFailingCellIsRecordedWithItsErrorWhileTheOthersCompleteAndTheExitCodeIsOne() throws Exception {
    Path dir = tmp.resolve("sweep");
    // ReDo replaces single units and refuses a MaxMin (isometric) body when its agent is built: a real
    // failure inside the cell's own JVM; adam trains the same body fine
    List<String> a = args(dir, "adam,redo", "--set", "body=isometric");
    a.set(a.indexOf("1-2"), "1");
    CliTest.Run r = CliTest.run(a.toArray(String[]::new));
    assertEquals(1, r.code(), r.err() + r.out());
    JsonNode cells = JSON.readTree(dir.resolve("sweep.json").toFile()).get("cells");
    assertEquals("completed", cells.get(0).get("status").asText());
    assertEquals("failed", cells.get(1).get("status").asText());
    assertTrue(cells.get(1).get("error").asText().startsWith("redo replaces single units"), cells.get(1).toString());
    assertTrue(r.out().contains("1 completed now, 1 failed"), r.out());
    assertTrue(Files.readString(dir.resolve("redo__seed1/cell.log")).contains("error: redo replaces single units"));
  }

  @Test
  void aSupervisedSweepRunsContinualCellsWithoutAnEnvServerAndTheReportScoresTheLoss() throws Exception {
    Path dir = tmp.resolve("sup");
    CliTest.Run r = CliTest.run("sweep", "--task", "slowly-changing-regression", "--tasks", "3", "--set",
        "flip_after=500", "--methods", "adam,adamo", "--seeds", "1", "--workers", "2", "--monitors", "none",
        "--run-dir", dir.toString(), "--no-progress");
    assertEquals(0, r.code(), r.err() + r.out());
    JsonNode index = JSON.readTree(dir.resolve("sweep.json").toFile());
    assertTrue(index.path("env_server").isMissingNode(), "no env server for supervised cells");
    assertFalse(Files.exists(dir.resolve("env-server.log")));
    for (JsonNode c : index.get("cells")) {
      assertEquals("completed", c.get("status").asText(), c.toString());
      assertTrue(c.get("command").asText().matches("OMP_NUM_THREADS=\\d+ isoplast continual --task "
          + "slowly-changing-regression --tasks 3 --method \\w+ --seed 1 --run-dir .* --config .*/cell.yaml "
          + "--monitors none"), c.get("command").asText());
      assertEquals(java.util.Map.of("flip_after", 500), dev.isoplast.runs.ConfigOverrides.load(
          dir.resolve(c.get("run_dir").asText()).resolve("cell.yaml"), List.of()), "the cell's settings, typed");
      JsonNode summary = JSON.readTree(dir.resolve(c.get("run_dir").asText()).resolve("summary.json").toFile());
      assertEquals(3, summary.get("tasks").size());
    }
    CliTest.Run report = CliTest.run("report", dir.toString());
    assertEquals(0, report.code(), report.err());
    String page = Files.readString(dir.resolve("report.html"));
    assertTrue(page.contains("<th>loss, all tasks<br>IQM [95% CI]</th>"), page);
    assertTrue(page.contains("(lower loss counts as higher)"), "P(adamo > adam) on the loss: lower is better");
    assertTrue(Files.size(dir.resolve("plots/curve.png")) > 10_000);
    assertTrue(Files.size(dir.resolve("plots/per_segment.png")) > 10_000);

    CliTest.Run badKey = CliTest.run("sweep", "--task", "permuted-mnist", "--set", "flip_after=5", "--methods", "adam",
        "--seeds", "1", "--run-dir", tmp.resolve("bad").toString());
    assertEquals(2, badKey.code(), badKey.err());
    assertTrue(badKey.err().contains("method adam: unknown permuted-mnist config key [flip_after]"), badKey.err());
  }

  @Test
  void badUsageIsAOneLineErrorWithExitCodeTwoBeforeAnyCellRuns() throws Exception {
    Path dir = tmp.resolve("sweep");
    CliTest.Run unknown = CliTest.run(args(dir, "adam,adamm").toArray(String[]::new));
    assertEquals(2, unknown.code());
    assertEquals(1, unknown.err().lines().filter(l -> l.startsWith("error:")).count(), unknown.err());
    assertTrue(unknown.err().contains("unknown method 'adamm'"), unknown.err());
    assertFalse(Files.exists(dir), "nothing written");

    CliTest.Run badKey = CliTest.run(args(dir, "adam", "--set", "gae_lamda=0.9").toArray(String[]::new));
    assertEquals(2, badKey.code(), badKey.err());
    assertTrue(badKey.err().contains("method adam: unknown PPO config key [gae_lamda]"), badKey.err());
    JsonNode cells = JSON.readTree(dir.resolve("sweep.json").toFile()).get("cells");
    for (JsonNode c : cells) {
      assertEquals("pending", c.get("status").asText(), "no cell ran");
      assertFalse(Files.exists(dir.resolve(c.get("run_dir").asText())));
    }

    // the typo fixed: the directory, where no cell ever ran, takes the corrected sweep (checked up to the server)
    CliTest.Run fixed = CliTest.run(args(dir, "adam", "--set", "gae_lamda=0.9", "--set", "gae_lambda=0.9")
        .toArray(String[]::new));
    assertEquals(2, fixed.code(), fixed.err());
    assertTrue(fixed.err().contains("unknown PPO config key [gae_lamda]"), "not 'holds another sweep': " + fixed.err());

    CliTest.Run noTarget = CliTest.run("sweep", "--methods", "adam", "--seeds", "1");
    assertEquals(2, noTarget.code());
    assertTrue(noTarget.err().contains("a sweep needs --scenario NAME|FILE or --task NAME"), noTarget.err());
  }

  @Test
  void aBadShardOrServerListIsAOneLineUsageErrorAndShardsOfAnotherCountAreRefused() throws Exception {
    Path dir = tmp.resolve("sweep");
    for (String[] bad : new String[][] {{"--shard", "3/2"}, {"--shard", "2/2"}, {"--shard", "one/two"}}) {
      CliTest.Run r = CliTest.run(args(dir, "adam", bad).toArray(String[]::new));
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("error: --shard takes i/N with 0 <= i < N"), r.err());
      assertFalse(Files.exists(dir), "nothing written");
    }
    CliTest.Run noPort = CliTest.run(args(dir, "adam", "--env-server", "a:1,b").toArray(String[]::new));
    assertEquals(2, noPort.code(), noPort.err());
    assertTrue(noPort.err().startsWith("error: --env-server takes HOST:PORT[,HOST:PORT...]"), noPort.err());
    assertEquals(1, noPort.err().lines().count(), noPort.err());

    // shard 0 of 2 writes its own index before it is refused (a typo); a shard of 3 may not join it
    CliTest.Run typo = CliTest.run(args(dir, "adam", "--shard", "0/2", "--set", "gae_lamda=0.9").toArray(String[]::new));
    assertEquals(2, typo.code(), typo.err());
    assertTrue(Files.exists(dir.resolve("sweep.shard-0-of-2.json")) && !Files.exists(dir.resolve("sweep.json")));
    CliTest.Run other = CliTest.run(args(dir, "adam", "--shard", "1/3").toArray(String[]::new));
    assertEquals(2, other.code(), other.err());
    assertTrue(other.err().contains("is sharded another way (sweep.shard-0-of-2.json); --shard 1/3 would run cells of "
        + "those shards: use --shard i/2"), other.err());
  }
}
