package dev.isoplast.envs.sidecar;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps embedded env servers alive for clients that reach them by address (a sweep's cells): checks
 * the processes every {@code period} and starts a dead one again on its own port
 * ({@link EnvServerProcess#restartOnSamePort}), where the clients, waiting for it
 * ({@code ServerRestarter.waiting}), find it and make their envs anew. The policy is the trainer's:
 * each restart is reported as an event; a server that dies again before it has run
 * {@code settled} since its last restart counts as one more restart in a row, and after
 * {@code maxInARow} of those (or a restart that fails) the watchdog gives up and says so.
 */
public final class ServerWatchdog implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServerWatchdog.class);

  /** What happened: a restart (with its details), or the end of trying. */
  public interface Listener {
    /** Server {@code k} was restarted; {@code details}: pids, port, restarts in a row. */
    void restarted(int k, Map<String, Object> details);

    /** Server {@code k} could not be kept alive: {@code why} in one line. No further restarts. */
    void gaveUp(int k, String why);
  }

  private final List<EnvServerProcess> processes;
  private final int maxInARow;
  private final Duration settled;
  private final Listener listener;
  private final Thread thread;
  private final Thread exiting;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final int[] inARow;
  private final long[] restartedAt;

  /**
   * Starts watching {@code processes} (a synchronized list the watchdog replaces restarted servers
   * in).
   */
  public ServerWatchdog(List<EnvServerProcess> processes, int maxInARow, Duration period, Duration settled,
      Listener listener) {
    this.processes = processes;
    this.maxInARow = maxInARow;
    this.settled = settled;
    this.listener = listener;
    this.inARow = new int[processes.size()];
    this.restartedAt = new long[processes.size()];
    // a JVM that is exiting stops its servers (their shutdown hooks): those are no deaths to mend
    this.exiting = new Thread(() -> stop.set(true), "isoplast-env-server-watchdog-stop");
    Runtime.getRuntime().addShutdownHook(exiting);
    this.thread = new Thread(() -> loop(period), "isoplast-env-server-watchdog");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop(Duration period) {
    while (!stop.get()) {
      for (int k = 0; k < processes.size() && !stop.get(); k++) {
        EnvServerProcess p = processes.get(k);
        if (p.isAlive()) {
          continue;
        }
        if (stop.get()) {
          return;
        }
        long now = System.nanoTime();
        if (inARow[k] > 0 && now - restartedAt[k] > settled.toNanos()) {
          inARow[k] = 0; // it ran long enough: the next death starts a new row
        }
        if (inARow[k] >= maxInARow) {
          stop.set(true);
          listener.gaveUp(k, "the env server " + p.target() + " died " + (inARow[k] + 1) + " times in a row "
              + "(--max-server-restarts " + maxInARow + "); its log is " + p.logFile());
          return;
        }
        try {
          EnvServerProcess next = p.restartOnSamePort();
          processes.set(k, next);
          inARow[k]++;
          restartedAt[k] = System.nanoTime();
          log.info("env server {} restarted (pid {} -> {})", next.target(), p.pid(), next.pid());
          listener.restarted(k, Map.of("server", next.target(), "old_pid", p.pid(), "pid", next.pid(),
              "restarts_in_a_row", inARow[k]));
        } catch (RuntimeException e) {
          if (stop.getAndSet(true)) {
            return; // closing or exiting: not a failure of the server
          }
          listener.gaveUp(k, "the env server " + p.target() + " died and could not be started again: "
              + e.getMessage());
          return;
        }
      }
      try {
        Thread.sleep(period.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Stops watching (before the servers are closed, so that their ends are not taken for deaths). */
  @Override
  public void close() {
    stop.set(true);
    try {
      Runtime.getRuntime().removeShutdownHook(exiting);
    } catch (IllegalStateException e) {
      // already exiting
    }
    thread.interrupt();
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
