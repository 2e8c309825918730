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
 * RL checkpoints and {@code train --resume}: a run killed (SIGKILL, or stopped with SIGTERM) after a
 * checkpoint and resumed writes the same metrics.jsonl rows as the run never interrupted (timing
 * fields aside), nothing doubled in metrics.jsonl or the TensorBoard file. What makes it exact is
 * in the checkpoint: the agent (networks, Adam's moments, CBP's utilities and ages, random
 * streams, DQN's replay buffer), the env server's env state, the scenario's position and the
 * monitors.
 */
class RlResumeTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> rows(Path run) throws Exception {
    return ResumeTest.rows(run);
  }

  /** The job run uninterrupted in this JVM, into {@code tmp/whole}. */
  private static Path whole(Path tmp, String[] job) {
    Path whole = tmp.resolve("whole");
    CliTest.Run a = CliTest.run(ResumeTest.concat(job, "--run-dir", whole.toString()));
    assertEquals(0, a.code(), a.err());
    return whole;
  }

  /** Starts {@code args} in a child JVM and waits until its newest checkpoint is at least at {@code step}. */
  private static Process startAndWaitForCheckpoint(Path log, Path run, long step, String... args) throws Exception {
    Process p = ChildJvm.start(log, args);
    Checkpoints ckpts = new Checkpoints(run);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (p.isAlive() && System.nanoTime() < deadline) {
      List<Path> files = ckpts.files();
      if (!files.isEmpty() && Long.parseLong(files.get(files.size() - 1).getFileName().toString()
          .replaceAll("\\D", "")) >= step) {
        break;
      }
      Thread.sleep(10);
    }
    assertTrue(p.isAlive(), "the child ended before it could be stopped: " + Files.readString(log));
    return p;
  }

  private static long newestCheckpoint(Path run) {
    List<Path> files = new Checkpoints(run).files();
    return Checkpoints.read(files.get(files.size() - 1)).step();
  }

  /**
   * The raw records of the event files (TensorBoard's own reader): one file each, and the same
   * (step, tags) records in the same order, so the resumed run wrote nothing twice or lost nothing.
   */
  private static void assertSameEvents(Path whole, Path cut) throws Exception {
    List<String> expected = events(whole);
    assertEquals(expected, events(cut));
    assertTrue(expected.size() > 20, "records: " + expected.size());
  }

  private static List<String> events(Path run) throws Exception {
    JsonNode tb = VenvPython.json("agent/src/test/python/tensorboard_dump.py", run.toString());
    assertEquals(1, tb.get("files").size(), tb.get("files").toString());
    List<String> out = new ArrayList<>();
    for (JsonNode rec : tb.get("records")) {
      if (rec.has("tags")) {
        out.add(rec.get("step").asLong() + " " + rec.get("tags"));
      }
    }
    return out;
  }

  @Test
  void ppoUnderAScenarioWithContinualBackpropStoppedThenKilledResumesToTheSameRows(@TempDir Path tmp)
      throws Exception {
    // 4 phases of 6,144 steps, 256-step iterations; CBP with a short maturity replaces units throughout
    String[] job = {"train", "--algo", "ppo", "--scenario", "cartpole-permute", "--phase-steps", "6144", "--repeat", "4",
        "--method", "cbp", "--set", "activation=relu", "--set", "cbp_maturity=20", "--set", "cbp_rate=0.01",
        "--set", "num_steps=64", "--seed", "5", "--eval-episodes", "2", "--eval-every", "5000",
        "--monitor-cadence", "weights=2,dormancy=3,features=5,ntk=7,isometry=7", "--probe-size", "64",
        "--checkpoint-every", "2048", "--no-progress"};
    Path whole = whole(tmp, job);

    Path cut = tmp.resolve("cut");
    // 1. SIGTERM after the second checkpoint: a checkpoint at the next safe point, exit 130, summary "stopped"
    Process p = startAndWaitForCheckpoint(tmp.resolve("cut1.log"), cut, 4096,
        ResumeTest.concat(job, "--run-dir", cut.toString()));
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String log1 = Files.readString(tmp.resolve("cut1.log"));
    assertEquals(130, p.exitValue(), log1);
    assertTrue(log1.contains("continue with: isoplast train --resume " + cut), log1);
    assertEquals("stopped", JSON.readTree(cut.resolve("summary.json").toFile()).get("status").asText());
    long stoppedAt = newestCheckpoint(cut);
    assertTrue(stoppedAt >= 4096 && stoppedAt < 4 * 6144 && stoppedAt % 256 == 0, "stopped at " + stoppedAt);

    // 2. resumed in a child as a run made before config.yaml held the whole spec (its command.txt parsed
    // again), killed with SIGKILL after a later checkpoint (in a later phase)
    Path config = cut.resolve("config.yaml");
    String spec = Files.readString(config);
    Files.writeString(config, withoutSpecKeys(spec));
    p = startAndWaitForCheckpoint(tmp.resolve("cut2.log"), cut, stoppedAt + 4096, "train", "--resume", cut.toString(),
        "--checkpoint-every", "2048", "--no-progress");
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    long killedAt = newestCheckpoint(cut);
    assertTrue(killedAt > stoppedAt && killedAt < 4 * 6144, "killed at " + killedAt);
    assertTrue(Files.readString(tmp.resolve("cut2.log")).contains("resuming from command.txt"),
        Files.readString(tmp.resolve("cut2.log")));

    // 3. resumed to the end from config.yaml alone (no command.txt to fall back on)
    Files.writeString(config, spec);
    Files.delete(cut.resolve("command.txt"));
    CliTest.Run r = CliTest.run("train", "--resume", cut.toString(), "--checkpoint-every", "2048", "--no-progress");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("resuming " + cut), r.err());
    List<String> expected = rows(whole);
    assertEquals(expected, rows(cut), "the resumed run's rows equal the uninterrupted run's");
    JsonNode sa = JSON.readTree(whole.resolve("summary.json").toFile());
    JsonNode sb = JSON.readTree(cut.resolve("summary.json").toFile());
    assertEquals("completed", sb.get("status").asText());
    for (String k : new String[] {"final_mean_return", "episodes", "eval_mean_return", "phases", "total_steps"}) {
      assertEquals(sa.get(k), sb.get(k), k);
    }
    double replaced = 0;
    for (String row : expected) {
      replaced = Math.max(replaced, JSON.readTree(row).path("plasticity/cbp_replaced_total").asDouble(0));
    }
    assertTrue(replaced > 0, "CBP replaced units, so its state mattered");
    assertSameEvents(whole, cut);
  }

  /**
   * config.yaml {@code text} as the code before the whole run spec wrote it: without the keys
   * {@code train --resume} reads the spec from ({@link RunIdentityTest#SPEC_KEYS}).
   */
  static String withoutSpecKeys(String text) throws Exception {
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) dev.isoplast.runs.RunDirectory.YAML.readTree(text);
    for (String key : RunIdentityTest.SPEC_KEYS) {
      int dot = key.indexOf('.');
      var parent = dot < 0 ? tree : (com.fasterxml.jackson.databind.node.ObjectNode) tree.get(key.substring(0, dot));
      assertTrue(parent.has(key.substring(dot + 1)), key + " in " + text);
      parent.remove(key.substring(dot + 1));
    }
    return dev.isoplast.runs.RunDirectory.YAML.writeValueAsString(tree);
  }

  @Test
  void aConvDqnWithItsReplayBufferKilledAfterACheckpointResumesToTheSameRows(@TempDir Path tmp) throws Exception {
    // a buffer of 600 that has wrapped around by the kill: its position and contents must come back; a conv
    // Q-network on MinAtar's 4×10×10 frames (conv kernels, images in the buffer, the MinAtar env's state)
    String[] job = {"train", "--algo", "dqn", "--env", "MinAtar/Breakout-v1", "--body", "conv", "--total-steps", "2000",
        "--seed", "4", "--set", "learning_starts=300", "--set", "train_frequency=4", "--set", "buffer_size=600",
        "--set", "batch_size=32",
        "--eval-episodes", "2", "--monitors", "weights,dormancy", "--monitor-cadence", "weights=20,dormancy=50",
        "--probe-size", "64", "--checkpoint-every", "500", "--no-progress"};
    Path whole = whole(tmp, job);

    Path cut = tmp.resolve("cut");
    Process p = startAndWaitForCheckpoint(tmp.resolve("cut.log"), cut, 1000,
        ResumeTest.concat(job, "--run-dir", cut.toString()));
    p.destroyForcibly(); // SIGKILL
    p.waitFor(30, TimeUnit.SECONDS);
    long killedAt = newestCheckpoint(cut);
    assertTrue(killedAt >= 1000 && killedAt < 2000, "killed at " + killedAt);

    // a damaged newest checkpoint: a warning, and the one before it is used (the run keeps two while it runs)
    List<Path> files = new Checkpoints(cut).files();
    Path newest = files.get(files.size() - 1);
    byte[] b = Files.readAllBytes(newest);
    b[b.length / 2] ^= 0x10;
    Files.write(newest, b);
    long before = Checkpoints.read(files.get(files.size() - 2)).step();
    assertTrue(before < killedAt, "the one before is an earlier mid-run checkpoint: " + before);
    CliTest.Run r = CliTest.run("train", "--resume", cut.toString(), "--no-progress");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("is damaged") && r.err().contains("at step " + before), r.err());
    assertEquals(rows(whole), rows(cut), "the resumed run's rows equal the uninterrupted run's");
    assertEquals(JSON.readTree(whole.resolve("summary.json").toFile()).get("eval_mean_return"),
        JSON.readTree(cut.resolve("summary.json").toFile()).get("eval_mean_return"));
    assertSameEvents(whole, cut);
    assertEquals(1, new Checkpoints(cut).files().size(), "a completed run keeps its final checkpoint only");
  }

  @Test
  void aRunStoppedDuringItsFreshReferencesResumesToThem(@TempDir Path tmp) throws Exception {
    String[] job = {"train", "--algo", "ppo", "--scenario", "cartpole-permute", "--phase-steps", "8192", "--repeat", "2",
        "--fresh-reference", "--seed", "6", "--eval-episodes", "0", "--monitors", "none", "--no-progress"};
    Path whole = whole(tmp, job);
    Path cut = tmp.resolve("cut");
    Path log = tmp.resolve("cut.log");
    Process p = ChildJvm.start(log, ResumeTest.concat(job, "--run-dir", cut.toString()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (p.isAlive() && !Files.readString(log).contains("fresh reference: phase 1") && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(p.isAlive(), "the child ended before it could be stopped: " + Files.readString(log));
    p.destroy(); // SIGTERM while the second fresh learner trains
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(130, p.exitValue(), Files.readString(log));
    assertTrue(Files.readString(log).contains("during the fresh references; continue with: isoplast train --resume"));
    assertEquals("stopped", JSON.readTree(cut.resolve("summary.json").toFile()).get("status").asText());

    CliTest.Run r = CliTest.run("train", "--resume", cut.toString(), "--no-progress");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("fresh reference: phase 0"), "the fresh references run again: " + r.err());
    JsonNode sa = JSON.readTree(whole.resolve("summary.json").toFile());
    JsonNode sb = JSON.readTree(cut.resolve("summary.json").toFile());
    assertEquals("completed", sb.get("status").asText());
    assertEquals(sa.get("phases"), sb.get("phases"), "the same phases, fresh returns and plasticity ratios");
    assertTrue(sb.get("phases").get(1).has("plasticity_ratio"), sb.toString());
    assertEquals(rows(whole), rows(cut));
  }

  @Test
  void resumeRefusesWhatItCannotDo(@TempDir Path tmp) throws Exception {
    CliTest.Run r = CliTest.run("train", "--resume", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("error: --resume " + tmp + ": not a run directory"), r.err());
    Files.writeString(tmp.resolve("config.yaml"), "algo: ppo\n");
    Files.writeString(tmp.resolve("command.txt"), "isoplast train --env CartPole-v1\n");
    r = CliTest.run("train", "--resume", tmp.toString(), "--seed", "3");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--seed cannot be given with it"), r.err());
    r = CliTest.run("train", "--resume", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no whole checkpoint"), r.err());
    Files.writeString(tmp.resolve("command.txt"), "isoplast continual --task permuted-mnist\n");
    r = CliTest.run("train", "--resume", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("not a run of isoplast train"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    // the run's kind from config.yaml; continual --resume refuses the same options
    Files.writeString(tmp.resolve("config.yaml"), "task: permuted-mnist\nseed: 1\nsupervised: {}\n");
    r = CliTest.run("train", "--resume", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("not a run of isoplast train (its config.yaml names a task)"), r.err());
    r = CliTest.run("continual", "--resume", tmp.toString(), "--seed", "3");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--seed cannot be given with it"), r.err());
  }
}
