package dev.isoplast.cli;

import dev.isoplast.config.LearnerKind;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.agents.ppo.Ppo;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.monitor.Ntk;
import dev.isoplast.monitor.ProbeBatch;
import dev.isoplast.runs.Monitors;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isoplast bench monitors}: what the monitors cost, in one run. First the empirical NTK of
 * PPO's actor (4-64-64-2 tanh, float32) on a probe batch of B rollout observations, the fast
 * per-layer Gram method against brute-force per-sample gradients (medians of {@code --reps});
 * then a PPO CartPole-v1 training run with every monitor at its default cadence, splitting the
 * wall time into training and monitoring per update (one update = one PPO iteration).
 */
@Command(name = "monitors", mixinStandardHelpOptions = true,
    description = {"Monitor cost: fast vs brute-force NTK, and the share of a PPO CartPole run spent in the monitors "
        + "at their default cadence.",
        "Prints {\"ntk_fast_ms\", \"ntk_bruteforce_ms\", \"speedup\", \"train_ms_per_update\", "
            + "\"monitor_ms_per_update\", \"share\"} with --json. Goals: speedup >= 50, share <= 0.03."})
final class BenchMonitorsCommand implements Callable<Integer> {

  @Option(names = "--probe-size", defaultValue = "256", paramLabel = "B", description = "Probe batch size (default: ${DEFAULT-VALUE}).")
  int probeSize;

  @Option(names = "--total-steps", defaultValue = "204800", description = "Env steps of the PPO run (default: ${DEFAULT-VALUE} = 400 updates).")
  long totalSteps;

  @Option(names = "--reps", defaultValue = "9", description = "Repetitions of each NTK timing; the medians are reported (default: ${DEFAULT-VALUE}).")
  int reps;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @Mixin
  EnvServerOptions server;

  @Override
  public Integer call() throws Exception {
    if (probeSize < 2 || totalSteps < 1 || reps < 1) {
      throw new IllegalArgumentException("--probe-size must be >= 2, --total-steps and --reps >= 1");
    }
    PpoConfig config = PpoConfig.defaults();
    ObjectNode out = new ObjectMapper().createObjectNode();
    try (EnvServerOptions.Connection c = server.open(null);
        VectorEnv env = c.servers().make("CartPole-v1", config.numEnvs(), seed)) {
      Ppo ppo = new Ppo(config, env, seed);
      // a short run so that the probe inputs are real rollout observations and the net has trained
      ppo.train(config.batchSize() * 20L, MetricSink.discard(), List.of());
      ProbeBatch probe = new ProbeBatch(ppo.actor().inSize(), probeSize);
      probe.refresh(ppo.recentInputs(16 * probeSize), new java.util.SplittableRandom(seed));
      Ntk.Timing t = Ntk.time(ppo.actor(), probe.toArray(DataType.FLOAT), reps);
      out.put("probe_size", probe.size());
      out.put("ntk_fast_ms", t.fastMs());
      out.put("ntk_bruteforce_ms", t.bruteForceMs());
      out.put("speedup", t.speedup());

      Ppo fresh = new Ppo(config, env, seed + 1);
      Map<Monitors.Kind, Integer> cadence = Monitors.defaultCadence(LearnerKind.PPO);
      Monitors monitors = new Monitors(fresh, Monitors.parse("all"), cadence, probeSize,
          Monitors.refreshInterval(cadence), seed, MetricSink.discard());
      TrainResult r = fresh.train(totalSteps, MetricSink.discard(), List.of(monitors));
      double wallMs = r.wallSeconds() * 1000;
      long updates = monitors.updates();
      double monitorMs = monitors.totalMs() / updates;
      double trainMs = (wallMs - monitors.totalMs()) / updates;
      out.put("updates", updates);
      out.put("train_ms_per_update", trainMs);
      out.put("monitor_ms_per_update", monitorMs);
      out.put("share", monitorMs / trainMs);
      out.put("sps", r.sps());
    }
    if (json) {
      System.out.println(out.toString());
    } else {
      System.out.printf("NTK of PPO's actor (4-64-64-2 tanh, float32) at B = %d: fast %.2f ms, brute force %.1f ms, "
          + "speedup %.1fx (goal >= 50)%n", out.get("probe_size").asInt(), out.get("ntk_fast_ms").asDouble(),
          out.get("ntk_bruteforce_ms").asDouble(), out.get("speedup").asDouble());
      System.out.printf("PPO CartPole-v1, %d updates, all monitors at default cadence: training %.2f ms/update, "
          + "monitors %.3f ms/update, share %.4f (goal <= 0.03)%n", out.get("updates").asLong(),
          out.get("train_ms_per_update").asDouble(), out.get("monitor_ms_per_update").asDouble(),
          out.get("share").asDouble());
    }
    return 0;
  }
}
