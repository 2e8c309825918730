package dev.isoplast.continual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isoplast.runs.MonitorSpec;
import dev.isoplast.runs.RunSpec;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.runs.ContinualTrainer;
import dev.isoplast.runs.Monitors;
import dev.isoplast.runs.RunDirectory;
import dev.isoplast.runs.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Supervised runs end to end on the real MNIST digits: learning, the run directory, methods and monitors. */
class ContinualRunTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static MonitorSpec monitors(String spec) {
    return new MonitorSpec(Monitors.parse(spec), Monitors.defaultCadence(dev.isoplast.config.LearnerKind.SUPERVISED), 128);
  }

  private static List<JsonNode> rows(Path run) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  @Test
  void permutedMnistWithAdamLearnsTheSecondTaskAboveEightyPercentOnline(@TempDir Path tmp) throws Exception {
    Tasks.Resolved r = Tasks.resolve("permuted-mnist", "small", Map.of(), null, null, 1);
    RunSpec.Supervised job = new RunSpec.Supervised(r.tasks(), r.taskConfig(), r.learner(), 1, 5,
        monitors("all"), null, null);
    Map<String, Object> summary = ContinualTrainer.run(RunDirectory.create(tmp.resolve("run")), job, false);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> tasks = (List<Map<String, Object>>) summary.get("tasks");
    assertEquals(5, tasks.size());
    double task1 = (Double) tasks.get(1).get("accuracy");
    System.out.printf("ContinualRunTest: permuted-mnist small net, Adam, online accuracy per task %s%n",
        tasks.stream().map(t -> String.format("%.3f", (Double) t.get("accuracy"))).toList());
    assertTrue(task1 > 0.80, "online accuracy on task 1: " + task1);
    assertEquals(625L, tasks.get(0).get("steps"), "10,000 digits in batches of 16");
    List<JsonNode> rows = rows(tmp.resolve("run"));
    List<JsonNode> ends = rows.stream().filter(n -> n.has("continual/accuracy")).toList();
    assertEquals(5, ends.size());
    for (int k = 0; k < 5; k++) {
      assertEquals(k, ends.get(k).get("task").asInt());
      assertEquals(10_000L * (k + 1), ends.get(k).get("global_step").asLong(), "global_step counts examples");
      assertEquals((Double) tasks.get(k).get("accuracy"), ends.get(k).get("continual/accuracy").asDouble(), 1e-12);
    }
    assertTrue(rows.stream().allMatch(n -> n.has("task")), "every row carries its task");
    assertTrue(rows.stream().anyMatch(n -> n.has("plasticity/ntk_erank") && n.has("plasticity/dormant_frac")),
        "the monitors run on the supervised learner");
    assertTrue(rows.stream().anyMatch(n -> n.has("plasticity/revived_frac")));
    String config = Files.readString(tmp.resolve("run/config.yaml"));
    assertTrue(config.startsWith("task: permuted-mnist\n") && config.contains("hidden_sizes:") && config.contains(
        "task_examples: 10000"), config);
    assertTrue(Files.list(tmp.resolve("run")).anyMatch(p -> p.getFileName().toString().startsWith("events.out")),
        "a TensorBoard file");
  }

  @Test
  void randomLabelsReportTrainingAccuracyAtTheTasksEndAndMethodsActOnTheLearner(@TempDir Path tmp) throws Exception {
    Tasks.Resolved r = Tasks.resolve("random-label-mnist", "small", Map.of("task_examples", 160, "epochs", 30), null,
        null, 4);
    Map<String, Object> redo = new java.util.LinkedHashMap<>(Methods.get("redo").overrides("supervised"));
    redo.put("redo_every", 50);
    redo.put("redo_tau", 0.3);
    SupervisedConfig config = SupervisedConfig.fromMap(r.learner(), redo);
    RunSpec.Supervised job = new RunSpec.Supervised(r.tasks(), r.taskConfig(), config, 4, 2, monitors("none"),
        "redo", null);
    Map<String, Object> summary = ContinualTrainer.run(RunDirectory.create(tmp.resolve("run")), job, false);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> tasks = (List<Map<String, Object>>) summary.get("tasks");
    double acc = (Double) tasks.get(0).get("accuracy");
    // 160 digits, 30 epochs of 10 steps: a 784-100-100-10 net memorises random labels well past chance (0.1)
    assertTrue(acc > 0.5, "training accuracy at the end of task 0: " + acc);
    assertEquals("redo", summary.get("method"));
    List<JsonNode> ends = rows(tmp.resolve("run")).stream().filter(n -> n.has("continual/accuracy")).toList();
    assertTrue(ends.get(1).get("plasticity/redo_recycled_total").asDouble() > 0, "ReDo recycled units: " + ends);
    assertTrue(ends.get(0).has("continual/online_accuracy"));
  }

  @Test
  void theRegressionLogsTheOnlineErrorPerWindow(@TempDir Path tmp) throws Exception {
    Tasks.Resolved r = Tasks.resolve("slowly-changing-regression", null, Map.of("flip_after", 2000), null, null, 2);
    RunSpec.Supervised job = new RunSpec.Supervised(r.tasks(), r.taskConfig(), r.learner(), 2, 3,
        monitors("dormancy"), null, null);
    Map<String, Object> summary = ContinualTrainer.run(RunDirectory.create(tmp.resolve("run")), job, false);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> tasks = (List<Map<String, Object>>) summary.get("tasks");
    assertEquals(3, tasks.size());
    for (Map<String, Object> t : tasks) {
      double mse = (Double) t.get("loss");
      assertTrue(mse > 0 && Double.isFinite(mse), t.toString());
      assertEquals(2000L, t.get("steps"), "one example per step");
    }
    assertTrue((Double) tasks.get(2).get("loss") < (Double) tasks.get(0).get("loss"),
        "the 5-unit learner improves on its first window: " + tasks);
    Set<String> names = new java.util.HashSet<>();
    rows(tmp.resolve("run")).forEach(n -> n.fieldNames().forEachRemaining(names::add));
    assertTrue(names.contains("continual/loss") && names.contains("plasticity/dead_frac"), names.toString());
  }
}
