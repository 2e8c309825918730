package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {

  @TempDir
  Path tmp;

  @Test
  void metricsAreOneJsonObjectPerLineAndSurviveWithoutClose() throws Exception {
    RunDirectory run = RunDirectory.create(tmp.resolve("r"));
    MetricsFile m = run.openMetrics();
    m.log(128, Map.of("losses/value_loss", 0.5));
    Map<String, Double> row = new LinkedHashMap<>();
    row.put("charts/episodic_return", 21.0);
    row.put("losses/approx_kl", Double.NaN);
    m.log(256, row);
    // no close: rows are flushed as they are written
    List<String> lines = Files.readAllLines(run.file("metrics.jsonl"));
    assertEquals(2, lines.size());
    JsonNode first = RunDirectory.JSON.readTree(lines.get(0));
    assertEquals(128, first.get("global_step").asLong());
    assertEquals(0.5, first.get("losses/value_loss").asDouble());
    JsonNode second = RunDirectory.JSON.readTree(lines.get(1));
    assertEquals(21.0, second.get("charts/episodic_return").asDouble());
    assertEquals("NaN", second.get("losses/approx_kl").asText());
    m.close();
  }

  @Test
  void configAndSummaryAreWrittenAtomicallyAndReadBack() throws Exception {
    RunDirectory run = RunDirectory.create(tmp.resolve("r"));
    run.writeConfig(Map.of("algo", "ppo", "gae_lambda", 0.95));
    run.writeSummary(Map.of("final_mean_return", 487.5, "sps", 3000));
    run.writeSummary(Map.of("final_mean_return", 490.0, "sps", 3100));
    assertEquals(490.0, RunDirectory.JSON.readTree(run.file("summary.json").toFile()).get("final_mean_return").asDouble());
    assertTrue(Files.readString(run.file("config.yaml")).contains("gae_lambda: 0.95"));
    assertFalse(Files.exists(run.file("summary.json.tmp")));
  }

  @Test
  void nonFiniteNumbersSurviveTheJsonRoundTripOfASummary() throws Exception {
    // a resumed run's summary comes back from its checkpoint as JSON (phases with no finished
    // episode have a NaN return; a diverged loss is infinite); the report reads summary.json
    Map<String, Object> phase = new LinkedHashMap<>();
    phase.put("phase", 1);
    phase.put("final_mean_return", Double.NaN);
    phase.put("fresh_final_mean_return", Double.POSITIVE_INFINITY);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("status", "completed");
    summary.put("final_mean_return", Double.NEGATIVE_INFINITY);
    summary.put("phases", List.of(phase));
    summary.put("method", "Infinity-free text stays text");
    String json = RunDirectory.toJson(summary);
    assertTrue(json.contains("\"final_mean_return\":\"-Infinity\""), json); // strict JSON: strings
    Map<String, Object> back = RunDirectory.fromJson(json,
        new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {}, "summary");
    assertEquals(Double.NEGATIVE_INFINITY, back.get("final_mean_return"));
    @SuppressWarnings("unchecked")
    Map<String, Object> p = ((List<Map<String, Object>>) back.get("phases")).get(0);
    assertTrue(Double.isNaN(((Number) p.get("final_mean_return")).doubleValue()));
    assertEquals(Double.POSITIVE_INFINITY, p.get("fresh_final_mean_return"));
    assertEquals(1, ((Number) p.get("phase")).intValue());
    assertEquals("Infinity-free text stays text", back.get("method"));
    assertEquals(summary.toString(), back.toString()); // the same values and order
    // summary.json itself, and what another writer (Python's json.dumps) leaves: bare NaN tokens
    RunDirectory run = RunDirectory.create(tmp.resolve("nan"));
    run.writeSummary(summary);
    Map<String, Object> file = RunDirectory.fromJson(Files.readString(run.file("summary.json")),
        new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {}, "summary.json");
    assertEquals(summary.toString(), file.toString());
    Map<String, Object> bare = RunDirectory.fromJson("{\"a\": NaN, \"b\": -Infinity}",
        new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {}, "python's");
    assertTrue(Double.isNaN((Double) bare.get("a")));
    assertEquals(Double.NEGATIVE_INFINITY, bare.get("b"));
  }

  @Test
  void refusesADirectoryThatAlreadyHoldsARun() {
    RunDirectory run = RunDirectory.create(tmp.resolve("r"));
    run.openMetrics().close();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunDirectory.create(tmp.resolve("r")));
    assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
  }

  @Test
  void episodeStatsMeanOfTheLastTwenty() {
    EpisodeStats s = new EpisodeStats();
    assertTrue(Double.isNaN(s.recentMeanReturn(20)));
    for (int i = 1; i <= 30; i++) {
      s.onEpisodeEnd(i, i, i);
    }
    assertEquals((11 + 30) / 2.0, s.recentMeanReturn(20), 1e-12); // mean of 11..30
  }
}
