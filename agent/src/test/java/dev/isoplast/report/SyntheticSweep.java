package dev.isoplast.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small hand-made sweep directory for the report's tests: scenario "toy-switch" on CartPole-v1,
 * two phases (starting at steps 0 and 100, 200 steps in all), methods adam and adamo with four
 * completed seeds each (the numbers below are the ones the tests compute by hand), a failed adamo
 * run (seed 5) whose metrics end in a line cut short, and a cell that never started (adam seed 6).
 */
final class SyntheticSweep {

  private SyntheticSweep() {}

  /** Final mean return per seed (1..4) and phase. */
  static final double[][] ADAM_FINAL = {{10, 4}, {20, 8}, {30, 12}, {100, 2}};
  static final double[][] ADAMO_FINAL = {{12, 10}, {22, 14}, {28, 16}, {90, 30}};
  /** Mean return of each phase (area under the curve). */
  static final double[][] ADAM_MEAN = {{5, 3}, {6, 3}, {7, 3}, {50, 3}};
  static final double[][] ADAMO_MEAN = {{6, 4}, {7, 5}, {8, 6}, {9, 7}};
  /** The fresh learner's final mean return per seed of phase 1 (phase 0's equals the continual one). */
  static final double[] FRESH_PHASE1 = {20, 20, 40, 40};
  /** The return floor written to the summaries (a made-up env floor, to test the shift). */
  static final double FLOOR = -10;
  /** Episode returns of seed s (1-based) of method m (0 adam, 1 adamo) ending at steps 10, 50, 120, 160. */
  static double[] episodes(int m, int s) {
    return new double[] {10 * s + m, 20 * s + m, 5 * s + m, 7 * s + m};
  }
  static final long[] EPISODE_STEPS = {10, 50, 120, 160};
  /** plasticity/dormant_frac logged at steps 50 and 150: value 0.1·s (seed 3 of adam logs "NaN" at 150). */

