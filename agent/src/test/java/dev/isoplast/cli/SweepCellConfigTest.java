package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.runs.RunDirectory;
import dev.isoplast.sweeps.SweepSpec;
import dev.isoplast.testing.Sidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep cell given its settings as a file (its cell.yaml as {@code --config}) writes the
 * config.yaml it wrote when it was given them as {@code --set key=value} text: a PPO scenario cell
 * (a method preset with a tuned knob in scientific notation, a list, booleans, a float) and a
 * supervised one (task and learner keys), each run both ways through the CLI, the RL one on the
 * real env server. Only the date, versions and the server's address may differ.
 */
class SweepCellConfigTest {

  @Test
  void aCellWritesTheConfigItsSetTextGave(@TempDir Path tmp) throws Exception {
    Map<String, String> rl = new LinkedHashMap<>();
    rl.put("num_steps", "16");
    rl.put("hidden_sizes", "[16,16]");
    rl.put("anneal_lr", "true");
    rl.put("clip_vloss", "false");
    rl.put("learning_rate", "3e-4");
    rl.put("ent_coef", "0.005");
    SweepSpec ppo = new SweepSpec(new SweepSpec.ScenarioBenchmark("cartpole-gravity", 64L, 1, false), "ppo",
        List.of("adamo"), List.of(7L), rl, "none", null, 1).withGrid(Map.of("adamo", List.of(Map.of("iso_coef",
            "1e-3"))), List.of(7L));
    sameConfigBothWays(tmp.resolve("ppo"), ppo, "--env-server", Sidecar.client().target(), "--eval-episodes", "1");

    Map<String, String> sup = new LinkedHashMap<>();
    sup.put("task_examples", "32");
    sup.put("epochs", "1");
    sup.put("learning_rate", "1e-2");
    sup.put("hidden_sizes", "[8, 8]");
    sup.put("layer_norm", "true");
    SweepSpec task = new SweepSpec(new SweepSpec.TaskBenchmark("random-label-mnist", 1), null, List.of("cbp"),
        List.of(2L), sup, "none", null, 1).withGrid(Map.of("cbp", List.of(Map.of("cbp_rate", "1e-4"))), List.of(2L));
    sameConfigBothWays(tmp.resolve("supervised"), task);
  }

  /** Runs {@code spec}'s first cell with its cell.yaml and again with the same settings as --set text; compares. */
  private static void sameConfigBothWays(Path dir, SweepSpec spec, String... extra) throws Exception {
    SweepSpec.Cell cell = spec.cell(0);
    Path asFile = dir.resolve("file");
    Files.createDirectories(asFile);
    spec.writeCellConfig(cell, asFile);
    List<String> args = new ArrayList<>(spec.cellArgs(cell, asFile));
    assertTrue(args.contains("--config") && !args.contains("--set"), args.toString());
    args.addAll(List.of(extra));
    args.add("--no-progress");
    CliTest.Run a = CliTest.run(args.toArray(String[]::new));
    assertEquals(0, a.code(), a.err());

    // the same cell as sweeps gave it before: every setting as --set k=v text, the grid's last
    Path asText = dir.resolve("text");
    List<String> old = new ArrayList<>(spec.cellArgs(cell, asText));
    int at = old.indexOf("--config");
    old.subList(at, at + 2).clear();
    List<String> sets = new ArrayList<>();
    spec.sets().forEach((k, v) -> sets.addAll(List.of("--set", k + "=" + v)));
    cell.setting().forEach((k, v) -> sets.addAll(List.of("--set", k + "=" + v)));
    old.addAll(at, sets);
    old.addAll(List.of(extra));
    old.add("--no-progress");
    CliTest.Run b = CliTest.run(old.toArray(String[]::new));
    assertEquals(0, b.code(), b.err());

    JsonNode fromFile = RunDirectory.YAML.readTree(asFile.resolve("config.yaml").toFile());
    JsonNode fromText = RunDirectory.YAML.readTree(asText.resolve("config.yaml").toFile());
    for (JsonNode n : List.of(fromFile, fromText)) {
      ((ObjectNode) n).remove(List.of("created", "versions", "env_server"));
    }
    assertEquals(fromText, fromFile, "config.yaml of " + cell.runDir());
    JsonNode section = fromFile.has("supervised") ? fromFile.get("supervised") : fromFile.get(spec.algo());
    cell.setting().forEach((k, v) -> assertEquals(Double.parseDouble(v), section.get(k).asDouble(), k));
    assertTrue(fromFile.toString().length() > 500, fromFile.toString());
  }
}
