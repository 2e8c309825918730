package dev.isoplast.agents;

import java.util.List;

/** Several callbacks as one: each event goes to every callback, in order. */
public final class Callbacks implements Callback {

  private final List<Callback> callbacks;

  private Callbacks(List<Callback> callbacks) {
    this.callbacks = List.copyOf(callbacks);
  }

  public static Callbacks of(List<Callback> callbacks) {
    return new Callbacks(callbacks);
  }

  @Override
  public void onStart(long globalStep) {
    callbacks.forEach(cb -> cb.onStart(globalStep));
  }

  /** True unless a callback asked to stop; every callback is called either way. */
  @Override
  public boolean onStep(long globalStep) {
    boolean go = true;
    for (Callback cb : callbacks) {
      go &= cb.onStep(globalStep);
    }
    return go;
  }

  @Override
  public void onEpisodeEnd(long globalStep, double episodicReturn, long length) {
    callbacks.forEach(cb -> cb.onEpisodeEnd(globalStep, episodicReturn, length));
  }

  @Override
  public void onRolloutEnd(long globalStep) {
    callbacks.forEach(cb -> cb.onRolloutEnd(globalStep));
  }

  @Override
  public void onUpdate(long globalStep) {
    callbacks.forEach(cb -> cb.onUpdate(globalStep));
  }

  @Override
  public void onSafePoint(long globalStep) {
    callbacks.forEach(cb -> cb.onSafePoint(globalStep));
  }

  @Override
  public void onPhaseStart(int phase, long globalStep) {
    callbacks.forEach(cb -> cb.onPhaseStart(phase, globalStep));
  }

  @Override
  public void onEnd(long globalStep) {
    callbacks.forEach(cb -> cb.onEnd(globalStep));
  }
}
