package dev.isoplast.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.agents.AgentConfig;
import dev.isoplast.runs.RunDirectory;
import dev.isoplast.runs.RunSpec;
import dev.isoplast.runs.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isoplast bench soak}: a long PPO run as {@code train} makes it (run directory, metrics,
 * event file, checkpoints, every monitor, the env server's data path), sampling every
 * {@code --sample-seconds} the resident memory and open file descriptors of this JVM and of the
 * embedded env server ({@code /proc}, Linux). After the warm-up, neither may grow by more than
 * {@code --max-growth}: the mean of the last three samples against the mean of the first three
 * after warm-up. A benchmark, not a test: it takes minutes.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = {"Soak: PPO on CartPole-v1 for --total-steps through the data path with every monitor on, "
        + "sampling the JVM's and the env server's RSS and open fds every --sample-seconds into JSON.",
        "Exit 1 when one grows by more than --max-growth after --warmup-steps (docs/performance.md)."})
final class BenchSoakCommand implements Callable<Integer> {

  @Option(names = "--total-steps", defaultValue = "2000000", description = "Env steps (default: ${DEFAULT-VALUE}).")
  long totalSteps;

  @Option(names = "--sample-seconds", defaultValue = "10", description = "Seconds between samples (default: ${DEFAULT-VALUE}).")
  double sampleSeconds;

  @Option(names = "--warmup-steps", paramLabel = "N", description = "Samples before env step N are the warm-up "
      + "(JIT, heap sizing, ND4J workspaces) and not judged (default: a tenth of --total-steps; measured here, the "
      + "JVM's RSS settles after ~55,000 steps).")
  Long warmupSteps;

  @Option(names = "--max-growth", defaultValue = "0.05", description = "Allowed growth after warm-up (default: ${DEFAULT-VALUE}).")
  double maxGrowth;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--run-dir", paramLabel = "DIR", description = "The run directory (default: runs/soak__<epochSeconds>).")
  Path runDir;

  @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON here.")
  Path out;

  @Mixin
  EnvServerOptions server;

  /**
   * One sample: seconds since the start, the env step, both processes' RSS (MiB) and fds, and the
   * JVM's heap in use after its last collection (MiB): RSS also grows when the collector commits more
   * heap under a higher allocation rate, the heap after a GC only with live data.
   */
  record Sample(double t, long step, double jvmRssMb, int jvmFds, double serverRssMb, int serverFds,
      double heapAfterGcMb) {}

