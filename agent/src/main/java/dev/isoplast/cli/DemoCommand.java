package dev.isoplast.cli;

import dev.isoplast.agents.AgentConfig;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.runs.RunDirectory;
import dev.isoplast.runs.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isoplast demo}: the main job's short form: PPO on CartPole-v1 with Adam and with AdamO
 * (the paper's decoupled isometry optimizer), one seed each, through one embedded env server,
 * ending with a comparison table. Each run keeps its own run directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "PPO on CartPole-v1 with Adam and with AdamO, one seed each, then a comparison table.")
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--total-steps", defaultValue = "100000", description = "Env steps per run (default: ${DEFAULT-VALUE}).")
  long totalSteps;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of both runs (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--iso-coef", defaultValue = "1e-3", description = "AdamO's λ (default: ${DEFAULT-VALUE}).")
  double isoCoef;

  @Option(names = "--runs-dir", paramLabel = "DIR", description = "Parent of the two run directories (default: runs/demo__<epochSeconds>).")
  Path runsDir;

  @Mixin
  EnvServerOptions server;

  @Override
  public Integer call() {
    if (totalSteps < 1) {
      throw new IllegalArgumentException("--total-steps must be positive, got " + totalSteps);
    }
    Path parent = runsDir != null ? runsDir : Path.of("runs", "demo__" + System.currentTimeMillis() / 1000);
    Map<String, Map<String, Object>> arms = new LinkedHashMap<>();
    arms.put("adam", Methods.get("adam").overrides("ppo"));
    Map<String, Object> adamo = new LinkedHashMap<>(Methods.get("adamo").overrides("ppo"));
    adamo.put("iso_coef", isoCoef);
    arms.put("adamo", adamo);
    Map<String, Map<String, Object>> results = new LinkedHashMap<>();
    try (EnvServerOptions.Connection c = server.open(parent.resolve("env-server.log"))) {
      for (Map.Entry<String, Map<String, Object>> arm : arms.entrySet()) {
        RunDirectory run = RunDirectory.create(parent.resolve(arm.getKey()));
        System.err.printf("demo: PPO CartPole-v1, optimizer %s, seed %d, %d steps -> %s%n", arm.getKey(), seed, totalSteps, run.path());
        AgentConfig config = Trainer.configFor(c.servers(), "CartPole-v1", "ppo", arm.getValue());
        results.put(arm.getKey(), Trainer.run(c.servers(), c.serverName(), run,
            Trainer.Job.single("CartPole-v1", config, seed, totalSteps, new Trainer.Eval(10, 0), arm.getKey()), true));
      }
    }
    System.out.println();
    System.out.printf("PPO on CartPole-v1, seed %d, %d env steps per run (CleanRL defaults otherwise)%n", seed, totalSteps);
    System.out.printf("%-14s %22s %18s %10s %10s %8s%n", "optimizer", "final mean return (20)", "eval return (10)",
        "episodes", "steps/s", "wall s");
    for (Map.Entry<String, Map<String, Object>> r : results.entrySet()) {
      Map<String, Object> s = r.getValue();
      System.out.printf("%-14s %22.1f %18.1f %10s %10s %8s%n",
          r.getKey() + (r.getKey().equals("adamo") ? " λ=" + isoCoef : ""), (Double) s.get("final_mean_return"),
          (Double) s.get("eval_mean_return"), s.get("episodes"), s.get("sps"), s.get("wall_s"));
    }
    System.out.println("run directories: " + parent + "/{" + String.join(",", List.copyOf(results.keySet())) + "}");
    System.out.println("one seed is an anecdote, not a result: compare several seeds before concluding anything.");
    return 0;
  }
}
