package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import dev.isoplast.agents.TrainResult;
import java.util.ArrayList;
import java.util.List;

/** Records every finished episode, for the summary's final mean return (last 20) and the progress bar. */
public final class EpisodeStats implements Callback {

  /** CleanRL-style final figure: the mean return of the last this-many finished episodes. */
  public static final int FINAL_WINDOW = TrainResult.FINAL_WINDOW;

  private final List<Double> returns = new ArrayList<>();

  @Override
  public synchronized void onEpisodeEnd(long globalStep, double episodicReturn, long length) {
    returns.add(episodicReturn);
  }

  public synchronized int count() {
    return returns.size();
  }

  public synchronized List<Double> returns() {
    return List.copyOf(returns);
  }

  /** The returns so far, for a checkpoint. */
  public synchronized double[] state() {
    return returns.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Puts back {@link #state()}. */
  public synchronized void restore(double[] saved) {
    returns.clear();
    for (double r : saved) {
      returns.add(r);
    }
  }

  /** Mean return of the last {@code window} episodes (NaN if none finished). */
  public synchronized double recentMeanReturn(int window) {
    return TrainResult.meanOfLast(returns, window);
  }
}