  @Override
  public Integer call() throws Exception {
    if (warmupSteps == null) {
      warmupSteps = totalSteps / 10;
    }
    if (totalSteps < 1 || sampleSeconds <= 0 || warmupSteps < 0 || maxGrowth < 0) {
      throw new IllegalArgumentException("--total-steps and --sample-seconds must be > 0, --warmup-steps and "
          + "--max-growth >= 0");
    }
    if (server.isRemote()) {
      throw new IllegalArgumentException("bench soak samples its own embedded env server: drop --env-server");
    }
    RunDirectory run = RunDirectory.create(runDir != null ? runDir
        : Path.of("runs", "soak__" + System.currentTimeMillis() / 1000));
    List<Sample> samples = new ArrayList<>();
    Map<String, Object> summary;
    long t0 = System.nanoTime();
    try (EnvServerOptions.Connection c = server.open(run.file("env-server.log"))) {
      AgentConfig config = Trainer.configFor(c.servers(), "CartPole-v1", "ppo", Map.of());
      RunSpec.Rl job = RunSpec.Rl.single("CartPole-v1", config, seed, totalSteps, new RunSpec.Eval(0, 0), null);
      AtomicBoolean done = new AtomicBoolean();
      Thread sampler = new Thread(() -> {
        while (!done.get()) {
          synchronized (samples) {
            samples.add(sample(t0, run.path(), c));
            writeSoFar(samples);
          }
          try {
            Thread.sleep((long) (sampleSeconds * 1000));
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "isoplast-soak-sampler");
      sampler.setDaemon(true);
      sampler.start();
      try {
        summary = Trainer.run(c.servers(), c.serverName(), run, job, false);
      } finally {
        done.set(true);
        sampler.interrupt();
        sampler.join();
      }
      synchronized (samples) {
        samples.add(sample(t0, run.path(), c));
      }
    }
    ObjectNode json = report(samples, summary);
    String text = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json);
    System.out.println(text);
    if (out != null) {
      Files.writeString(out, text + "\n");
    }
    return json.get("pass").asBoolean() ? 0 : 1;
  }

  /** The figures so far to --out (complete: false), so that a soak cut short still leaves them. */
  private void writeSoFar(List<Sample> samples) {
    if (out == null) {
      return;
    }
    try {
      Files.writeString(out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(
          report(samples, null)) + "\n");
    } catch (IOException e) {
      System.err.println("warning: cannot write " + out + ": " + e.getMessage());
    }
  }

  /** The JSON of {@code samples}; {@code summary} is the finished run's (null while it runs). */
  private ObjectNode report(List<Sample> samples, Map<String, Object> summary) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode json = m.createObjectNode();
    json.put("complete", summary != null);
    json.put("total_steps", totalSteps);
    json.put("steps_so_far", samples.isEmpty() ? 0 : samples.get(samples.size() - 1).step());
    if (summary != null) {
      json.put("sps", ((Number) summary.get("sps")).doubleValue());
      json.put("wall_s", ((Number) summary.get("wall_s")).doubleValue());
      json.put("final_mean_return", ((Number) summary.get("final_mean_return")).doubleValue());
    }
    json.put("sample_seconds", sampleSeconds);
    json.put("warmup_steps", warmupSteps);
    List<Sample> judged = samples.stream().filter(s -> s.step() >= warmupSteps).toList();
    boolean pass = summary != null && judged.size() >= 6;
    ObjectNode growth = json.putObject("growth_after_warmup");
    if (judged.size() >= 6) {
      String[] names = {"jvm_rss_mb", "jvm_fds", "server_rss_mb", "server_fds", "heap_after_gc_mb"};
      for (int k = 0; k < names.length; k++) {
        int key = k;
        double first = judged.subList(0, 3).stream().mapToDouble(s -> value(s, key)).average().orElse(0);
        double last = judged.subList(judged.size() - 3, judged.size()).stream().mapToDouble(s -> value(s, key))
            .average().orElse(0);
        double max = judged.stream().mapToDouble(s -> value(s, key)).max().orElse(0);
        ObjectNode g = growth.putObject(names[k]);
        g.put("first", first);
        g.put("last", last);
        g.put("max", max);
        g.put("growth", first > 0 ? last / first - 1 : 0);
        pass &= k == 4 || (first > 0 && last / first - 1 <= maxGrowth); // the heap figure is for reading, not judged
      }
    }
    json.put("max_growth", maxGrowth);
    json.put("pass", pass);
    ArrayNode rows = json.putArray("samples");
    for (Sample s : samples) {
      ObjectNode r = rows.addObject();
      r.put("t", Math.round(s.t() * 10) / 10.0);
      r.put("step", s.step());
      r.put("jvm_rss_mb", s.jvmRssMb());
      r.put("jvm_fds", s.jvmFds());
      r.put("server_rss_mb", s.serverRssMb());
      r.put("server_fds", s.serverFds());
      r.put("heap_after_gc_mb", s.heapAfterGcMb());
    }
    return json;
  }

  private static double value(Sample s, int k) {
    return switch (k) {
      case 0 -> s.jvmRssMb();
      case 1 -> s.jvmFds();
      case 2 -> s.serverRssMb();
      case 3 -> s.serverFds();
      default -> s.heapAfterGcMb();
    };
  }

  private static Sample sample(long t0, Path runDir, EnvServerOptions.Connection c) {
    long server = c.processes().get(0).pid(); // the current process (a restarted server is a new one)
    return new Sample((System.nanoTime() - t0) / 1e9, lastStep(runDir), rssMb(ProcessHandle.current().pid()),
        fds(ProcessHandle.current().pid()), rssMb(server), fds(server), heapAfterGcMb());
  }

  /** The heap pools' use after their last collection, in MiB (0 before the first). */
  static double heapAfterGcMb() {
    long used = 0;
    for (java.lang.management.MemoryPoolMXBean p : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == java.lang.management.MemoryType.HEAP && p.getCollectionUsage() != null) {
        used += p.getCollectionUsage().getUsed();
      }
    }
    return used / (1024.0 * 1024.0);
  }

  /** VmRSS of {@code pid} in MiB (0 when it cannot be read). */
  static double rssMb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not Linux
    }
    return 0;
  }

  /** Open file descriptors of {@code pid} (0 when they cannot be listed). */
  static int fds(long pid) {
    try (var s = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      return (int) s.count();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The global_step of metrics.jsonl's last row (0 before the first). */
  private static long lastStep(Path runDir) {
    Path metrics = runDir.resolve("metrics.jsonl");
    try (var f = new java.io.RandomAccessFile(metrics.toFile(), "r")) {
      long len = f.length();
      if (len == 0) {
        return 0;
      }
      byte[] tail = new byte[(int) Math.min(len, 4096)];
      f.seek(len - tail.length);
      f.readFully(tail);
      String text = new String(tail, java.nio.charset.StandardCharsets.UTF_8).strip();
      String last = text.substring(text.lastIndexOf('\n') + 1);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"global_step\":(\\d+)").matcher(last);
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
