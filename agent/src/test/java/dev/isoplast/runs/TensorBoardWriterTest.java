package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.testing.VenvPython;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event files written by {@link TensorBoardWriter}, read back by the {@code tensorboard} package
 * itself ({@code agent/src/test/python/tensorboard_dump.py}: its CRC-checking record reader, its
 * EventAccumulator and the plugin accumulator its dashboards use), never by a parser of ours.
 */
class TensorBoardWriterTest {

  static final String DUMP = "agent/src/test/python/tensorboard_dump.py";

  @TempDir
  Path tmp;

  /** What TensorBoard must show: per tag, the (step, value as float32) pairs in logging order. */
  static Map<String, List<double[]>> expectedScalars(List<Long> steps, List<Map<String, Double>> rows) {
    Map<String, List<double[]>> m = new TreeMap<>();
    for (int i = 0; i < rows.size(); i++) {
      long step = steps.get(i);
      rows.get(i).forEach((tag, v) -> {
        if (v != null) {
          m.computeIfAbsent(tag, k -> new ArrayList<>()).add(new double[] {step, (float) v.doubleValue()});
        }
      });
    }
    return m;
  }

  /** {@code actual} ({tag: [[step, value], ...]}) equals {@code expected} exactly (NaN equals NaN). */
  static void assertScalars(Map<String, List<double[]>> expected, JsonNode actual, String reader) {
    List<String> tags = new ArrayList<>();
    actual.fieldNames().forEachRemaining(tags::add);
    assertEquals(new ArrayList<>(expected.keySet()), tags.stream().sorted().toList(), reader + ": tags");
    expected.forEach((tag, points) -> {
      JsonNode series = actual.get(tag);
      assertEquals(points.size(), series.size(), reader + ": number of points of " + tag);
      for (int i = 0; i < points.size(); i++) {
        assertEquals((long) points.get(i)[0], series.get(i).get(0).asLong(), reader + ": step of " + tag + "[" + i + "]");
        double want = points.get(i)[1];
        double got = series.get(i).get(1).asDouble();
        assertEquals(0, Double.compare(want, got), reader + ": " + tag + "[" + i + "] expected " + want + " got " + got);
      }
    });
  }

  @Test
  void tensorBoardReadsBackEveryScalarStepAndTheTextExactly() throws Exception {
    Path dir = tmp.resolve("run");
    long t0 = System.currentTimeMillis() / 1000;
    TensorBoardWriter w = TensorBoardWriter.open(dir);
    String markdown = "# resolved config\n\n    algo: ppo\n    gae_lambda: 0.95\n\nλ = 1e-3, *isometric* | ü\n";
    w.text("config", markdown, 0);

    List<Long> steps = new ArrayList<>();
    List<Map<String, Double>> rows = new ArrayList<>();
    Random rng = new Random(11);
    double[] awkward = {0.1, -0.0, 1e-30, 3.0e38, 123456789.123, Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, 1.0 / 3.0};
    for (int k = 0; k < 12; k++) {
      long step = 128L * (k == 5 ? 4 : k) + 7; // rows 4 and 5 share a step, as losses and monitors often do
      Map<String, Double> row = new LinkedHashMap<>();
      row.put("charts/episodic_return", 20.0 + 480 * rng.nextDouble());
      if (k % 2 == 0) {
        row.put("losses/value_loss", rng.nextGaussian());
      }
      if (k % 3 == 0) {
        row.put("plasticity/dormant_frac", rng.nextDouble());
      }
      row.put("edge/awkward", awkward[k % awkward.length]);
      steps.add(step);
      rows.add(row);
      w.log(step, row);
    }
    Map<String, Double> withNull = new HashMap<>();
    withNull.put("losses/value_loss", 2.5);
    withNull.put("losses/approx_kl", null); // skipped
    steps.add(5000L);
    rows.add(withNull);
    w.log(5000, withNull);
    w.log(6000, Map.of()); // nothing to write
    long t1 = System.currentTimeMillis() / 1000 + 1;

    // read while the writer is still open: every call has been flushed
    JsonNode dump = VenvPython.json(DUMP, dir.toString());

    JsonNode records = dump.get("records");
    assertEquals(1 + 1 + rows.size(), records.size(), "file version, text, one event per non-empty row");
    assertEquals(TensorBoardWriter.FILE_VERSION, records.get(0).get("file_version").asText());
    assertEquals("brain.Event:2", records.get(0).get("file_version").asText());
    double lastWall = 0;
    for (int i = 0; i < records.size(); i++) {
      double wall = records.get(i).get("wall_time").asDouble();
      assertTrue(wall >= t0 && wall <= t1, "wall_time " + wall + " in [" + t0 + ", " + t1 + "]");
      assertTrue(wall >= lastWall, "wall times do not go back");
      lastWall = wall;
    }
    for (int i = 0; i < rows.size(); i++) {
      JsonNode r = records.get(i + 2);
      assertEquals((long) steps.get(i), r.get("step").asLong());
      List<String> tags = new ArrayList<>();
      r.get("tags").forEach(t -> tags.add(t.asText()));
      List<String> want = rows.get(i).entrySet().stream().filter(e -> e.getValue() != null).map(Map.Entry::getKey).toList();
      assertEquals(want.stream().sorted().toList(), tags.stream().sorted().toList(), "one event holds the whole row");
    }

    Map<String, List<double[]>> expected = expectedScalars(steps, rows);
    assertTrue(expected.get("edge/awkward").stream().anyMatch(p -> Double.isNaN(p[1])), "the test covers NaN");
    assertScalars(expected, dump.get("scalars"), "EventAccumulator");
    assertScalars(expected, dump.get("plugin_scalars"), "plugin_event_accumulator (the dashboards' reader)");

    JsonNode text = dump.get("text");
    assertEquals(List.of("config"), iterate(text.fieldNames()));
    assertEquals(1, text.get("config").size());
    assertEquals(0, text.get("config").get(0).get(0).asLong());
    assertEquals(markdown, text.get("config").get(0).get(1).asText());
    w.close();
  }

