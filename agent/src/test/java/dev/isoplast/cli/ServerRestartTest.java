package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.runs.MonitorSpec;
import dev.isoplast.runs.RunSpec;
import dev.isoplast.agents.AgentConfig;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import dev.isoplast.envs.sidecar.IsoplastHome;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.runs.Monitors;
import dev.isoplast.runs.RunDirectory;
import dev.isoplast.runs.Trainer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A PPO run on CartPole whose env server is killed with {@code kill -9} while it trains, through
 * the CLI's own server options: the embedded server is started again (and a remote one, started
 * anew on its port by the test, is waited for), the run completes with an
 * {@code events/env_server_restarts} row and every rollout's steps; when the restart itself keeps
 * failing, the run fails after K restarts in one line and keeps its metrics; a server that never
 * answers fails a command within its deadline instead of hanging it.
 */
class ServerRestartTest {

  static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  static final long TOTAL = 6144; // 12 updates of 4 envs x 128 steps
  static final long KILL_AFTER = 1536;

  @TempDir
  Path tmp;

  static EnvServerOptions options(String... args) {
    return CommandLine.populateCommand(new EnvServerOptions(), args);
  }

  static RunSpec.Rl job(Map<String, Object> overrides) {
    Map<String, Object> o = new HashMap<>(Map.of("num_envs", 4, "num_steps", 128));
    o.putAll(overrides);
    AgentConfig config = dev.isoplast.runs.Learners.resolve("ppo", new Discrete(2, 0), o);
    return new RunSpec.Rl("CartPole-v1", config, 3, TOTAL, new RunSpec.Eval(2, 0), null, false,
        new MonitorSpec(Monitors.parse("none"), Monitors.defaultCadence(dev.isoplast.config.LearnerKind.PPO), 64), null);
  }

  /** Kills a server with {@code kill -9} once the run's metrics reach a global step; then runs {@code after}. */
  static final class Killer extends Thread {
    final Path metrics;
    final java.util.function.LongSupplier pid;
    final Runnable after;
    final AtomicLong killedAt = new AtomicLong(-1);
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    volatile boolean stop;

    Killer(Path metrics, java.util.function.LongSupplier pid, Runnable after) {
      this.metrics = metrics;
      this.pid = pid;
      this.after = after;
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        while (!stop) {
          long step = lastStep(metrics);
          if (step >= KILL_AFTER) {
            Process kill = new ProcessBuilder("kill", "-9", String.valueOf(pid.getAsLong())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            killedAt.set(step);
            after.run();
            return;
          }
          Thread.sleep(10);
        }
      } catch (Throwable t) {
        failures.add(t);
      }
    }

    void finish() throws InterruptedException {
      stop = true;
      join(60_000);
      assertEquals(List.of(), failures);
    }
  }

