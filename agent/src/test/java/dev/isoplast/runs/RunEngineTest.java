package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.config.Snapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run engine's one place for how a run ends, also for what a learning does after training
 * (RL: the fresh references) and for a run resumed after its training had ended: a scripted
 * {@link RunEngine.Learning} (the engine is what is tested; real learners run through it in
 * RlResumeTest, ResumeTest and RunIdentityTest).
 */
class RunEngineTest {

  /** A learning that trains nothing, records what the engine asked of it, and fails or stops where told. */
  private static final class Scripted implements RunEngine.Learning {
    final List<String> calls = new ArrayList<>();
    RuntimeException after;
    Map<String, Object> trained;

    @Override
    public void train(RunEngine.Session session, Map<String, Object> summary) {
      calls.add("train");
      summary.put("status", "fresh_reference"); // what is left comes after training
      summary.put("final_mean_return", 7.5);
    }

    @Override
    public void putSoFar(Map<String, Object> summary, double wallSeconds) {
      calls.add("putSoFar");
    }

    @Override
    public void afterTraining(Map<String, Object> summary) {
      calls.add("after " + summary.get("status"));
      if (after != null) {
        throw after;
      }
      summary.put("plasticity_ratio", 0.5);
    }

    @Override
    public String afterTrainingName() {
      return "the fresh references";
    }

    @Override
    public Map<String, Object> trainedSummary(Snapshot resumed) {
      return trained;
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }

  private static Map<String, Object> run(RunDirectory dir, Scripted learning, Checkpoints.Loaded resume) {
    Map<String, Object> summary = new LinkedHashMap<>(Map.of("env", "CartPole-v1"));
    return RunEngine.run(dir, new RunOptions(false, 0, Checkpoints.KEEP, resume), "train", Map.of("algo", "ppo"),
        summary, learning);
  }

  private static JsonNode summary(RunDirectory dir) throws Exception {
    return RunDirectory.JSON.readTree(dir.file("summary.json").toFile());
  }

  @Test
  void whatIsLeftAfterTrainingCompletesTheRun(@TempDir Path tmp) throws Exception {
    RunDirectory dir = RunDirectory.create(tmp.resolve("run"));
    Scripted learning = new Scripted();
    Map<String, Object> s = run(dir, learning, null);
    assertEquals(List.of("train", "close", "after fresh_reference"), learning.calls);
    assertEquals("completed", s.get("status"));
    assertEquals("completed", summary(dir).get("status").asText());
    assertEquals(0.5, summary(dir).get("plasticity_ratio").asDouble());
  }

  @Test
  void aFailureAfterTrainingIsRecordedAsTrainingFailuresAre(@TempDir Path tmp) throws Exception {
    RunDirectory dir = RunDirectory.create(tmp.resolve("run"));
    Scripted learning = new Scripted();
    learning.after = new IllegalStateException("fresh reference: the env server is gone");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(dir, learning, null));
    assertTrue(e.getMessage().startsWith("fresh reference: the env server is gone (run directory " + dir.path()),
        e.getMessage());
    JsonNode s = summary(dir);
    assertEquals("failed", s.get("status").asText());
    assertEquals("fresh reference: the env server is gone", s.get("error").asText());
    assertEquals(7.5, s.get("final_mean_return").asDouble(), "the training's figures stay");
  }

  @Test
  void aStopAfterTrainingSaysHowToContinue(@TempDir Path tmp) throws Exception {
    RunDirectory dir = RunDirectory.create(tmp.resolve("run"));
    Scripted learning = new Scripted();
    learning.after = new RunCheckpointer.Stopped(100, false);
    RunStoppedException e = assertThrows(RunStoppedException.class, () -> run(dir, learning, null));
    String how = "during the fresh references; continue with: isoplast train --resume " + dir.path();
    assertEquals("stopped " + how, e.getMessage());
    assertEquals("stopped", summary(dir).get("status").asText());
    assertEquals("stopped on request " + how, summary(dir).get("error").asText());
  }

  @Test
  void aRunResumedAfterItsTrainingDoesOnlyWhatIsLeft(@TempDir Path tmp) throws Exception {
    RunDirectory dir = RunDirectory.create(tmp.resolve("run"));
    Scripted learning = new Scripted();
    learning.trained = new LinkedHashMap<>(Map.of("status", "fresh_reference", "final_mean_return", 9.0));
    Map<String, Object> s = run(dir, learning, new Checkpoints.Loaded(tmp.resolve("ckpt"), 64, new Snapshot()));
    assertEquals(List.of("close", "after fresh_reference"), learning.calls, "no training, no config.yaml");
    assertFalse(java.nio.file.Files.exists(dir.file("config.yaml")));
    assertEquals("completed", s.get("status"));
    assertEquals(9.0, summary(dir).get("final_mean_return").asDouble());
    assertEquals("completed", summary(dir).get("status").asText());
    assertFalse(summary(dir).has("env"), "the checkpoint's summary, not the new one");
  }
}
