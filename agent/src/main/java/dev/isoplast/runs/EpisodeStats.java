package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import java.util.ArrayList;
import java.util.List;

/** Records every finished episode, for the summary's final mean return (last 20) and the progress bar. */
public final class EpisodeStats implements Callback {

  /** CleanRL-style final figure: the mean return of the last this-many finished episodes. */
  public static final int FINAL_WINDOW = 20;

  private final List<Double> returns = new ArrayList<>();
  private final List<Long> lengths = new ArrayList<>();

  @Override
  public synchronized void onEpisodeEnd(long globalStep, double episodicReturn, long length) {
    returns.add(episodicReturn);
    lengths.add(length);
  }

  public synchronized int count() {
    return returns.size();
  }

  public synchronized List<Double> returns() {
    return List.copyOf(returns);
  }

  /** Mean return of the last {@code window} episodes (NaN if none finished). */
  public synchronized double recentMeanReturn(int window) {
    int n = Math.min(window, returns.size());
    if (n == 0) {
      return Double.NaN;
    }
    double s = 0;
    for (int i = returns.size() - n; i < returns.size(); i++) {
      s += returns.get(i);
    }
    return s / n;
  }
}
