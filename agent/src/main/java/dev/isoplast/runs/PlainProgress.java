package dev.isoplast.runs;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress for a log file or a pipe, where a terminal bar's carriage-return frames would pile up
 * on one line: one plain line every {@code interval} (position, rate over the last interval, ETA
 * at that rate, or at the session's mean rate when nothing finished in the interval, a status) and a last line at the end with the rate over the whole session. Rates
 * count only the steps of this session, so a resumed run's rate is not inflated by the steps it
 * resumed from.
 */
final class PlainProgress {

  private final String task;
  private final long total;
  private final String unit;
  private final PrintStream out;
  private final LongSupplier nanos;
  private final long intervalNanos;
  private long startStep = -1;
  private long startNanos;
  private long lastStep;
  private long lastNanos;
  private long current;

  /**
   * @param total the step the run ends at
   * @param intervalSeconds seconds between lines
   * @param nanos the clock ({@link System#nanoTime} outside tests)
   */
  PlainProgress(String task, long total, String unit, PrintStream out, double intervalSeconds, LongSupplier nanos) {
    this.task = task;
    this.total = total;
    this.unit = unit;
    this.out = out;
    this.nanos = nanos;
    this.intervalNanos = Math.max(1, (long) (intervalSeconds * 1e9));
  }

  /** The session starts at {@code step} (0, or where a resumed run continues). */
  void start(long step) {
    startStep = step;
    lastStep = step;
    current = step;
    startNanos = nanos.getAsLong();
    lastNanos = startNanos;
  }

  /** Now at {@code step}; prints a line when an interval has passed since the last one. */
  void stepTo(long step, java.util.function.Supplier<String> status) {
    if (startStep < 0) {
      start(step);
    }
    current = step;
    long now = nanos.getAsLong();
    if (now - lastNanos < intervalNanos) {
      return;
    }
    double rate = (step - lastStep) / ((now - lastNanos) / 1e9);
    // an interval in which no unit finished (a sweep's cells take minutes) says nothing of the
    // time left: the ETA then goes by this session's mean rate
    double etaRate = rate > 0 ? rate : (step - startStep) / ((now - startNanos) / 1e9);
    String extra = status.get();
    out.printf(Locale.ROOT, "%s: %d/%d %s (%.0f%%), %s %s/s, ETA %s%s%n", task, step, total, unit,
        total > 0 ? 100.0 * step / total : 100.0, rate(rate), unit, eta(total - step, etaRate),
        extra == null || extra.isEmpty() ? "" : ", " + extra);
    out.flush();
    lastStep = step;
    lastNanos = now;
  }

  /** The last line: where the session ended and its mean rate (nothing if it never started). */
  void finish() {
    if (startStep < 0) {
      return;
    }
    double s = (nanos.getAsLong() - startNanos) / 1e9;
    out.printf(Locale.ROOT, "%s: %s at %d/%d %s, %d %s in %.1f s (%s %s/s)%n", task,
        current >= total ? "done" : "stopped", current, total, unit, current - startStep, unit, s,
        rate(s > 0 ? (current - startStep) / s : 0.0), unit);
    out.flush();
  }

  /** A rate with enough digits to say something: 1167, 12.5, 0.0463 (a sweep's cells per second). */
  static String rate(double r) {
    return r >= 100 || r == 0 ? String.format(Locale.ROOT, "%.0f", r) : String.format(Locale.ROOT, "%.3g", r);
  }

  /** h:mm:ss for {@code left} steps at {@code rate}; "?" when the rate is 0. */
  static String eta(long left, double rate) {
    if (!(rate > 0)) {
      return "?";
    }
    long s = Math.round(Math.max(0, left) / rate);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }
}
