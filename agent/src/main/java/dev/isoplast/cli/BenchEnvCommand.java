package dev.isoplast.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isoplast bench env}: env steps per second through the sidecar (Java client) against the
 * same Gymnasium envs stepped in-process in Python with SyncVectorEnv and same-step autoreset, the
 * ceiling for a Python sidecar. Each transport of {@code --transports} is measured on its own
 * client of the same server ({@code unix}: the local data path, {@code grpc}: the StepStream), so
 * the old and the new path are compared in one run; with {@code --rounds} above 1 every
 * measurement is repeated in interleaved rounds and the median kept. Both sides count env
 * transitions and use random valid actions drawn before the timed loop.
 */
@Command(name = "env", mixinStandardHelpOptions = true,
    description = "Env steps/s through the sidecar (local data path and gRPC) versus in-process Gymnasium (SyncVectorEnv).")
final class BenchEnvCommand implements Callable<Integer> {

  @Mixin
  EnvServerOptions server;

  @Option(names = "--env", defaultValue = "CartPole-v1", description = "Env id (default: ${DEFAULT-VALUE}).")
  String envId;

  @Option(names = "--num-envs", split = ",", defaultValue = "1,8,32",
      description = "Vector widths to measure, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> numEnvs;

  @Option(names = "--transports", split = ",", defaultValue = "unix,grpc", converter = EnvServerOptions.TransportConverter.class,
      description = "Transports to measure, each on its own client: unix (the local data path), grpc (StepStream), "
          + "auto (default: ${DEFAULT-VALUE}).")
  List<Transport> transports;

  @Option(names = "--steps", defaultValue = "20000", description = "Env transitions per measurement (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--rounds", defaultValue = "1", description = "Interleaved repetitions of every measurement; the median is reported (default: ${DEFAULT-VALUE}).")
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
    ObjectNode out = MAPPER.createObjectNode();
    out.put("env", envId);
    out.put("steps", steps);
    out.put("rounds", rounds);
    out.put("load_average", loadAverage());
    ArrayNode results = out.putArray("results");
    try (EnvServerOptions.Connection c = server.open()) {
      Map<Transport, EnvServerClient> clients = new LinkedHashMap<>();
      for (Transport t : transports) {
        clients.put(t, server.connectAgain(c, t));
      }
      try {
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
          for (int n : numEnvs) {
            samples.computeIfAbsent("inprocess/" + n, k -> new ArrayList<>()).add(inProcessStepsPerSecond(n));
            for (Map.Entry<Transport, EnvServerClient> e : clients.entrySet()) {
              samples.computeIfAbsent(e.getKey().cliName() + "/" + n, k -> new ArrayList<>())
                  .add(stepsPerSecond(e.getValue(), n));
            }
          }
        }
        for (int n : numEnvs) {
          ObjectNode r = results.addObject();
          r.put("num_envs", n);
          double inproc = median(samples.get("inprocess/" + n));
          r.put("inprocess_steps_per_s", Math.round(inproc * 10) / 10.0);
          for (Map.Entry<Transport, EnvServerClient> e : clients.entrySet()) {
            String name = e.getKey().cliName();
            double v = median(samples.get(name + "/" + n));
            r.put(name + "_steps_per_s", Math.round(v * 10) / 10.0);
            r.put(name + "_ratio", Math.round(v / inproc * 1000) / 1000.0);
            if (e.getKey() == Transport.AUTO) {
              r.put("auto_uses_data_path", e.getValue().usesDataPath());
            }
          }
        }
      } finally {
        clients.values().forEach(EnvServerClient::close);
      }
    }
    if (json) {
      System.out.println(MAPPER.writeValueAsString(out));
    } else {
      StringBuilder head = new StringBuilder(String.format("%-9s %20s", "num_envs", "in-process steps/s"));
      for (Transport t : transports) {
        head.append(String.format(" %14s %8s", t.cliName() + " steps/s", "ratio"));
      }
      System.out.println(head);
      for (JsonNode r : results) {
        StringBuilder line = new StringBuilder(String.format("%-9d %20.0f", r.get("num_envs").asInt(),
            r.get("inprocess_steps_per_s").asDouble()));
        for (Transport t : transports) {
          line.append(String.format(" %14.0f %8.3f", r.get(t.cliName() + "_steps_per_s").asDouble(),
              r.get(t.cliName() + "_ratio").asDouble()));
        }
        System.out.println(line);
      }
      System.out.printf("load average at start: %s%n", out.get("load_average").asText());
    }
    return 0;
  }

  private double stepsPerSecond(EnvServerClient client, int n) {
    try (VectorEnv env = client.make(envId, n, seed)) {
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
      long t0 = System.nanoTime();
      for (long i = 0; i < calls; i++) {
        env.step(pool.get((int) (i % pool.size())));
      }
      return calls * n / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private static double median(List<Double> v) {
    double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
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
