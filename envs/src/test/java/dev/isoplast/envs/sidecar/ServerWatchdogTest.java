package dev.isoplast.envs.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog a sweep keeps its embedded server alive with: a server killed with {@code kill -9}
 * comes back on its own port and answers there; one that dies again before it has settled counts
 * as a restart in a row, and after K of those the watchdog gives up in one line.
 */
class ServerWatchdogTest {

  @TempDir
  Path tmp;

  @Test
  void aKilledServerComesBackOnItsPortThenTheWatchdogGivesUpAfterKInARow() throws Exception {
    List<EnvServerProcess> servers = Collections.synchronizedList(new ArrayList<>(List.of(
        EnvServerProcess.start(EnvServerProcess.Options.defaults().withLogFile(tmp.resolve("server.log"))))));
    int port = servers.get(0).port();
    List<Map<String, Object>> restarts = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<String> gaveUp = new CompletableFuture<>();
    try (ServerWatchdog dog = new ServerWatchdog(servers, 1, Duration.ofMillis(200), Duration.ofSeconds(60),
        new ServerWatchdog.Listener() {
          @Override
          public void restarted(int k, Map<String, Object> details) {
            restarts.add(details);
          }

          @Override
          public void gaveUp(int k, String why) {
            gaveUp.complete(why);
          }
        })) {
      long first = servers.get(0).pid();
      new ProcessBuilder("kill", "-9", String.valueOf(first)).start().waitFor();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (restarts.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(1, restarts.size(), "one restart");
      EnvServerProcess second = servers.get(0);
      assertNotEquals(first, second.pid());
      assertEquals(port, second.port(), "the same port, where clients wait for it");
      assertTrue(second.answers(Duration.ofSeconds(10)));
      assertEquals(first, ((Number) restarts.get(0).get("old_pid")).longValue());
      assertEquals(1, ((Number) restarts.get(0).get("restarts_in_a_row")).intValue());

      // dead again before it settled (60 s): a second restart in a row, above K = 1: no restart
      new ProcessBuilder("kill", "-9", String.valueOf(second.pid())).start().waitFor();
      String why = gaveUp.get(60, TimeUnit.SECONDS);
      assertTrue(why.contains("died 2 times in a row (--max-server-restarts 1)") && why.contains("server.log"), why);
      assertEquals(1, restarts.size());
    } finally {
      servers.forEach(EnvServerProcess::close);
    }
  }
}