  static Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> cells = new ArrayList<>();
    int index = 0;
    for (int s = 1; s <= 5; s++) {
      for (int m = 0; m < 2; m++) {
        String method = m == 0 ? "adam" : "adamo";
        String runDir = method + "__seed" + s;
        String command = "isoplast train --algo ppo --scenario toy.yaml --method " + method + " --seed " + s
            + " --run-dir " + dir.resolve(runDir);
        if (s <= 4) {
          run(dir.resolve(runDir), method, s, m == 0 ? ADAM_FINAL[s - 1] : ADAMO_FINAL[s - 1],
              m == 0 ? ADAM_MEAN[s - 1] : ADAMO_MEAN[s - 1]);
          cells.add(cell(index++, method, s, runDir, "completed", null, command));
        } else if (m == 1) {
          failed(dir.resolve(runDir), method, s);
          cells.add(cell(index++, method, s, runDir, "failed", "boom at step 60", command));
        } else {
          cells.add(cell(index++, method, 6, "adam__seed6", "pending", null, command.replace("seed 5", "seed 6")));
        }
      }
    }
    Files.writeString(dir.resolve("sweep.json"), """
        {"format": 1,
         "spec": {"scenario": "toy.yaml", "algo": "ppo", "methods": ["adam", "adamo"], "seeds": [1, 2, 3, 4, 5, 6]},
         "command": "isoplast sweep --scenario toy.yaml --methods adam,adamo --seeds 1-6",
         "invocations": [{"command": "isoplast sweep --scenario toy.yaml --methods adam,adamo --seeds 1-6 --workers 2"},
                         {"command": "isoplast sweep --scenario toy.yaml --methods adam,adamo --seeds 1-6 --workers 1"}],
         "cells": [%s]}
        """.formatted(String.join(",\n", cells)));
    return dir;
  }

  private static String cell(int index, String method, int seed, String runDir, String status, String error,
      String command) {
    return String.format(Locale.ROOT, "{\"index\": %d, \"benchmark\": \"toy-switch\", \"method\": \"%s\", \"seed\": %d, "
        + "\"run_dir\": \"%s\", \"status\": \"%s\", \"error\": %s, \"wall_s\": 1.0, \"command\": \"%s\"}", index, method,
        seed, runDir, status, error == null ? "null" : "\"" + error + "\"", command);
  }

  private static void run(Path d, String method, int s, double[] finals, double[] means) throws IOException {
    Files.createDirectories(d);
    int m = method.equals("adam") ? 0 : 1;
    Files.writeString(d.resolve("config.yaml"), "algo: ppo\nmethod: " + method + "\nenv: CartPole-v1\nseed: " + s
        + "\ntotal_steps: 200\nscenario:\n  name: toy-switch\n");
    Files.writeString(d.resolve("summary.json"), String.format(Locale.ROOT, """
        {"env": "CartPole-v1", "algo": "ppo", "method": "%s", "seed": %d, "scenario": "toy-switch",
         "status": "completed", "final_mean_return": %s, "total_steps": 200,
         "phases": [
          {"phase": 0, "start_step": 0, "steps": 100, "final_mean_return": %s, "mean_return": %s,
           "reward_scale": 1.0, "fresh_final_mean_return": %s, "plasticity_ratio": 1.0, "return_floor": %s},
          {"phase": 1, "start_step": 100, "steps": 100, "final_mean_return": %s, "mean_return": %s,
           "reward_scale": 1.0, "fresh_final_mean_return": %s, "plasticity_ratio": 0.5, "return_floor": %s}]}
        """, method, s, finals[1], finals[0], means[0], finals[0], FLOOR, finals[1], means[1], FRESH_PHASE1[s - 1],
        FLOOR));
    StringBuilder metrics = new StringBuilder();
    double[] eps = episodes(m, s);
    for (int i = 0; i < 4; i++) {
      metrics.append(String.format(Locale.ROOT,
          "{\"global_step\":%d,\"charts/episodic_return\":%s,\"charts/episodic_length\":9,\"phase\":%d,\"phase_step\":0}%n",
          EPISODE_STEPS[i], eps[i], i < 2 ? 0 : 1));
      if (i == 1) {
        metrics.append(String.format(Locale.ROOT,
            "{\"global_step\":50,\"plasticity/dormant_frac\":%s,\"plasticity/ntk_cond\":%s,"
                + "\"isometry/actor.body/gap\":0.5,\"isometry/actor.body.0/gap\":9,\"phase\":0}%n",
            0.1 * s, s == 2 && m == 0 ? "\"Infinity\"" : String.valueOf(Math.pow(10, s))));
      }
    }
    metrics.append(String.format(Locale.ROOT,
        "{\"global_step\":150,\"plasticity/dormant_frac\":%s,\"plasticity/revived_frac\":0.25,\"phase\":1}%n",
        m == 0 && s == 3 ? "\"NaN\"" : String.valueOf(0.1 * s + 0.05)));
    Files.writeString(d.resolve("metrics.jsonl"), metrics);
  }

  private static void failed(Path d, String method, int s) throws IOException {
    Files.createDirectories(d);
    Files.writeString(d.resolve("config.yaml"), "algo: ppo\nmethod: " + method + "\nenv: CartPole-v1\nseed: " + s
        + "\ntotal_steps: 200\nscenario:\n  name: toy-switch\n");
    Files.writeString(d.resolve("summary.json"), "{\"env\": \"CartPole-v1\", \"method\": \"" + method + "\", \"seed\": " + s
        + ", \"scenario\": \"toy-switch\", \"status\": \"failed\", \"error\": \"boom at step 60\","
        + " \"final_mean_return\": \"NaN\", \"phases\": [{\"phase\": 0, \"start_step\": 0, \"final_mean_return\": 3}]}");
    Files.writeString(d.resolve("metrics.jsonl"), "{\"global_step\":10,\"charts/episodic_return\":1000,\"phase\":0}\n"
        + "{\"global_step\":50,\"charts/episodic_return\":NaN,\"phase\":0}\n{\"global_step\":60,\"charts/episo");
  }
}
