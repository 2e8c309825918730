package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.continual.Tasks;
import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.Param;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code continual --net conv}: a small CNN on the image tasks, with the same methods and monitors. */
class ContinualConvTest {

  @Test
  void theConvNetReadsMnistAsOneChannelImagesOfTwentyEightByTwentyEight() {
    Tasks.Resolved r = Tasks.resolve("random-label-mnist", "conv", Map.of("task_examples", 32), null, null, 1);
    assertEquals(List.of(1, 28, 28), java.util.Arrays.stream(r.tasks().inShape()).boxed().toList());
    SupervisedLearner learner = new SupervisedLearner(r.learner(), r.tasks().inShape(), 10, 1);
    Conv2D conv = (Conv2D) learner.net().layers().get(0);
    assertEquals(1, conv.inChannels());
    assertEquals(16 * 26 * 26, conv.outSize(), "16 channels of 26 x 26: a 3 x 3 kernel without padding");
    long count = 0;
    for (Param p : learner.params()) {
      count += p.value().length();
    }
    // conv 16·1·3·3 + 16, Dense 10,816·128 + 128, head 128·10 + 10
    assertEquals(16 * 9 + 16 + 16 * 26 * 26 * 128 + 128 + 128 * 10 + 10, count);
    assertTrue(learner.net().layers().get(learner.net().layers().size() - 1) instanceof Dense);
    assertEquals(SupervisedConfig.conv().learningRate(), r.learner().learningRate());
  }

  @Test
  void aConvRunTrainsWithAMethodAndTheMonitors(@TempDir Path tmp) throws Exception {
    // the isometry monitor takes the SVD of each conv layer's whole Jacobian ([10,816, 784] here, seconds per
    // probe): MonitorsConvTest covers it on a smaller net; this run keeps to the cheap monitors
    Path dir = tmp.resolve("conv");
    CliTest.Run r = CliTest.run("continual", "--task", "random-label-mnist", "--net", "conv", "--method", "redo",
        "--tasks", "2", "--set", "task_examples=64", "--set", "epochs=2", "--set", "redo_every=4",
        "--monitors", "dormancy,features,ntk", "--monitor-cadence", "dormancy=4,features=4,ntk=4", "--probe-size", "16",
        "--run-dir", dir.toString(), "--no-progress");
    assertEquals(0, r.code(), r.err());
    JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(dir.resolve("config.yaml").toFile());
    assertEquals("conv", config.get("supervised").get("body").asText());
    assertEquals("conv", config.get("net").asText());
    JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals("completed", summary.get("status").asText());
    assertEquals(2, summary.get("tasks").size());
    String metrics = Files.readString(dir.resolve("metrics.jsonl"));
    for (String key : List.of("plasticity/dormant_frac", "plasticity/ntk_erank", "continual/accuracy")) {
      assertTrue(metrics.contains("\"" + key + "\""), key + " logged");
    }
    // resumed from config.yaml like any run
    CliTest.Run again = CliTest.run("continual", "--resume", dir.toString(), "--no-progress");
    assertEquals(0, again.code(), again.err());
  }

  @Test
  void aConvNetOnTheRegressionsVectorsIsAUsageError(@TempDir Path tmp) {
    CliTest.Run r = CliTest.run("continual", "--task", "slowly-changing-regression", "--net", "conv", "--tasks", "1",
        "--run-dir", tmp.resolve("x").toString(), "--no-progress");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
