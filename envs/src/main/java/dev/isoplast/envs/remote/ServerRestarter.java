package dev.isoplast.envs.remote;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a server of an {@link EnvServerPool} comes back after it stopped answering
 * ({@link EnvServerPool#recover}): the embedded server is started again (the CLI's restarter, a
 * new process on a new port, hence a new client), a server started elsewhere is waited for
 * ({@link #waiting}). Either way the handles it held are gone; {@link RestartingVectorEnv} makes
 * them anew.
 */
@FunctionalInterface
public interface ServerRestarter {

  /**
   * Server {@code k} of the pool, reached through {@code client}, failed a call (it was
   * unreachable, or did not know a handle): makes sure it answers again and returns the client to
   * reach it from now on: {@code client} itself when the server is up and nothing had to change,
   * else a new one (and the restarter closes the old one). Throws when the server cannot be
   * brought back this time; the caller may try again.
   */
  EnvServerClient restart(int k, EnvServerClient client);

  /**
   * How long a waiting restarter waits: health checks {@code first} apart, the pause doubling up to
   * {@code cap}, until the server answers or {@code budget} has passed.
   */
  record Backoff(Duration first, Duration cap, Duration budget) {

    /** 0.5 s, doubling up to 4 s, for at most 30 s: a restarted server (Python, Gymnasium) answers within a few seconds. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(4), Duration.ofSeconds(30));

    public Backoff {
      if (first.isNegative() || first.isZero() || cap.compareTo(first) < 0 || budget.isNegative()) {
        throw new IllegalArgumentException("a backoff needs 0 < first <= cap and budget >= 0, got " + first + ", "
            + cap + ", " + budget);
      }
    }

    /** The same with another total budget. */
    public Backoff withBudget(Duration b) {
      return new Backoff(first, cap, b);
    }
  }

  /**
   * For servers started elsewhere ({@code --env-server}): nothing to start, only to wait. Checks
   * the server's health (a new connection each time, so that a channel's own reconnect backoff
   * does not delay noticing it) until it reports SERVING, pausing as {@code backoff} says, and
   * returns a new client of the same address, with its own choice of data path (a restarted
   * server has another socket). Throws {@link EnvException.ServerUnavailable} once the budget is spent.
   *
   * @param token bearer token of the server, or null
   * @param callTimeout deadline of each call of the new client
   */
  static ServerRestarter waiting(String token, Duration callTimeout, Transport transport, Backoff backoff) {
    Logger log = LoggerFactory.getLogger(ServerRestarter.class);
    return (k, client) -> {
      long start = System.nanoTime();
      long deadline = start + backoff.budget().toNanos();
      long pause = backoff.first().toNanos();
      int checks = 0;
      while (true) {
        checks++;
        EnvServerClient probe = EnvServerClient.connect(client.target(), token, callTimeout, transport);
        long left = Math.max(deadline - System.nanoTime(), 0);
        if (probe.isServing(Duration.ofNanos(Math.max(Math.min(left, Duration.ofSeconds(2).toNanos()), 1_000_000)))) {
          log.info("env server {} answers its health check again (after {} checks, {} s)", client.target(), checks,
              Math.round((System.nanoTime() - start) / 1e8) / 10.0);
          client.close();
          return probe;
        }
        probe.close();
        if (System.nanoTime() + pause > deadline) {
          throw new EnvException.ServerUnavailable("env server " + client.target() + " did not answer its health check "
              + "within " + backoff.budget().toSeconds() + " s (" + checks + " checks, pauses from "
              + backoff.first().toMillis() + " ms doubling up to " + backoff.cap().toMillis() + " ms)", null);
        }
        try {
          Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new EnvException.ServerUnavailable("interrupted while waiting for env server " + client.target(), e);
        }
        pause = Math.min(pause * 2, backoff.cap().toNanos());
      }
    };
  }
}
