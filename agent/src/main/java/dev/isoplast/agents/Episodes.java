package dev.isoplast.agents;

import dev.isoplast.agents.MetricSink;
import dev.isoplast.envs.StepResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The finished episodes of one {@code train} call: each is logged as a row with
 * {@code charts/episodic_return} and {@code charts/episodic_length} (plus the agent's extras),
 * passed to {@link Callback#onEpisodeEnd}, and kept for the {@link TrainResult}.
 */
public final class Episodes {

  private final List<Double> returns = new ArrayList<>();
  private final List<Long> lengths = new ArrayList<>();

  /**
   * Records the episodes that ended in {@code step}; {@code extra} (may be empty) joins each row.
   * Episodes cut off without finishing ({@link StepResult#finished}) have no return to record.
   */
  public void record(long globalStep, StepResult step, MetricSink sink, Callback callback,
      Map<String, Double> extra) {
    for (int k = 0; k < step.endedCount(); k++) {
      if (!step.finished(k)) {
        continue;
      }
      double ret = step.episodeReturns()[k];
      long len = step.episodeLengths()[k];
      returns.add(ret);
      lengths.add(len);
      Map<String, Double> ep = new LinkedHashMap<>();
      ep.put("charts/episodic_return", ret);
      ep.put("charts/episodic_length", (double) len);
      ep.putAll(extra);
      sink.log(globalStep, ep);
      callback.onEpisodeEnd(globalStep, ret, len);
    }
  }

  /** Undiscounted returns of the recorded episodes, in order (live). */
  public List<Double> returns() {
    return returns;
  }

  /** Lengths of the recorded episodes, in order (live). */
  public List<Long> lengths() {
    return lengths;
  }
}
