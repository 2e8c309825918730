package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code isoplast sweep --tune} end to end on a tiny supervised benchmark (three tasks of the
 * slowly-changing regression, real child JVMs): the tuning stage, the selection, the held-out
 * stage, a restart, the report with its sensitivity plots, and bad input as one-line errors.
 */
class TuneCliTest {

  @TempDir
  Path tmp;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> args(Path dir, String... more) {
    List<String> a = new ArrayList<>(List.of("sweep", "--task", "slowly-changing-regression", "--tasks", "3", "--set",
        "flip_after=500", "--methods", "adam,adamo", "--tune", "--grid-size", "2", "--tune-seeds", "1",
        "--heldout-seeds", "101", "--workers", "2", "--monitors", "none", "--run-dir", dir.toString(), "--no-progress"));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void tunesOnTheTuningSeedsSelectsThenRunsTheSelectionOnHeldOutSeedsAndReportsIt() throws Exception {
    Path dir = tmp.resolve("tuned");
    String[] cmd = args(dir).toArray(String[]::new);
    CliTest.Run r = CliTest.run(cmd);
    assertEquals(0, r.code(), r.err() + r.out());

    JsonNode plan = JSON.readTree(dir.resolve("tune.json").toFile()).get("plan");
    assertEquals("[1]", plan.get("tune_seeds").toString());
    assertEquals("[101]", plan.get("heldout_seeds").toString());
    assertEquals("[{\"learning_rate\":\"1e-4\"},{\"learning_rate\":\"0.01\"}]", plan.get("grids").get("adam").toString());
    assertEquals("[{\"iso_coef\":\"1e-4\"},{\"iso_coef\":\"10\"}]", plan.get("grids").get("adamo").toString());
    assertTrue(plan.get("criterion").asText().contains("IQM"));

    JsonNode tune = JSON.readTree(dir.resolve("tune/sweep.json").toFile());
    List<String> names = new ArrayList<>();
    for (JsonNode c : tune.get("cells")) {
      assertEquals("completed", c.get("status").asText(), c.toString());
      names.add(c.get("run_dir").asText());
      String knob = c.get("setting").fieldNames().next();
      Path cellYaml = dir.resolve("tune").resolve(c.get("run_dir").asText()).resolve("cell.yaml");
      assertTrue(c.get("command").asText().endsWith("--config " + cellYaml + " --monitors none"),
          c.get("command").asText());
      // the knob after the sweep's set, so it wins; typed as --set types it
      java.util.Map<String, Object> settings = dev.isoplast.runs.ConfigOverrides.load(cellYaml, List.of());
      assertEquals(List.of("flip_after", knob), List.copyOf(settings.keySet()));
      assertEquals(500, settings.get("flip_after"));
      assertEquals(dev.isoplast.runs.ConfigOverrides.value(c.get("setting").get(knob).asText()), settings.get(knob));
    }
    assertEquals(List.of("adam__learning_rate=1e-4__seed1", "adam__learning_rate=0.01__seed1",
        "adamo__iso_coef=1e-4__seed1", "adamo__iso_coef=10__seed1"), names);

    // the selection: by the criterion, from the tuning runs' own summaries (loss: lower is better)
    JsonNode sel = JSON.readTree(dir.resolve("selection.json").toFile());
    for (String m : List.of("adam", "adamo")) {
      JsonNode s = sel.get("methods").get(m);
      double best = Double.NEGATIVE_INFINITY;
      int bestAt = -1;
      for (int i = 0; i < 2; i++) {
        JsonNode g = s.get("grid").get(i);
        String runDir = names.get((m.equals("adam") ? 0 : 2) + i);
        JsonNode summary = JSON.readTree(dir.resolve("tune").resolve(runDir).resolve("summary.json").toFile());
        double sum = 0;
        for (JsonNode t : summary.get("tasks")) {
          sum += t.get("loss").asDouble();
        }
        double score = -sum / summary.get("tasks").size();
        assertEquals(score, g.get("iqm").asDouble(), 1e-12, m + " " + runDir);
        if (score > best) {
          best = score;
          bestAt = i;
        }
      }
      assertEquals(bestAt, s.get("index").asInt(), m);
      JsonNode chosen = s.get("setting");
      String knob = chosen.fieldNames().next();
      JsonNode held = JSON.readTree(dir.resolve("heldout/" + m + "__seed101/summary.json").toFile());
      assertEquals("completed", held.get("status").asText());
      assertEquals(101, held.get("seed").asLong());
      assertTrue(Files.readString(dir.resolve("heldout/" + m + "__seed101/command.txt")).contains("--config "));
      assertEquals(dev.isoplast.runs.ConfigOverrides.value(chosen.get(knob).asText()), dev.isoplast.runs.ConfigOverrides
          .load(dir.resolve("heldout/" + m + "__seed101/cell.yaml"), List.of()).get(knob),
          "the held-out cell runs the selection");
    }
    assertTrue(r.out().contains("sweep --tune: selection"), r.out());

    // a restart runs nothing and leaves the selection as it was; so does `sweep --run-dir DIR` alone
    String selection = Files.readString(dir.resolve("selection.json"));
    CliTest.Run again = CliTest.run(cmd);
    assertEquals(0, again.code(), again.err() + again.out());
    assertTrue(again.out().contains("4 cells: 4 skipped (finished before), 0 completed now, 0 failed"), again.out());
    assertTrue(again.out().contains("2 cells: 2 skipped (finished before), 0 completed now, 0 failed"), again.out());
    assertEquals(selection, Files.readString(dir.resolve("selection.json")));
    CliTest.Run resume = CliTest.run("sweep", "--run-dir", dir.toString(), "--no-progress");
    assertEquals(0, resume.code(), resume.err() + resume.out());
    assertTrue(resume.out().contains("2 cells: 2 skipped (finished before)"), resume.out());

    // another plan in the same directory is refused before anything runs
    List<String> other = args(dir);
    other.set(other.indexOf("--grid-size") + 1, "1");
    CliTest.Run refused = CliTest.run(other.toArray(String[]::new));
    assertEquals(2, refused.code(), refused.err());
    assertTrue(refused.err().contains("holds another tuned sweep: grid_size (was 2, now 1)"), refused.err());

    CliTest.Run report = CliTest.run("report", dir.toString());
    assertEquals(0, report.code(), report.err());
    String page = Files.readString(dir.resolve("report.html"));
    assertTrue(page.contains("<table id=\"selection\">") && page.contains("Tuning: one budget for every method"), page);
    assertTrue(page.contains("held-out runs (seeds [101])"), "the comparison is on the held-out runs");
    assertTrue(page.contains("1 / 1"), "one held-out run per method in the final figures");
    assertFalse(page.contains("id=\"at-preset\""), "tuned, not at the preset");
    CliTest.Run md = CliTest.run("report", dir.toString(), "--markdown");
    assertEquals(0, md.code(), md.err());
    assertTrue(md.out().contains("Tuned (sweep --tune)") && md.out().contains("| adam | learning_rate="), md.out());
    assertEquals(0, CliTest.run("report", dir.resolve("tune").toString()).code());
    assertTrue(Files.readString(dir.resolve("tune/report.html")).contains("id=\"stage\""), "a stage says so");
    String adamChoice = sel.get("methods").get("adam").get("setting").get("learning_rate").asText();
    assertTrue(page.contains("<td>learning_rate</td><td><b>" + adamChoice + "</b></td>"), "names the selection");
    assertTrue(Files.size(dir.resolve("plots/sensitivity_learning_rate.png")) > 10_000);
    assertTrue(Files.size(dir.resolve("plots/sensitivity_iso_coef.png")) > 10_000);

    // exported (plan, selection, both stages), it reports the same selection
    Path out = tmp.resolve("exported");
    CliTest.Run export = CliTest.run("report", dir.toString(), "--export", out.toString());
    assertEquals(0, export.code(), export.err());
    assertTrue(export.out().contains("exported 6 runs of 6 cells"), export.out());
    try (var cells = Files.list(out.resolve("heldout"))) {
      List<Path> exported = cells.filter(Files::isDirectory).toList();
      assertFalse(exported.isEmpty());
      for (Path cell : exported) { // the file each command.txt names goes along
        assertEquals(Files.readString(dir.resolve("heldout").resolve(cell.getFileName()).resolve("cell.yaml")),
            Files.readString(cell.resolve("cell.yaml")), cell.toString());
      }
    }
    assertEquals(0, CliTest.run("report", out.toString()).code());
    String again2 = Files.readString(out.resolve("report.html"));
    assertEquals(section(page), section(again2));

    // sweep --selection: the export's selection on other seeds, each cell at its method's selected setting
    Path reuse = tmp.resolve("reuse");
    List<String> base = List.of("sweep", "--task", "slowly-changing-regression", "--tasks", "2", "--set",
        "flip_after=500", "--seeds", "201", "--monitors", "none", "--no-progress", "--selection", out.toString());
    List<String> ok = new ArrayList<>(base);
    ok.addAll(List.of("--methods", "adam,adamo", "--run-dir", reuse.toString()));
    CliTest.Run sel2 = CliTest.run(ok.toArray(String[]::new));
    assertEquals(0, sel2.code(), sel2.err() + sel2.out());
    for (String m : List.of("adam", "adamo")) {
      JsonNode chosen = sel.get("methods").get(m).get("setting");
      String knob = chosen.fieldNames().next();
      assertEquals(dev.isoplast.runs.ConfigOverrides.value(chosen.get(knob).asText()), dev.isoplast.runs.ConfigOverrides
          .load(reuse.resolve(m + "__seed201/cell.yaml"), List.of()).get(knob), m + " runs its selected setting");
      assertEquals("completed", JSON.readTree(reuse.resolve(m + "__seed201/summary.json").toFile())
          .get("status").asText());
    }
    List<String> unknown = new ArrayList<>(base);
    unknown.addAll(List.of("--methods", "adam,l2", "--run-dir", tmp.resolve("reuse2").toString()));
    CliTest.Run missing = CliTest.run(unknown.toArray(String[]::new));
    assertEquals(2, missing.code(), missing.err());
    assertTrue(missing.err().contains("selected no setting for method l2 (it has adam, adamo)"), missing.err());
    List<String> both = args(tmp.resolve("reuse3"), "--selection", out.toString());
    CliTest.Run bothRun = CliTest.run(both.toArray(String[]::new));
    assertEquals(2, bothRun.code(), bothRun.err());
    assertTrue(bothRun.err().contains("--selection runs settings a tuned sweep chose; --tune chooses them"),
        bothRun.err());
    assertFalse(Files.exists(tmp.resolve("reuse2")) || Files.exists(tmp.resolve("reuse3")), "nothing written");
  }

  private static String section(String page) {
    return page.substring(page.indexOf("<table id=\"selection\">"), page.indexOf("</table>", page.indexOf(
        "<table id=\"selection\">")));
  }

  @Test
  void shardsRunTheirShareOfEachStageAndTheSelectionWaitsForEveryTuningCell() throws Exception {
    Path dir = tmp.resolve("sharded");
    List<String> a = args(dir);
    a.set(a.indexOf("adam,adamo"), "adam"); // tuning cells 0 and 1 (one a shard), one held-out cell (shard 0's)
    a.set(a.indexOf("--workers") + 1, "1");
    a.addAll(List.of("--shard", "0/2"));
    CliTest.Run first = CliTest.run(a.toArray(String[]::new));
    assertEquals(0, first.code(), first.err() + first.out());
    assertTrue(first.out().contains("1 of 2 tuning cells unfinished (other shards' cells included): no selection yet"),
        first.out());
    assertFalse(Files.exists(dir.resolve("selection.json")));
    assertFalse(Files.exists(dir.resolve("heldout")), "no held-out cell before the selection");
    a.set(a.size() - 1, "1/2");
    CliTest.Run second = CliTest.run(a.toArray(String[]::new));
    assertEquals(0, second.code(), second.err() + second.out());
    assertTrue(Files.exists(dir.resolve("selection.json")), "the last tuning cell done: the selection");
    assertTrue(Files.exists(dir.resolve("heldout/sweep.shard-1-of-2.json")));
    assertFalse(Files.exists(dir.resolve("heldout/adam__seed101")), "shard 0's held-out cell");
    a.set(a.size() - 1, "0/2");
    CliTest.Run third = CliTest.run(a.toArray(String[]::new));
    assertEquals(0, third.code(), third.err() + third.out());
    assertTrue(Files.exists(dir.resolve("heldout/adam__seed101/summary.json")));
    assertEquals(0, CliTest.run("report", dir.toString()).code(), "the report merges the shards' indexes");
  }

  @Test
  void methodsShowPrintsTheKnobGridWithItsSourcePerLearnerWhereTheyDiffer() {
    CliTest.Run adamo = CliTest.run("methods", "show", "adamo");
    assertEquals(0, adamo.code(), adamo.err());
    assertTrue(adamo.out().contains("  tuning grid (sweep --tune; 5 settings for every method): iso_coef\n"
        + "    every learner: 1e-4, 0.0018, 0.032, 0.56, 10\n    source: log-uniform over 1e-4 .. 10"), adamo.out());
    CliTest.Run adam = CliTest.run("methods", "show", "adam");
    assertTrue(adam.out().contains("    ppo: 3e-5, 1e-4, 3e-4, 0.001, 0.003\n")
        && adam.out().contains("    supervised: 1e-4, 3e-4, 0.001, 0.003, 0.01\n"), adam.out());
  }

  @Test
  void badTuningInputIsOneLineWithExitCodeTwoAndNothingWritten() throws Exception {
    Path dir = tmp.resolve("bad");
    List<String> overlap = args(dir);
    overlap.set(overlap.indexOf("101"), "1");
    expectError(overlap, "tuning seeds and held-out seeds must be disjoint: both list [1]");
    expectError(args(dir, "--seeds", "1-3"), "--seeds does not apply with --tune");
    Path file = tmp.resolve("grids.yaml");
    Files.writeString(file, "grids:\n  adam: {lr: [1e-3, 1e-2]}\n");
    expectError(withFile(file), "sweep file " + file + ": grids.adam: unknown knob 'lr' for a supervised learner");
    Files.writeString(file, "grids:\n  adam: {learning_rate: []}\n");
    expectError(withFile(file), "sweep file " + file + ": grids.adam.learning_rate: empty grid");
    Files.writeString(file, "grids:\n  adam: {learning_rate: [1e-3, 1e-2]}\n");
    List<String> unequal = withFile(file);
    unequal.remove(unequal.indexOf("--grid-size") + 1);
    unequal.remove("--grid-size");
    expectError(unequal, "grids of unequal size (adam 2, adamo 5)");
    List<String> untuned = args(dir);
    untuned.remove("--tune");
    expectError(untuned, "tune-seeds applies to tuned sweeps only (add --tune)");
    assertFalse(Files.exists(dir), "nothing written for refused input");
  }

  private List<String> withFile(Path file) {
    List<String> a = args(tmp.resolve("bad"));
    a.add(1, file.toString());
    return a;
  }

  private static void expectError(List<String> args, String message) {
    CliTest.Run r = CliTest.run(args.toArray(String[]::new));
    assertEquals(2, r.code(), r.err() + r.out());
    assertTrue(r.err().contains(message), r.err());
    assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.err());
    assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
  }
}