  @Test
  void aCorruptedRecordFailsTensorBoardsCrcCheck() throws Exception {
    Path dir = tmp.resolve("run");
    try (TensorBoardWriter w = TensorBoardWriter.open(dir)) {
      w.log(1, Map.of("a", 1.0));
      w.log(2, Map.of("a", 2.0));
    }
    VenvPython.Result intact = VenvPython.run(DUMP, dir.toString());
    assertEquals(0, intact.code(), "intact file reads: " + intact.err());
    Path file;
    try (var files = Files.list(dir)) {
      file = files.findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 6] ^= 0x01; // inside the last record's data: only its data CRC can catch it
    Files.write(file, bytes);
    VenvPython.Result r = VenvPython.run(DUMP, dir.toString());
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("crc32 check"), r.err());
  }

  @Test
  void maskedCrc32cOfTheStandardCheckString() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    // CRC-32C("123456789") = 0xe3069283 (the catalogue's check value); rotated right by 15 bits plus
    // 0xa282ead8 this is 0xc78ab0e5, which tensorboard's masked_crc32c(b"123456789") also returns
    assertEquals(0xc78ab0e5, TensorBoardWriter.maskedCrc32c(check, 0, check.length));
    byte[] rec = TensorBoardWriter.record(new byte[] {42});
    assertEquals(8 + 4 + 1 + 4, rec.length);
    assertEquals(1, rec[0]);
    for (int i = 1; i < 8; i++) {
      assertEquals(0, rec[i], "u64 little-endian length");
    }
    assertEquals(42, rec[12]);
  }

  @Test
  void fileNamesCarryTimeAndHostAndNeverOverwrite() throws Exception {
    Path dir = tmp.resolve("run");
    long before = System.currentTimeMillis() / 1000;
    try (TensorBoardWriter a = TensorBoardWriter.open(dir); TensorBoardWriter b = TensorBoardWriter.open(dir)) {
      long after = System.currentTimeMillis() / 1000;
      String name = a.path().getFileName().toString();
      assertTrue(name.matches("events\\.out\\.tfevents\\.\\d+\\.[A-Za-z0-9._-]+"), name);
      long seconds = Long.parseLong(name.split("\\.")[3]);
      assertTrue(seconds >= before && seconds <= after, name);
      assertEquals(TensorBoardWriter.fileName(seconds, TensorBoardWriter.hostname()), name);
      assertNotEquals(a.path(), b.path());
      assertTrue(Files.size(a.path()) > 0 && Files.size(b.path()) > 0, "each starts with its file-version event");
    }
  }

  @Test
  void runDirectoryStartsWithTheConfigTextAndTheTeeKeepsMetricsJsonlAsItWas() throws Exception {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("algo", "ppo");
    config.put("env", "CartPole-v1");
    config.put("ppo", Map.of("gae_lambda", 0.95, "learning_rate", 2.5e-4));
    List<Long> steps = List.of(0L, 512L, 1024L);
    List<Map<String, Double>> rows = List.of(
        Map.of("phase/reward_scale", 1.0),
        Map.of("charts/episodic_return", 23.5, "losses/value_loss", Double.NaN),
        Map.of("charts/episodic_return", 41.25, "phase", 1.0));

    RunDirectory run = RunDirectory.create(tmp.resolve("run"));
    run.writeConfig(config);
    try (MetricsFile metrics = run.openMetrics(); TensorBoardWriter events = run.openTensorBoard()) {
      MetricSink sink = MetricTee.of(metrics, events);
      for (int i = 0; i < rows.size(); i++) {
        sink.log(steps.get(i), rows.get(i));
      }
    }
    // the same rows through a MetricsFile alone: metrics.jsonl must be byte for byte the same
    RunDirectory plain = RunDirectory.create(tmp.resolve("plain"));
    try (MetricsFile metrics = plain.openMetrics()) {
      for (int i = 0; i < rows.size(); i++) {
        metrics.log(steps.get(i), rows.get(i));
      }
    }
    assertEquals(Files.readString(plain.file("metrics.jsonl")), Files.readString(run.file("metrics.jsonl")));

    JsonNode dump = VenvPython.json(DUMP, run.path().toString());
    assertEquals(1, dump.get("files").size());
    assertScalars(expectedScalars(steps, rows), dump.get("scalars"), "EventAccumulator");
    String yaml = Files.readString(run.file("config.yaml"));
    assertTrue(yaml.contains("gae_lambda: 0.95"), yaml);
    String shown = dump.get("text").get("config").get(0).get(1).asText();
    assertEquals(TensorBoardWriter.codeBlock(yaml), shown);
    assertTrue(shown.contains("\n    env: CartPole-v1\n") && shown.startsWith("    algo: ppo"), shown);
    assertEquals("config", dump.get("records").get(1).get("tags").get(0).asText(), "the config comes first");
  }

  @Test
  void codeBlockIndentsEveryNonEmptyLine() {
    assertEquals("    a: 1\n\n    b:\n      - 2", TensorBoardWriter.codeBlock("a: 1\n\nb:\n  - 2\n"));
  }

  private static List<String> iterate(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
