package dev.isoplast.cli;

import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isoplast rollout}: a seeded random policy, as a smoke test and a quick speed reading. */
@Command(name = "rollout", mixinStandardHelpOptions = true,
    description = "Step an env with a seeded uniformly random policy and report episodes, mean return and steps/s.")
final class RolloutCommand implements Callable<Integer> {

  @Mixin
  EnvServerOptions server;

  @Option(names = "--env", required = true, description = "Env id, e.g. CartPole-v1 (see `isoplast envs`).")
  String envId;

  @Option(names = "--num-envs", defaultValue = "8", description = "Envs stepped together in one call (default: ${DEFAULT-VALUE}).")
  int numEnvs;

  @Option(names = "--steps", defaultValue = "10000", description = "Total env steps, summed over the envs (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--seed", defaultValue = "1", description = "Seeds the envs (env i gets seed+i) and the policy (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    if (numEnvs < 1 || steps < 1) {
      throw new IllegalArgumentException("--num-envs and --steps must be positive");
    }
    try (EnvServerOptions.Connection c = server.open();
         VectorEnv env = c.servers().make(envId, numEnvs, seed)) {
      SplittableRandom rng = new SplittableRandom(seed);
      env.reset(seed);
      long calls = (steps + numEnvs - 1) / numEnvs;
      int episodes = 0;
      double sumReturn = 0;
      long t0 = System.nanoTime();
      for (long i = 0; i < calls; i++) {
        StepResult r = env.step(env.actionSpace().sampleBatch(rng, numEnvs));
        for (double ret : r.episodeReturns()) {
          episodes++;
          sumReturn += ret;
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      long done = calls * numEnvs;
      System.out.printf("env %s, %d envs, seed %d: %d steps, %d episodes finished, mean return %s%n",
          envId, numEnvs, seed, done, episodes, episodes == 0 ? "n/a" : String.format("%.4f", sumReturn / episodes));
      System.out.printf("%.0f steps/s%n", done / secs);
    }
    return 0;
  }
}
