package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A terminal progress bar over env steps with steps/s and the recent mean return (on stderr). */
public final class ProgressCallback implements Callback, AutoCloseable {

  private final ProgressBar bar;
  private final EpisodeStats episodes;
  private long lastExtra;

  public ProgressCallback(String task, long totalSteps, EpisodeStats episodes) {
    this.episodes = episodes;
    this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).showSpeed().setUnit(" steps", 1)
        .continuousUpdate().build();
  }

  @Override
  public boolean onStep(long globalStep) {
    bar.stepTo(globalStep);
    long now = System.nanoTime();
    if (now - lastExtra > 500_000_000L) {
      lastExtra = now;
      double r = episodes.recentMeanReturn(EpisodeStats.FINAL_WINDOW);
      bar.setExtraMessage(Double.isNaN(r) ? "" : String.format("return %.1f", r));
    }
    return true;
  }

  @Override
  public void close() {
    bar.close();
  }
}
