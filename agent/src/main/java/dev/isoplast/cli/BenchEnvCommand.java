package dev.isoplast.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.remote.EnvServerPool;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isoplast bench env}: env steps per second through the sidecar (Java client) against the
 * same Gymnasium envs stepped in-process in Python with SyncVectorEnv and same-step autoreset, the
 * ceiling for a Python sidecar. Two dimensions, measured in one run so that their ratios compare:
 * each transport of {@code --transports} on its own clients of the same servers ({@code unix}: the
 * local data path, {@code grpc}: the StepStream, {@code auto}: what a trainer picks), and with
 * {@code --servers 1,2} each vector spread over that many servers ({@link EnvServerPool}). With
 * {@code --rounds} above 1 every measurement is repeated in interleaved rounds and the median kept.
 * Both sides count env transitions and use random valid actions drawn before the timed loop.
 */
@Command(name = "env", mixinStandardHelpOptions = true,
    description = "Env steps/s through the sidecar (local data path and gRPC) versus in-process Gymnasium "
        + "(SyncVectorEnv); with --servers, each vector spread over 1, 2, ... env servers.")
final class BenchEnvCommand implements Callable<Integer> {

  @Mixin
  EnvServerOptions server;

  @Option(names = "--env", defaultValue = "CartPole-v1", description = "Env id (default: ${DEFAULT-VALUE}).")
  String envId;

  @Option(names = "--num-envs", split = ",", defaultValue = "1,8,32",
      description = "Vector widths to measure, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> numEnvs;

  @Option(names = "--transports", split = ",", defaultValue = "unix,grpc", converter = EnvServerOptions.TransportConverter.class,
      description = "Transports to measure, each on its own clients: unix (the local data path), grpc (StepStream), "
          + "auto (default: ${DEFAULT-VALUE}).")
  List<Transport> transports;

  @Option(names = "--servers", split = ",", defaultValue = "1",
      description = "Env servers to spread each vector over, comma-separated (default: ${DEFAULT-VALUE}); the "
          + "embedded servers are started on loopback, or the first K of --env-server's list are used.")
  List<Integer> servers;

  @Option(names = "--steps", defaultValue = "20000", description = "Env transitions per measurement (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--rounds", defaultValue = "1",
      description = "Interleaved repetitions of every measurement; the median is reported (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    if (rounds < 1 || steps < 1) {
      throw new IllegalArgumentException("--rounds and --steps must be >= 1");
    }
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
    out.put("rounds", rounds);
    out.put("cores", Runtime.getRuntime().availableProcessors());
    out.put("load_average", loadAverage());
    ArrayNode results = out.putArray("results");
    try (EnvServerOptions.Connection c = server.open(most, null)) {
      Map<Transport, EnvServerPool> pools = new LinkedHashMap<>();
      try {
        for (Transport t : transports) {
          pools.put(t, server.connectAgain(c, t));
        }
        Map<String, List<Double>> inproc = new LinkedHashMap<>();
        Map<String, List<Measurement>> samples = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
          for (int n : numEnvs) {
            inproc.computeIfAbsent("" + n, x -> new ArrayList<>()).add(inProcessStepsPerSecond(n));
            for (int k : servers) {
              List<Long> pids = c.processes().isEmpty() ? List.of()
                  : c.processes().subList(0, k).stream().map(p -> p.pid()).toList();
              for (Map.Entry<Transport, EnvServerPool> e : pools.entrySet()) {
                samples.computeIfAbsent(key(n, k, e.getKey()), x -> new ArrayList<>())
                    .add(measure(e.getValue().firstServers(k), n, pids));
              }
            }
          }
        }
        for (int n : numEnvs) {
          double in = median(inproc.get("" + n), v -> v);
          for (Map.Entry<Transport, EnvServerPool> e : pools.entrySet()) {
            Double one = null;
            for (int k : servers) {
              List<Measurement> ms = samples.get(key(n, k, e.getKey()));
              double sps = median(ms, Measurement::stepsPerSecond);
              one = k == 1 ? Double.valueOf(sps) : one;
              ObjectNode r = results.addObject();
              r.put("num_envs", n);
              r.put("servers", k);
              r.put("transport", e.getKey().cliName());
              r.put("uses_data_path", e.getValue().firstServers(k).transports());
              r.put("steps_per_s", Math.round(sps * 10) / 10.0);
              r.put("inprocess_steps_per_s", Math.round(in * 10) / 10.0);
              r.put("ratio", Math.round(sps / in * 1000) / 1000.0);
              if (one != null) {
                r.put("speedup_vs_1_server", Math.round(sps / one * 1000) / 1000.0);
              }
              r.put("wall_us_per_call", Math.round(median(ms, Measurement::wallNanosPerCall) / 100.0) / 10.0);
              double client = median(ms, Measurement::clientCpuNanosPerCall);
              r.put("client_cpu_us_per_call", Math.round(client / 100.0) / 10.0);
              if (ms.get(0).serverCpuNanosPerCall() != null) {
                double servers = median(ms, Measurement::serverCpuNanosPerCall);
                // the servers step their blocks at once while the client encodes and decodes:
                // with a core per block a call lasts about (client + servers) / k
                double projected = n / ((client + servers) / k / 1e9);
                r.put("servers_cpu_us_per_call", Math.round(servers / 100.0) / 10.0);
                r.put("projected_steps_per_s_free_cores", Math.round(projected));
              }
            }
          }
        }
      } finally {
        pools.values().forEach(EnvServerPool::close);
      }
    }
    if (json) {
      System.out.println(MAPPER.writeValueAsString(out));
    } else {
      System.out.printf("%-9s %8s %9s %14s %20s %7s %9s %14s %14s %18s%n", "num_envs", "servers", "transport",
          "steps/s", "in-process steps/s", "ratio", "speedup", "client cpu us", "server cpu us", "core/block steps/s");
      for (JsonNode r : results) {
        System.out.printf("%-9d %8d %9s %14.0f %20.0f %7.3f %9s %14.1f %14s %18s%n", r.get("num_envs").asInt(),
            r.get("servers").asInt(), r.get("transport").asText(), r.get("steps_per_s").asDouble(),
            r.get("inprocess_steps_per_s").asDouble(), r.get("ratio").asDouble(),
            r.has("speedup_vs_1_server") ? String.format("%.3f", r.get("speedup_vs_1_server").asDouble()) : "-",
            r.get("client_cpu_us_per_call").asDouble(),
            r.has("servers_cpu_us_per_call") ? String.format("%.1f", r.get("servers_cpu_us_per_call").asDouble()) : "-",
            r.has("projected_steps_per_s_free_cores") ? r.get("projected_steps_per_s_free_cores").asText() : "-");
      }
      System.out.printf("load average at start: %s%n", out.get("load_average").asText());
    }
    return 0;
  }

  private static String key(int n, int servers, Transport t) {
    return n + "/" + servers + "/" + t.cliName();
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
    try (VectorEnv env = servers.make(envId, n, seed, Map.of())) {
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

  private static <T> double median(List<T> samples, ToDoubleFunction<T> f) {
    double[] s = samples.stream().mapToDouble(f).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static long clientCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** User + system CPU time of the processes, from /proc (Linux; clock ticks of 10 ms), or -1 when unreadable. */
  private static long serverCpuNanos(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      try {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // utime, stime (fields 14, 15)
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return total;
  }

  /** The 1, 5 and 15 minute load averages (Linux), to say how busy the machine was. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
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
