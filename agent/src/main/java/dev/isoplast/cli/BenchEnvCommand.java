package dev.isoplast.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.remote.EnvServerPool;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isoplast bench env}: env steps per second through the sidecar (Java client, gRPC) against
 * the same Gymnasium envs stepped in-process in Python with SyncVectorEnv and same-step autoreset,
 * the ceiling for a Python sidecar. Both sides count env transitions and use random valid actions
 * drawn before the timed loop. With {@code --servers 1,2} each vector is also spread over two
 * servers ({@link EnvServerPool}): the scaling of several env servers per trainer.
 */
@Command(name = "env", mixinStandardHelpOptions = true,
    description = "Env steps/s through the gRPC sidecar versus in-process Gymnasium (SyncVectorEnv); with --servers, "
        + "each vector spread over 1, 2, ... env servers.")
final class BenchEnvCommand implements Callable<Integer> {

  @Mixin
  EnvServerOptions server;

  @Option(names = "--env", defaultValue = "CartPole-v1", description = "Env id (default: ${DEFAULT-VALUE}).")
  String envId;

  @Option(names = "--num-envs", split = ",", defaultValue = "1,8,32",
      description = "Vector widths to measure, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> numEnvs;

  @Option(names = "--steps", defaultValue = "20000", description = "Env transitions per measurement (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--servers", split = ",", defaultValue = "1",
      description = "Env servers to spread each vector over, comma-separated (default: ${DEFAULT-VALUE}); the "
          + "embedded servers are started on loopback, or the first K of --env-server's list are used.")
  List<Integer> servers;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    int most = 1;
    for (int k : servers) {
      if (k < 1) {
        throw new IllegalArgumentException("--servers takes positive counts, got " + k);
      }
      most = Math.max(most, k);
    }
    if (server.isRemote() && server.targets().size() < most) {
      throw new IllegalArgumentException("--servers " + most + " needs at least " + most + " servers in --env-server, got "
          + server.targets().size());
    }
    ObjectNode out = MAPPER.createObjectNode();
    out.put("env", envId);
    out.put("steps", steps);
    out.put("cores", Runtime.getRuntime().availableProcessors());
    ArrayNode results = out.putArray("results");
    try (EnvServerOptions.Connection c = server.open(most, null)) {
      for (int n : numEnvs) {
        double inproc = inProcessStepsPerSecond(n);
        Double one = null;
        for (int k : servers) {
          List<Long> pids = c.processes().isEmpty() ? List.of()
              : c.processes().subList(0, k).stream().map(p -> p.pid()).toList();
          Measurement m = measure(c.servers().firstServers(k), n, pids);
          double grpc = m.stepsPerSecond();
          one = k == 1 ? Double.valueOf(grpc) : one;
          ObjectNode r = results.addObject();
          r.put("num_envs", n);
          r.put("servers", k);
          r.put("grpc_steps_per_s", Math.round(grpc * 10) / 10.0);
          r.put("inprocess_steps_per_s", Math.round(inproc * 10) / 10.0);
          r.put("ratio", Math.round(grpc / inproc * 1000) / 1000.0);
          if (one != null) {
            r.put("speedup_vs_1_server", Math.round(grpc / one * 1000) / 1000.0);
          }
          r.put("wall_us_per_call", Math.round(m.wallNanosPerCall() / 100.0) / 10.0);
          r.put("client_cpu_us_per_call", Math.round(m.clientCpuNanosPerCall() / 100.0) / 10.0);
          if (m.serverCpuNanosPerCall() != null) {
            // each block's client work (on its own thread) and its server's work alternate, and the
            // blocks run at once: with a core per block a call lasts about (client + servers) / k
            double projected = n / ((m.clientCpuNanosPerCall() + m.serverCpuNanosPerCall()) / k / 1e9);
            r.put("servers_cpu_us_per_call", Math.round(m.serverCpuNanosPerCall() / 100.0) / 10.0);
            r.put("projected_steps_per_s_free_cores", Math.round(projected));
          }
        }
      }
    }
    if (json) {
      System.out.println(MAPPER.writeValueAsString(out));
    } else {
      System.out.printf("%-9s %8s %16s %20s %7s %9s %14s %14s %18s%n", "num_envs", "servers", "grpc steps/s",
          "in-process steps/s", "ratio", "speedup", "client cpu us", "server cpu us", "core/block steps/s");
      for (JsonNode r : results) {
        System.out.printf("%-9d %8d %16.0f %20.0f %7.3f %9s %14.1f %14s %18s%n", r.get("num_envs").asInt(),
            r.get("servers").asInt(), r.get("grpc_steps_per_s").asDouble(), r.get("inprocess_steps_per_s").asDouble(),
            r.get("ratio").asDouble(),
            r.has("speedup_vs_1_server") ? String.format("%.3f", r.get("speedup_vs_1_server").asDouble()) : "-",
            r.get("client_cpu_us_per_call").asDouble(),
            r.has("servers_cpu_us_per_call") ? String.format("%.1f", r.get("servers_cpu_us_per_call").asDouble()) : "-",
            r.has("projected_steps_per_s_free_cores") ? r.get("projected_steps_per_s_free_cores").asText() : "-");
      }
    }
    return 0;
  }

