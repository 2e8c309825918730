package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress over steps on stderr with their rate and a short status (for RL the recent mean return,
 * for the supervised benchmarks the task and its running accuracy, for a sweep its cells): a bar
 * when stderr is a terminal, else one plain line every {@link #intervalSeconds} seconds and a last
 * one at the end ({@link PlainProgress}), so a log file or pipe gets readable lines rather than
 * carriage-return frames. Both start at the step of {@link #onStart} (where a resumed run
 * continues), so their rates count only this session's steps. The RL {@code Trainer}, the
 * supervised {@code ContinualTrainer} and the sweep runner all report through it.
 */
public final class ProgressCallback implements Callback, AutoCloseable {

  /** The environment variable that sets the seconds between plain lines (default 10). */
  public static final String INTERVAL_ENV = "ISOPLAST_PROGRESS_SECONDS";

  private final String task;
  private final long totalSteps;
  private final String unit;
  private final Supplier<String> status;
  private final boolean terminal;
  private ProgressBar bar;
  private PlainProgress lines;
  private long lastExtra;

  /** @param status the text after the position, asked for at most twice a second */
  public ProgressCallback(String task, long totalSteps, String unit, Supplier<String> status) {
    this(task, totalSteps, unit, status, stderrIsTerminal());
  }

  ProgressCallback(String task, long totalSteps, String unit, Supplier<String> status, boolean terminal) {
    this.task = task;
    this.totalSteps = totalSteps;
    this.unit = unit;
    this.status = status;
    this.terminal = terminal;
  }

  /** An RL run's progress over env steps, showing the mean return of the last episodes. */
  public static ProgressCallback forEpisodes(String task, long totalSteps, EpisodeStats episodes) {
    return new ProgressCallback(task, totalSteps, "steps", () -> {
      double r = episodes.recentMeanReturn(EpisodeStats.FINAL_WINDOW);
      return Double.isNaN(r) ? "" : String.format("return %.1f", r);
    });
  }

  /** Seconds between plain lines: {@value #INTERVAL_ENV} if set to a positive number, else 10. */
  static double intervalSeconds() {
    String v = System.getenv(INTERVAL_ENV);
    try {
      double s = v == null ? 10 : Double.parseDouble(v.trim());
      return s > 0 ? s : 10;
    } catch (NumberFormatException e) {
      return 10;
    }
  }

  /**
   * Whether stderr is a terminal: its file descriptor links to a tty device ({@code /proc}, Linux);
   * elsewhere, whether the JVM has a console.
   */
  static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (Exception e) {
      return System.console() != null;
    }
  }

  @Override
  public synchronized void onStart(long globalStep) {
    if (bar != null || lines != null) {
      return;
    }
    if (terminal) {
      bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII)
          .setUpdateIntervalMillis(500).showSpeed().setUnit(" " + unit, 1)
          .startsFrom(globalStep, Duration.ZERO).continuousUpdate().build();
    } else {
      lines = new PlainProgress(task, totalSteps, unit, System.err, intervalSeconds(), System::nanoTime);
      lines.start(globalStep);
    }
  }

  @Override
  public synchronized boolean onStep(long globalStep) {
    if (bar == null && lines == null) {
      onStart(globalStep);
    }
    if (lines != null) {
      lines.stepTo(globalStep, status);
      return true;
    }
    bar.stepTo(globalStep);
    long now = System.nanoTime();
    if (now - lastExtra > 500_000_000L) {
      lastExtra = now;
      bar.setExtraMessage(status.get());
    }
    return true;
  }

  @Override
  public synchronized void close() {
    if (bar != null) {
      bar.setExtraMessage(status.get());
      bar.close();
    }
    if (lines != null) {
      lines.finish();
    }
  }
}
