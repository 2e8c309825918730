package dev.isoplast.plasticity;

import dev.isoplast.config.Snapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The interventions of one learner, in the order they act ({@link Methods#PARTS}): after each
 * gradient step Shrink &amp; Perturb, Continual Backprop, weight clipping, NaP's projection, Hare
 * &amp; Tortoise's average, then the Björck projection (last, so a constrained body is orthonormal
 * whatever came before); after each update Hare &amp; Tortoise's reset, ReDo, then resets. Built by
 * {@link MethodConfig#interventions}; empty when no method is configured.
 */
public final class Interventions {

  private final List<Intervention> list;
  private final UnitResets unitResets = new UnitResets();

  Interventions(List<Intervention> list) {
    this.list = List.copyOf(list);
  }

  /** No intervention. */
  public static Interventions none() {
    return new Interventions(List.of());
  }

  public List<Intervention> list() {
    return list;
  }

  /** The hidden units they re-initialised since the monitors last asked (ReDo, CBP, resets). */
  public UnitResets unitResets() {
    return unitResets;
  }

  public boolean isEmpty() {
    return list.isEmpty();
  }

  public void afterStep(Learner learner, long step) {
    for (Intervention i : list) {
      i.afterStep(learner, step);
    }
  }

  public void afterUpdate(Learner learner, long update) {
    for (Intervention i : list) {
      i.afterUpdate(learner, update);
    }
  }

  public void onPhaseStart(Learner learner, int phase) {
    for (Intervention i : list) {
      i.onPhaseStart(learner, phase);
    }
  }

  /** Every intervention's metrics (counts since the previous call, totals). */
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (Intervention i : list) {
      m.putAll(i.metrics());
    }
    return m;
  }

  /** The state of each, in order (keys {@code 0}, {@code 1}, ...). */
  public Snapshot state() {
    Snapshot out = new Snapshot().put("count", (long) list.size()).put("unit_resets", unitResets.state());
    for (int k = 0; k < list.size(); k++) {
      out.put(String.valueOf(k), list.get(k).state());
    }
    return out;
  }

  /** Puts back states taken from the same configuration over the same networks. */
  public void restore(Snapshot states) {
    if (states.getLong("count") != list.size()) {
      throw new IllegalArgumentException("expected " + list.size() + " intervention states, got "
          + states.getLong("count"));
    }
    for (int k = 0; k < list.size(); k++) {
      list.get(k).restore(states.getTree(String.valueOf(k)));
    }
    if (states.has("unit_resets")) { // checkpoints before issue 21 have none
      unitResets.restore(states.getTree("unit_resets"));
    }
  }
}
