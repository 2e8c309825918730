package dev.isoplast.sweeps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.runs.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharded sweeps without JVMs or env servers (cells are shell scripts): which cells a shard owns,
 * per-shard index files written at once into one directory, their merge, and restarts of a shard.
 * The real thing, through real env servers and a report, is {@code cli.ScaleOutTest}.
 */
class SweepShardTest {

  @TempDir
  Path tmp;

  /** methods adam, adamo x seeds 1-3: six cells. */
  private static SweepSpec spec(int workers) {
    return new SweepSpec(new SweepSpec.ScenarioBenchmark("cartpole-permute", 1024L, 1, false), "ppo",
        List.of("adam", "adamo"), List.of(1L, 2L, 3L), Map.of(), null, null, workers);
  }

  private static List<String> commands(SweepSpec s, Path dir) {
    return s.cells().stream().map(c -> "isoplast " + CommandLines.join(s.cellArgs(c, dir.resolve(c.runDir())))).toList();
  }

  /** A cell that records its method and seed, sleeps a little (so shards overlap) and completes. */
  private static SweepRunner.CellLauncher fake(Path ran) {
    String script = """
        method=""; seed=""; dir=""
        while [ $# -gt 0 ]; do
          case "$1" in --method) method="$2"; shift;; --seed) seed="$2"; shift;; --run-dir) dir="$2"; shift;; esac
          shift
        done
        echo "$method $seed" >> "%s"
        sleep 0.2
        echo '{"status":"completed","final_mean_return":1.0}' > "$dir/summary.json"
        """.formatted(ran);
    return (args, worker) -> {
      List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "cell"));
      cmd.addAll(args);
      return new ProcessBuilder(cmd);
    };
  }

  @Test
  void aShardIsCellIndexModNAndEveryCellHasExactlyOneShard() {
    for (int n = 1; n <= 5; n++) {
      for (int cell = 0; cell < 23; cell++) {
        int owners = 0;
        for (int i = 0; i < n; i++) {
          if (new SweepShard(i, n).owns(cell)) {
            owners++;
            assertEquals(cell % n, i);
          }
        }
        assertEquals(1, owners, "cell " + cell + " of " + n + " shards");
      }
    }
    assertEquals(new SweepShard(2, 4), SweepShard.parse(" 2/4 "));
    assertEquals("sweep.json", SweepShard.parse("0/1").indexFile());
    assertEquals("sweep.shard-1-of-3.json", SweepShard.parse("1/3").indexFile());
    assertEquals(new SweepShard(1, 3), SweepShard.ofIndexFile("sweep.shard-1-of-3.json"));
    assertNull(SweepShard.ofIndexFile("sweep.shard-3-of-3.json"));
    assertNull(SweepShard.ofIndexFile("sweep.shard-1-of-3.json.tmp"));
    for (String bad : new String[] {"3/2", "2/2", "-1/2", "1/0", "0/0", "a/b", "1", "1/2/3", ""}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepShard.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("--shard takes i/N with 0 <= i < N"), e.getMessage());
      assertEquals(1, e.getMessage().lines().count());
    }
  }

  @Test
  void twoShardsWritingIntoOneDirectoryAtOnceMergeIntoTheWholeSweep() throws Exception {
    Path dir = tmp.resolve("shared");
    SweepSpec s = spec(2);
    Path ran = tmp.resolve("ran.txt");
    ExecutorService machines = Executors.newFixedThreadPool(2);
    List<Future<SweepRunner.Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      SweepShard shard = new SweepShard(i, 2);
      outcomes.add(machines.submit(() -> {
        SweepIndex index = new SweepIndex(dir, s, commands(s, dir), null, shard);
        index.addInvocation("isoplast sweep FILE --shard " + shard, Map.of("workers", 2));
        index.write();
        return new SweepRunner(dir, s, index, fake(ran), false).run();
      }));
    }
    for (Future<SweepRunner.Outcome> f : outcomes) {
      assertEquals(new SweepRunner.Outcome(3, 0, 3, 0, 0), f.get(), "each shard ran its three cells");
    }
    machines.shutdown();
    assertEquals(List.of("adam 1", "adam 2", "adam 3", "adamo 1", "adamo 2", "adamo 3"),
        Files.readAllLines(ran).stream().sorted().toList(), "every cell ran exactly once");
    assertFalse(Files.exists(dir.resolve("sweep.json")), "shards never write the whole sweep's index");

    JsonNode zero = RunDirectory.JSON.readTree(dir.resolve("sweep.shard-0-of-2.json").toFile());
    assertEquals("0/2", zero.get("shard").asText());
    List<Integer> own = new ArrayList<>();
    zero.get("cells").forEach(c -> own.add(c.get("index").asInt()));
    assertEquals(List.of(0, 2, 4), own, "shard 0 of 2 indexes cells 0, 2, 4 only");

    Map<String, Object> merged = SweepIndex.readMerged(dir);
    JsonNode m = RunDirectory.JSON.valueToTree(merged);
    assertEquals(6, m.get("cells").size());
    for (int i = 0; i < 6; i++) {
      JsonNode c = m.get("cells").get(i);
      assertEquals(i, c.get("index").asInt());
      assertEquals(s.cell(i).method(), c.get("method").asText());
      assertEquals("completed", c.get("status").asText());
    }
    assertEquals(6, m.at("/counts/completed").asInt());
    assertEquals(2, m.get("invocations").size());
    assertEquals(List.of("sweep.shard-0-of-2.json", "sweep.shard-1-of-2.json"),
        List.of(m.at("/shards/0").asText(), m.at("/shards/1").asText()));
    SweepIndex.checkSameSweep(dir, merged, s);
  }

  @Test
  void aRerunShardSkipsItsFinishedCellsAndKeepsItsHistoryAndAMissingShardShowsAsPending() throws Exception {
    Path dir = tmp.resolve("shared");
    SweepSpec s = spec(1);
    SweepShard one = new SweepShard(1, 3); // cells 1 and 4
    SweepIndex first = new SweepIndex(dir, s, commands(s, dir), null, one);
    first.addInvocation("isoplast sweep FILE --shard 1/3", Map.of());
    first.write();
    // cell 1 finished before the machine went away; cell 4 was cut short
    Files.createDirectories(dir.resolve("adamo__seed1"));
    Files.writeString(dir.resolve("adamo__seed1/summary.json"), "{\"status\":\"completed\"}");
    Files.createDirectories(dir.resolve("adam__seed3"));
    Files.writeString(dir.resolve("adam__seed3/metrics.jsonl"), "{\"global_step\":1");

    SweepIndex again = new SweepIndex(dir, s, commands(s, dir), SweepIndex.read(dir, one), one);
    again.addInvocation("isoplast sweep FILE --shard 1/3", Map.of());
    Path ran = tmp.resolve("ran.txt");
    SweepRunner.Outcome o = new SweepRunner(dir, s, again, fake(ran), false).run();
    assertEquals(new SweepRunner.Outcome(2, 1, 1, 0, 0), o);
    assertEquals(List.of("adam 3"), Files.readAllLines(ran), "only the unfinished cell of this shard ran");
    JsonNode own = RunDirectory.JSON.readTree(dir.resolve("sweep.shard-1-of-3.json").toFile());
    assertEquals(2, own.get("invocations").size(), "the restart is recorded beside the first invocation");

    JsonNode m = RunDirectory.JSON.valueToTree(SweepIndex.readMerged(dir));
    assertEquals(6, m.get("cells").size(), "shards 0 and 2 never started: their cells are still listed");
    assertEquals(2, m.at("/counts/completed").asInt());
    assertEquals(4, m.at("/counts/pending").asInt());
    assertTrue(m.at("/cells/0/error").asText().contains("its shard has not started"), m.at("/cells/0").toString());
  }

  @Test
  void indexFilesOfDifferentSweepsInOneDirectoryAreRefused() {
    Path dir = tmp.resolve("shared");
    SweepSpec s = spec(1);
    new SweepIndex(dir, s, commands(s, dir), null, new SweepShard(0, 2)).write();
    SweepSpec other = new SweepSpec(s.benchmark(), "ppo", List.of("adam", "redo"), s.seeds(), Map.of(), null, null, 1);
    new SweepIndex(dir, other, commands(other, dir), null, new SweepShard(1, 2)).write();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepIndex.readMerged(dir));
    assertTrue(e.getMessage().contains("holds index files of different sweeps: sweep.shard-0-of-2.json has"),
        e.getMessage());
  }

  @Test
  void workersSplitTheServersWithoutSharingWhenThereAreEnough() {
    List<String> four = List.of("a:1", "b:1", "c:1", "d:1");
    assertEquals(List.of("a:1", "c:1"), SweepRunner.serversOf(0, 2, four));
    assertEquals(List.of("b:1", "d:1"), SweepRunner.serversOf(1, 2, four));
    assertEquals(List.of("a:1", "b:1", "c:1", "d:1"), SweepRunner.serversOf(0, 1, four));
    List<String> two = List.of("a:1", "b:1");
    assertEquals(List.of("a:1"), SweepRunner.serversOf(0, 3, two));
    assertEquals(List.of("b:1"), SweepRunner.serversOf(1, 3, two));
    assertEquals(List.of("a:1"), SweepRunner.serversOf(2, 3, two));
  }
}
