package dev.isoplast.runs;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ctrl-C (SIGINT) and SIGTERM during a training run: the first asks the run to stop at its next
 * safe point after writing a checkpoint ({@link RunCheckpointer}), so that {@code train --resume}
 * continues it exactly; a second one ends the process at once (exit 130), as a plain Ctrl-C would.
 * Without {@link #install} (tests, library use) nothing changes.
 */
public final class StopSignal {

  private static final AtomicInteger SIGNALS = new AtomicInteger();
  private static boolean installed;

  private StopSignal() {}

  /** Handles SIGINT and SIGTERM from now on (once per process; later calls do nothing). */
  @SuppressWarnings("restriction")
  public static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
          if (SIGNALS.incrementAndGet() == 1) {
            System.err.println("\nisoplast: SIG" + name + ": stopping at the next safe point after writing a "
                + "checkpoint (again to quit at once)");
          } else {
            Runtime.getRuntime().halt(130);
          }
        });
      } catch (IllegalArgumentException e) {
        // the signal is not available here (or reserved by the JVM): keep its default
      }
    }
  }

  /** True once a stop was asked for. */
  public static boolean requested() {
    return SIGNALS.get() > 0;
  }

  /** Forgets a stop request (tests, and a CLI that runs several commands in one process). */
  public static void clear() {
    SIGNALS.set(0);
  }
}
