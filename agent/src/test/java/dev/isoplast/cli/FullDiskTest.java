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
 * A run whose run directory cannot take its next checkpoint (a file-size limit, RLIMIT_FSIZE, as a
 * full disk would refuse it): it fails in one line naming the file, exit 1, and its previous
 * checkpoint stays whole; {@code train --resume} without the limit completes it.
 */
class FullDiskTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aCheckpointThatDoesNotFitFailsTheRunInOneLineAndThePreviousOneResumes(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    // DQN's checkpoints hold its replay buffer so far: ~350 KB and ~44 bytes a step on CartPole (397 KB
    // at step 1,000, 486 KB at 3,000, 530 KB at 4,000), so under a limit of 500 KiB the first ones fit
    // and one after them does not
    List<String> train = new ArrayList<>(List.of("train", "--algo", "dqn", "--env", "CartPole-v1", "--seed", "2",
        "--total-steps", "8000", "--checkpoint-every", "1000", "--monitors", "none", "--eval-episodes", "0",
        "--run-dir", run.toString()));
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f 500 && exec \"$@\"", "limited"));
    cmd.addAll(ChildJvm.command(train.toArray(String[]::new)));
    // its stderr through a pipe, as `isoplast train ... 2>&1 | tee log` has it: plain progress lines, one every
    // 0.05 s here (a quiet machine reaches the failing checkpoint in about a second: 4,000 DQN steps/s)
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ISOPLAST_PROGRESS_SECONDS", "0.05");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(240, TimeUnit.SECONDS), "the limited run ended");
    assertEquals(1, p.exitValue(), out);
    assertTrue(!out.contains("\r"), "no carriage-return frames on a pipe: " + out);
    assertTrue(out.lines().anyMatch(l -> l.matches("CartPole-v1 dqn: \\d+/8000 steps \\(\\d+%\\), [0-9.]+ steps/s, ETA "
        + "(\\d+:\\d\\d:\\d\\d|\\?)(, return [0-9.-]+)?")), "a plain progress line: " + out);
    assertTrue(out.lines().anyMatch(l -> l.matches("CartPole-v1 dqn: stopped at \\d+/8000 steps, \\d+ steps in .*")), out);
    List<String> errors = out.lines().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), out);
    String error = errors.get(0);
    assertTrue(error.matches("error: cannot write checkpoint " + java.util.regex.Pattern.quote(run.resolve("checkpoints")
        .toString()) + "/ckpt-0+\\d+\\.bin: File too large .*"), error);
    assertTrue(!out.contains("\tat "), "no stack trace without --debug: " + out);
    Checkpoints ckpts = new Checkpoints(run);
    assertTrue(ckpts.files().stream().noneMatch(f -> f.toString().endsWith(".tmp")), "no partial file left");
    Checkpoints.Loaded last = ckpts.latest().orElseThrow(); // whole: magic, length and SHA-256 check out
    assertEquals(last.file(), ckpts.files().get(ckpts.files().size() - 1), "the newest file is whole");
    long failedAt = Long.parseLong(error.replaceAll(".*ckpt-0*(\\d+)\\.bin.*", "$1"));
    assertTrue(last.step() >= 1000 && last.step() < failedAt && failedAt < 8000, last.step() + " < " + failedAt);
    assertEquals("failed", JSON.readTree(run.resolve("summary.json").toFile()).get("status").asText());

    CliTest.Run resumed = CliTest.run("train", "--resume", run.toString(), "--no-progress");
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.err().contains("resuming " + run + " at step " + last.step()), resumed.err());
    JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
    assertEquals("completed", summary.get("status").asText());
    assertEquals(8000, summary.get("total_steps").asLong());
    long previous = -1;
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      long step = JSON.readTree(line).get("global_step").asLong();
      assertTrue(step >= previous, "rows in step order, none doubled by the resume: " + step + " after " + previous);
      previous = step;
    }
  }
}
