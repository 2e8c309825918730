package dev.isoplast.runs;

import dev.isoplast.agents.Callback;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.envs.remote.RestartingVectorEnv;
import java.util.Map;

/**
 * Tells a run that its env server was restarted ({@link RestartingVectorEnv}): a metric row
 * {@code events/env_server_restarts} (the restart count) and a line on stderr, both at the global
 * step whose env step the restart cut off (the restart happens inside that step, the row is
 * written when the step returns); a restart outside of training (the final evaluation) at the
 * last step.
 */
final class ServerRestartEvents implements Callback, RestartingVectorEnv.Listener {

  /** The metric's name. */
  static final String METRIC = "events/env_server_restarts";

  private MetricSink sink;
  private int pending; // a restart count not written yet, 0 if none
  private String reason;
  private long lastStep;
  private boolean training;

  /** Where the rows go, once the run's sink exists (restarts before that wait for it). */
  void writeTo(MetricSink sink) {
    this.sink = sink;
  }

  @Override
  public void onRestart(int restarts, String reason) {
    pending = restarts;
    this.reason = reason;
    if (!training) {
      flush(lastStep);
    }
  }

  @Override
  public void onStart(long globalStep) {
    training = true;
    flush(globalStep);
  }

  @Override
  public boolean onStep(long globalStep) {
    flush(globalStep);
    return true;
  }

  @Override
  public void onEnd(long globalStep) {
    training = false;
    flush(globalStep);
  }

  private void flush(long globalStep) {
    lastStep = globalStep;
    if (pending == 0 || sink == null) {
      return;
    }
    System.err.printf("env server restart %d at global step %d: the envs were made anew and their episodes cut off "
        + "(after: %s)%n", pending, globalStep, reason);
    sink.log(globalStep, Map.of(METRIC, (double) pending));
    pending = 0;
  }
}