  /**
   * One timed loop: wall time, this JVM's CPU time and the embedded servers' CPU time per call.
   * CPU times hardly depend on what else the machine runs; wall time does.
   *
   * @param serverCpuNanosPerCall summed over the servers; null when they are not embedded (not ours to read)
   */
  record Measurement(double stepsPerSecond, double wallNanosPerCall, double clientCpuNanosPerCall,
      Double serverCpuNanosPerCall) {}

  private Measurement measure(EnvServerPool servers, int n, List<Long> serverPids) {
    try (VectorEnv env = servers.make(envId, n, seed, java.util.Map.of())) {
      SplittableRandom rng = new SplittableRandom(seed);
      List<double[]> pool = new ArrayList<>();
      for (int i = 0; i < 256; i++) {
        pool.add(env.actionSpace().sampleBatch(rng, n));
      }
      env.reset(seed);
      long calls = Math.max(1, steps / n);
      long warmup = Math.max(10, calls / 10);
      for (long i = 0; i < warmup; i++) {
        env.step(pool.get((int) (i % pool.size())));
      }
      long server0 = serverCpuNanos(serverPids);
      long cpu0 = clientCpuNanos();
      long t0 = System.nanoTime();
      for (long i = 0; i < calls; i++) {
        env.step(pool.get((int) (i % pool.size())));
      }
      long wall = System.nanoTime() - t0;
      long cpu = clientCpuNanos() - cpu0;
      long server = serverCpuNanos(serverPids) - server0;
      return new Measurement(calls * n / (wall / 1e9), (double) wall / calls, (double) cpu / calls,
          serverPids.isEmpty() || server0 < 0 ? null : (double) server / calls);
    }
  }

  private static long clientCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** User + system CPU time of the processes, from /proc (Linux; clock ticks of 10 ms), or -1 when unreadable. */
  private static long serverCpuNanos(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      try {
        String stat = java.nio.file.Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // utime, stime (fields 14, 15)
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return total;
  }

  private double inProcessStepsPerSecond(int n) throws IOException, InterruptedException {
    Path home = IsoplastHome.locate();
    List<String> cmd = List.of(IsoplastHome.venvPython(home).toString(), "-m", "isoplast_env_server.bench_inprocess",
        "--env", envId, "--num-envs", Integer.toString(n), "--steps", Long.toString(steps), "--seed", Long.toString(seed));
    Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("in-process benchmark failed (" + String.join(" ", cmd) + "): " + stdout);
    }
    String last = stdout.substring(stdout.lastIndexOf('\n') + 1);
    return MAPPER.readTree(last).get("steps_per_s").asDouble();
  }
}
