package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A terminal progress bar over steps with their rate and a short status (on stderr): for RL the
 * recent mean return, for the supervised benchmarks the task and its running accuracy.
 */
public final class ProgressCallback implements Callback, AutoCloseable {

  private final ProgressBar bar;
  private final Supplier<String> status;
  private long lastExtra;

  /** @param status the text after the bar, asked for at most twice a second */
  public ProgressCallback(String task, long totalSteps, String unit, Supplier<String> status) {
    this.status = status;
    this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).showSpeed().setUnit(" " + unit, 1)
        .continuousUpdate().build();
  }

  /** An RL run's bar over env steps, showing the mean return of the last episodes. */
  public static ProgressCallback forEpisodes(String task, long totalSteps, EpisodeStats episodes) {
    return new ProgressCallback(task, totalSteps, "steps", () -> {
      double r = episodes.recentMeanReturn(EpisodeStats.FINAL_WINDOW);
      return Double.isNaN(r) ? "" : String.format("return %.1f", r);
    });
  }

  @Override
  public boolean onStep(long globalStep) {
    bar.stepTo(globalStep);
    long now = System.nanoTime();
    if (now - lastExtra > 500_000_000L) {
      lastExtra = now;
      bar.setExtraMessage(status.get());
    }
    return true;
  }

  @Override
  public void close() {
    bar.close();
  }
}
