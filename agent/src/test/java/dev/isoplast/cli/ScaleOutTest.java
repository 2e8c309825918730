package dev.isoplast.cli;

import static dev.isoplast.deploy.DeployFiles.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.deploy.DeployFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands the containers run, executed outside containers (no engine runs here): two env
 * servers started exactly as docker-compose.yml starts them (all interfaces, the token from a
 * secret file, health-checked by the compose health check), the compose trainer's sweep spread
 * over both (the name env-server, which a scaled compose service resolves to both addresses, is
 * given here as the two addresses), and the Kubernetes Indexed Job's command for completion
 * indexes 0 and 1 running at once into one shared directory. The merged report of the two shards
 * must equal the one-machine report, every cell's metrics must be the same, and a run whose envs
 * are spread over two servers must equal the same run on one server.
 */
class ScaleOutTest {

  @TempDir
  static Path tmp;

  private static final Path ROOT = DeployFiles.root();
  private static final List<Process> servers = new ArrayList<>();
  private static Path token;
  private static List<String> addresses;

  /** Time-dependent values, the only ones allowed to differ between two runs of one seed. */
  private static final Set<String> CLOCK = Set.of("charts/SPS", "monitors/ms", "sps", "wall_s", "monitor_s");

  @BeforeAll
  static void startTwoEnvServersAsComposeDoes() throws Exception {
    token = tmp.resolve("env_token"); // stands for the compose secret mounted at /run/secrets/env_token
    Files.writeString(token, "t0ken-" + System.nanoTime() + "\n");
    JsonNode server = DeployFiles.compose(Map.of()).at("/services/env-server");
    addresses = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      List<String> cmd = new ArrayList<>(List.of(ROOT.resolve(".venv/bin/isoplast-env-server").toString()));
      for (String a : strings(server.path("command"))) {
        cmd.add(a.equals("50051") ? "0" : a.equals("/run/secrets/env_token") ? token.toString() : a); // a free port
      }
      assertTrue(cmd.contains("0.0.0.0") && cmd.contains("--token-file"), cmd.toString());
      Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve("env-server-" + k + ".log").toFile()).start();
      servers.add(p);
      String port = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
      assertTrue(port != null && port.matches("\\d+"), "the server prints its port: " + port);
      List<String> health = new ArrayList<>();
      for (String a : strings(server.at("/healthcheck/test")).subList(1, 6)) { // after "CMD"
        health.add(a.equals("python") ? ROOT.resolve(".venv/bin/python").toString() : a.equals("50051") ? port : a);
      }
      DeployFiles.Result h = DeployFiles.run(health, Map.of());
      assertEquals(0, h.code(), "the compose health check passes: " + h.err());
      addresses.add("127.0.0.1:" + port);
    }
  }

  @AfterAll
  static void stopServers() {
    servers.forEach(Process::destroy);
  }

  /** The CLI in a JVM of its own, as the trainer image runs it (the image's launcher execs java -jar). */
  private static DeployFiles.Result isoplast(List<String> args, Map<String, String> env) throws Exception {
    return DeployFiles.run(javaCommand(args), childEnv(env));
  }

  private static List<String> javaCommand(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Disoplast.home=" + ROOT, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(args);
    return cmd;
  }

  private static Map<String, String> childEnv(Map<String, String> env) {
    Map<String, String> e = new HashMap<>(env);
    e.put("OMP_NUM_THREADS", "1"); // both sweeps' cells with one thread: ND4J's sums depend on the count
    e.put("ISOPLAST_ENV_TOKEN", ""); // the token must come from the secret file
    return e;
  }

  /** A container path mapped to where the test keeps it. */
  private static String host(String arg, Map<String, String> mounts) {
    for (Map.Entry<String, String> m : mounts.entrySet()) {
      if (arg.equals(m.getKey()) || arg.startsWith(m.getKey() + "/")) {
        return m.getValue() + arg.substring(m.getKey().length());
      }
    }
    return arg;
  }

  @Test
  void theShardedSweepOfTheIndexedJobMergesIntoTheOneMachineComposeSweep() throws Exception {
    String both = String.join(",", addresses);

    // docker compose up: the trainer's command, its volumes and secret mapped to host paths
    JsonNode trainer = DeployFiles.compose(Map.of()).at("/services/trainer");
    Path composeRuns = tmp.resolve("compose-runs");
    Map<String, String> composeMounts = Map.of("/sweeps", trainer.at("/volumes/0/source").asText(), "/runs",
        composeRuns.toString(), "/run/secrets/env_token", token.toString());
    List<String> composeArgs = new ArrayList<>();
    for (String a : strings(trainer.path("command"))) {
      composeArgs.add(a.equals("env-server:50051") ? both : host(a, composeMounts));
    }
    Map<String, String> composeEnv = Map.of("ISOPLAST_ENV_TOKEN_FILE",
        host(trainer.at("/environment/ISOPLAST_ENV_TOKEN_FILE").asText(), composeMounts));
    long t0 = System.nanoTime();
    DeployFiles.Result one = isoplast(composeArgs, composeEnv);
    assertEquals(0, one.code(), one.err() + one.out());
    double composeSeconds = (System.nanoTime() - t0) / 1e9;
    Path oneDir = Path.of(composeArgs.get(composeArgs.indexOf("--run-dir") + 1));
    JsonNode index = DeployFiles.JSON.readTree(oneDir.resolve("sweep.json").toFile());
    assertEquals(4, index.at("/counts/completed").asInt(), index.toString());
    assertEquals(both, index.path("env_server").asText());
    Set<String> used = new TreeSet<>();
    for (JsonNode c : index.path("cells")) {
      Matcher m = Pattern.compile("env_server: (\\S+)").matcher(Files.readString(
          oneDir.resolve(c.path("run_dir").asText()).resolve("config.yaml")));
      assertTrue(m.find());
      used.add(m.group(1).replace("\"", ""));
    }
    assertEquals(new TreeSet<>(addresses), used, "two workers, two servers: each worker's cells on its own server");

    // kubectl apply -f deploy/k8s/sweep-job.yaml: completion indexes 0 and 1 at once, one shared volume
    JsonNode job = DeployFiles.manifest("deploy/k8s/sweep-job.yaml", "Job", "isoplast-sweep");
    JsonNode container = job.at("/spec/template/spec/containers/0");
    Path shared = tmp.resolve("k8s-runs");
    Map<String, String> jobMounts = Map.of("/sweeps/sweep.yaml", ROOT.resolve("sweeps/smoke.yaml").toString(),
        "/runs", shared.toString(), "/run/secrets/env_token", token.toString());
    String tokenFile = null;
    for (JsonNode e : container.path("env")) {
      tokenFile = e.path("name").asText().equals("ISOPLAST_ENV_TOKEN_FILE") ? e.path("value").asText() : tokenFile;
    }
    Map<String, String> jobEnv = Map.of("ISOPLAST_ENV_TOKEN_FILE", host(tokenFile, jobMounts));
    assertEquals(2, job.at("/spec/completions").asInt());
    List<Process> shards = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    t0 = System.nanoTime();
    for (int k = 0; k < 2; k++) {
      List<String> args = new ArrayList<>();
      for (String a : strings(container.path("args"))) {
        String v = a.replace("$(JOB_COMPLETION_INDEX)", String.valueOf(k));
        args.add(v.equals("isoplast-env-server:50051") ? both : host(v, jobMounts));
      }
      Path log = tmp.resolve("shard-" + k + ".log");
      logs.add(log);
      ProcessBuilder pb = new ProcessBuilder(javaCommand(args)).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(childEnv(jobEnv));
      shards.add(pb.start());
    }
    for (int k = 0; k < 2; k++) {
      assertTrue(shards.get(k).waitFor(10, TimeUnit.MINUTES));
      assertEquals(0, shards.get(k).exitValue(), Files.readString(logs.get(k)));
    }
    double shardSeconds = (System.nanoTime() - t0) / 1e9;
    Path shardDir = shared.resolve("smoke");
    assertFalse(Files.exists(shardDir.resolve("sweep.json")), "shards write only their own index files");
    for (int k = 0; k < 2; k++) {
      JsonNode own = DeployFiles.JSON.readTree(shardDir.resolve("sweep.shard-" + k + "-of-2.json").toFile());
      assertEquals(List.of(k, k + 2), List.of(own.at("/cells/0/index").asInt(), own.at("/cells/1/index").asInt()));
      assertEquals(2, own.at("/counts/completed").asInt());
    }

    // every cell: the same metrics and summary figures, whichever machine ran it
    for (JsonNode c : index.path("cells")) {
      String cell = c.path("run_dir").asText();
      assertEquals(withoutClock(oneDir.resolve(cell).resolve("metrics.jsonl")),
          withoutClock(shardDir.resolve(cell).resolve("metrics.jsonl")), cell + " metrics.jsonl");
      assertEquals(summary(oneDir.resolve(cell)), summary(shardDir.resolve(cell)), cell + " summary.json");
    }

    // the merged report of the shards equals the one-machine report
    CliTest.Run r1 = CliTest.run("report", oneDir.toString());
    assertEquals(0, r1.code(), r1.err());
    CliTest.Run r2 = CliTest.run("report", shardDir.toString());
    assertEquals(0, r2.code(), r2.err());
    String page1 = Files.readString(oneDir.resolve("report.html"));
    String page2 = Files.readString(shardDir.resolve("report.html"));
    assertEquals(table(page1), table(page2), "the final figures with their intervals");
    assertTrue(table(page1).contains("4 / 4") || table(page1).contains("2 / 2"), table(page1));
    assertTrue(page2.contains("# shard 0/2, started") && page2.contains("# shard 1/2, started"), "both shards' commands");
    assertTrue(page2.contains("--shard 1/2"), page2);
    assertFalse(page2.contains("has no run yet"), "no cell is missing from the merge");
    System.out.printf("scale-out: compose sweep (4 cells over 2 servers) %.1f s, two shards at once %.1f s%n",
        composeSeconds, shardSeconds);
  }

  @Test
  void aRunSpreadOverTwoServersEqualsTheSameRunOnOne() throws Exception {
    List<String> run = List.of("train", "--algo", "ppo", "--scenario", "cartpole-permute", "--phase-steps", "1024",
        "--repeat", "2", "--seed", "3", "--set", "num_steps=64", "--monitor-cadence", "dormancy=1,ntk=2,isometry=2",
        "--eval-episodes", "4", "--no-progress", "--env-server-token-file", token.toString());
    List<String> a = new ArrayList<>(run);
    a.addAll(List.of("--env-server", addresses.get(0), "--run-dir", tmp.resolve("one-server").toString()));
    List<String> b = new ArrayList<>(run);
    b.addAll(List.of("--env-server", String.join(",", addresses), "--run-dir", tmp.resolve("two-servers").toString()));
    DeployFiles.Result x = isoplast(a, Map.of());
    assertEquals(0, x.code(), x.err());
    DeployFiles.Result y = isoplast(b, Map.of());
    assertEquals(0, y.code(), y.err());
    assertTrue(Files.readString(tmp.resolve("two-servers/config.yaml")).contains(String.join(",", addresses)),
        "the run used both servers");
    List<String> one = withoutClock(tmp.resolve("one-server/metrics.jsonl"));
    assertTrue(one.size() > 50, "episodes, losses, monitors and both phases: " + one.size() + " rows");
    assertEquals(one, withoutClock(tmp.resolve("two-servers/metrics.jsonl")),
        "8 envs as one handle or as 4 + 4 over two servers: the same training, bit for bit");
    assertEquals(summary(tmp.resolve("one-server")), summary(tmp.resolve("two-servers")));
  }

  /** metrics.jsonl rows without their clock-dependent values. */
  private static List<String> withoutClock(Path metrics) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(metrics)) {
      ObjectNode row = (ObjectNode) DeployFiles.JSON.readTree(line);
      CLOCK.forEach(row::remove);
      out.add(row.toString());
    }
    return out;
  }

  private static JsonNode summary(Path run) throws Exception {
    ObjectNode s = (ObjectNode) DeployFiles.JSON.readTree(run.resolve("summary.json").toFile());
    CLOCK.forEach(s::remove);
    return s;
  }

  private static String table(String page) {
    int a = page.indexOf("<table id=\"final-figures\">");
    int b = page.indexOf("</table>", a);
    assertTrue(a >= 0 && b > a, "the report has its final-figures table");
    return page.substring(a, b);
  }
}
