package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.agents.AgentConfig;
import dev.isoplast.envs.scenario.Scenario;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.monitor.ProbeBatch;
import dev.isoplast.testing.Sidecar;
import dev.isoplast.testing.VenvPython;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Trainer#run} through the real sidecar, under a two-phase scenario with the monitors on:
 * every row of metrics.jsonl (phase-tagged, monitors, losses, charts) is also in the run's
 * TensorBoard event file, as TensorBoard itself reads it, and the resolved config.yaml is its text
 * summary "config".
 */
class TrainerTensorBoardSidecarTest {

  @TempDir
  Path tmp;

  @Test
  void everyMetricsRowIsInTheEventFileAndTheConfigIsItsText() throws Exception {
    Scenario scenario = Scenario.parse(new ByteArrayInputStream("""
        name: two-gravities
        env: CartPole-v1
        num_envs: 4
        phases:
          - {steps: 512, dynamics: {gravity: 9.8}}
          - {steps: 512, dynamics: {gravity: 15.0}}
        """.getBytes(StandardCharsets.UTF_8)), "two-gravities.yaml");
    Map<Monitors.Kind, Integer> everyUpdate = new EnumMap<>(Monitors.Kind.class);
    for (Monitors.Kind k : Monitors.Kind.values()) {
      everyUpdate.put(k, 1);
    }
    AgentConfig config = dev.isoplast.runs.Learners.resolve("ppo", new Discrete(2, 0), Map.of("num_steps", 64));
    RunSpec.Rl job = new RunSpec.Rl("CartPole-v1", config, 5, 1024, new RunSpec.Eval(0, 0), scenario, false,
        new MonitorSpec(Monitors.parse("all"), everyUpdate, ProbeBatch.DEFAULT_CAPACITY), null);
    RunDirectory run = RunDirectory.create(tmp.resolve("run"));
    Trainer.run(dev.isoplast.envs.remote.EnvServerPool.of(Sidecar.client()), "embedded", run, job, false);

    // expected: metrics.jsonl, row by row, each value as the float32 TensorBoard stores
    List<Long> steps = new ArrayList<>();
    List<Map<String, Double>> rows = new ArrayList<>();
    for (String line : Files.readAllLines(run.file("metrics.jsonl"))) {
      JsonNode row = RunDirectory.JSON.readTree(line);
      Map<String, Double> values = new java.util.LinkedHashMap<>();
      row.fields().forEachRemaining(e -> {
        if (!e.getKey().equals("global_step")) {
          values.put(e.getKey(), e.getValue().isNumber() ? e.getValue().asDouble() : Double.parseDouble(e.getValue().asText()));
        }
      });
      steps.add(row.get("global_step").asLong());
      rows.add(values);
    }
    Map<String, List<double[]>> expected = TensorBoardWriterTest.expectedScalars(steps, rows);
    assertTrue(expected.containsKey("phase") && expected.containsKey("phase_step"), "rows are phase-tagged");
    assertTrue(expected.containsKey("losses/value_loss") && expected.containsKey("charts/episodic_return"),
        expected.keySet().toString());
    assertTrue(expected.keySet().stream().anyMatch(k -> k.startsWith("plasticity/")), "monitor rows");
    assertEquals(List.of(0.0, 1.0), expected.get("phase").stream().map(p -> p[1]).distinct().toList());

    JsonNode dump = VenvPython.json(TensorBoardWriterTest.DUMP, run.path().toString());
    assertEquals(1, dump.get("files").size(), dump.get("files").toString());
    TensorBoardWriterTest.assertScalars(expected, dump.get("scalars"), "EventAccumulator");
    assertEquals(TensorBoardWriter.codeBlock(Files.readString(run.file("config.yaml"))),
        dump.get("text").get("config").get(0).get(1).asText());
  }
}