  static long lastStep(Path metrics) throws IOException {
    if (!Files.exists(metrics)) {
      return -1;
    }
    List<String> lines = Files.readAllLines(metrics);
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).contains("\"global_step\"")) {
        return JSON.readTree(lines.get(i)).get("global_step").asLong();
      }
    }
    return -1;
  }

  static List<JsonNode> rows(RunDirectory run) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.file("metrics.jsonl"))) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  /** The run completed, restarted its server once, and updated after every rollout up to the end. */
  static void assertRecovered(RunDirectory run, Map<String, Object> summary, long killedAt) throws IOException {
    assertTrue(killedAt >= KILL_AFTER && killedAt < TOTAL, "killed mid-run, at " + killedAt);
    assertEquals("completed", summary.get("status"), summary.toString());
    assertEquals(TOTAL, summary.get("total_steps"));
    assertEquals(2, summary.get("eval_episodes"), "the evaluation env was made anew on the new server too");
    List<JsonNode> rows = rows(run);
    List<Long> updates = rows.stream().filter(r -> r.has("losses/value_loss"))
        .map(r -> r.get("global_step").asLong()).toList();
    assertEquals(LongStream.rangeClosed(1, TOTAL / 512).map(k -> k * 512).boxed().toList(), updates,
        "an update after every rollout: no step missing");
    List<JsonNode> events = rows.stream().filter(r -> r.has("events/env_server_restarts")).toList();
    assertEquals(1, events.size(), events.toString());
    assertEquals(1.0, events.get(0).get("events/env_server_restarts").asDouble());
    long at = events.get(0).get("global_step").asLong();
    assertTrue(at >= killedAt && at <= TOTAL && at % 4 == 0, "the restart's row at the cut-off step " + at
        + " (killed after step " + killedAt + ")");
  }

  @Test
  void aKilledEmbeddedServerIsStartedAgainAndTheRunCompletesWithoutAGap() throws Exception {
    for (Map<String, Object> overrides : List.of(Map.<String, Object>of(), Map.<String, Object>of("overlap_rollout", true))) {
      RunDirectory run = RunDirectory.create(tmp.resolve("embedded-" + overrides.size()));
      Map<String, Object> summary;
      Killer killer;
      long firstPid;
      try (EnvServerOptions.Connection c = options().open(run.file("env-server.log"))) {
        firstPid = c.processes().get(0).pid();
        killer = new Killer(run.file("metrics.jsonl"), () -> c.processes().get(0).pid(), () -> {});
        killer.start();
        summary = Trainer.run(c.servers(), c.serverName(), run, job(overrides), false);
        killer.finish();
        assertNotEquals(firstPid, c.processes().get(0).pid(), "a new process");
        assertTrue(c.processes().get(0).isAlive());
        assertEquals(1, c.servers().restarts());
      }
      System.err.printf("restart test %s: killed after step %d, %s%n", overrides, killer.killedAt.get(), summary);
      assertRecovered(run, summary, killer.killedAt.get());
      assertTrue(Files.readString(run.file("env-server.log")).contains("isoplast: the env server exited with code"),
          "the log holds both lives");
    }
  }

  @Test
  void whenTheRestartKeepsFailingTheRunFailsAfterKInOneLineAndKeepsItsMetrics() throws Exception {
    RunDirectory run = RunDirectory.create(tmp.resolve("broken"));
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    Killer killer;
    try (EnvServerOptions.Connection c = options("--max-server-restarts", "2").open(run.file("env-server.log"))) {
      // the restart starts a server that cannot start (a flag its Python refuses): a real failed restart
      c.servers().restartWith((k, client) -> {
        attempts.add(k);
        EnvServerProcess.start(EnvServerProcess.Options.defaults().withLogFile(run.file("broken-restart.log"))
            .withExtraArgs(List.of("--no-such-flag")));
        throw new AssertionError("started");
      }, 2);
      killer = new Killer(run.file("metrics.jsonl"), () -> c.processes().get(0).pid(), () -> {});
      killer.start();
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Trainer.run(c.servers(), c.serverName(), run, job(Map.of()), false));
      killer.finish();
      System.err.println("restart test, broken restart: " + e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
      assertTrue(e.getMessage().startsWith("the env servers of CartPole-v1 x4 failed again after 2 restarts in a row "
          + "(--max-server-restarts 2): the env server did not report its port"), e.getMessage());
      assertTrue(e.getMessage().endsWith("(run directory " + run.path() + " keeps the metrics so far)"), e.getMessage());
      assertEquals(List.of(0, 0), attempts);
    }
    JsonNode summary = JSON.readTree(run.file("summary.json").toFile());
    assertEquals("failed", summary.get("status").asText());
    List<JsonNode> rows = rows(run);
    assertTrue(rows.stream().anyMatch(r -> r.has("losses/value_loss") && r.get("global_step").asLong() >= KILL_AFTER),
        "the metrics up to the kill are kept");
    assertTrue(rows.stream().noneMatch(r -> r.has("events/env_server_restarts")), "no restart succeeded");
  }

  @Test
  void aKilledRemoteServerStartedAgainOnItsPortWithinTheWaitIsReconnectedAndTheRunCompletes() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    EnvServerProcess.Options o = EnvServerProcess.Options.defaults().withLogFile(tmp.resolve("remote-server.log"))
        .withExtraArgs(List.of("--port", String.valueOf(port)));
    List<EnvServerProcess> servers = new CopyOnWriteArrayList<>(List.of(EnvServerProcess.start(o)));
    RunDirectory run = RunDirectory.create(tmp.resolve("remote"));
    try (EnvServerOptions.Connection c = options("--env-server", "127.0.0.1:" + port, "--env-server-wait", "60")
        .open(null)) {
      Killer killer = new Killer(run.file("metrics.jsonl"), () -> servers.get(0).pid(), () -> {
        try {
          Thread.sleep(1500); // the run finds the server gone and waits for it
          servers.add(EnvServerProcess.start(o));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      killer.start();
      Map<String, Object> summary = Trainer.run(c.servers(), c.serverName(), run, job(Map.of()), false);
      killer.finish();
      System.err.printf("restart test, remote: killed after step %d, %s%n", killer.killedAt.get(), summary);
      assertEquals(2, servers.size());
      assertEquals(port, servers.get(1).port(), "the new server on the same port");
      assertEquals("127.0.0.1:" + port, c.servers().target());
      assertRecovered(run, summary, killer.killedAt.get());
    } finally {
      servers.forEach(EnvServerProcess::close);
    }
  }

  @Test
  void aServerThatNeverAnswersFailsTheCommandWithinItsDeadlineInOneLine() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket stall = new ServerSocket(0)) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(stall.accept()); // accept, then never answer
          }
        } catch (IOException e) {
          // closed: the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      long t0 = System.nanoTime();
      CliTest.Run r = CliTest.run("train", "--env", "CartPole-v1", "--total-steps", "512", "--run-dir",
          tmp.resolve("stalled").toString(), "--env-server", "127.0.0.1:" + stall.getLocalPort(),
          "--env-server-timeout", "2", "--no-progress");
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.err.printf("restart test, stalled server: exit %d after %.1f s: %s%n", r.code(), seconds, r.err().strip());
      assertEquals(1, r.code(), r.err());
      assertTrue(seconds < 30, "failed within the deadline, not hung: " + seconds + " s");
      List<String> errors = r.err().lines().filter(l -> l.startsWith("error:")).toList();
      assertEquals(1, errors.size(), r.err());
      assertTrue(errors.get(0).contains("is unreachable (DEADLINE_EXCEEDED"), errors.get(0));
      assertFalse(r.err().contains("\tat "), "no stack trace without --debug");
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void restartOptionsAreCheckedAndExplained() {
    CliTest.Run bad = CliTest.run("train", "--env", "CartPole-v1", "--total-steps", "512", "--run-dir",
        tmp.resolve("bad").toString(), "--max-server-restarts", "-1");
    assertEquals(2, bad.code(), bad.err());
    assertEquals(1, bad.err().lines().count(), bad.err());
    CliTest.Run help = CliTest.run("train", "--help");
    for (String option : new String[] {"--max-server-restarts=K", "--env-server-wait=SECONDS", "--env-server-timeout=SECONDS"}) {
      assertTrue(help.out().contains(option), option + " in:\n" + help.out());
    }
  }
}
