package dev.isoplast.optim;

import dev.isoplast.config.Snapshot;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An optimizer's complete state: its kind, step count, current learning rate, every slot array
 * (copies), keyed {@code "<param name>/<slot>"} (e.g. {@code "body.0.W/m"}), and its state that
 * belongs to no parameter ({@code extra}: e.g. TRAC's tuner scalars; empty for most optimizers).
 * Restoring it into a fresh optimizer over the same parameters continues exactly where the
 * original was.
 *
 * @param extra the optimizer's own state beyond the slots ({@link Optimizer#extraState()})
 */
public record OptimizerState(String kind, long step, double learningRate, Map<String, INDArray> slots,
    Snapshot extra) {

  public OptimizerState {
    Map<String, INDArray> copy = new LinkedHashMap<>();
    slots.forEach((k, v) -> copy.put(k, v.dup()));
    slots = java.util.Collections.unmodifiableMap(copy);
    extra = extra == null ? new Snapshot() : Snapshot.fromBytes(extra.toBytes());
  }

  /** A state with no extra state (an optimizer whose state is all per-parameter slots). */
  public OptimizerState(String kind, long step, double learningRate, Map<String, INDArray> slots) {
    this(kind, step, learningRate, slots, new Snapshot());
  }

  /** As a {@link Snapshot} (slots as doubles: exact for float32 and float64 slots). */
  public Snapshot toSnapshot() {
    Snapshot s = new Snapshot().put("kind", kind).put("step", step).put("learning_rate", learningRate);
    Snapshot sl = new Snapshot();
    slots.forEach((k, v) -> sl.put(k, dev.isoplast.nn.HostArrays.toDoubles(v, null)));
    s.put("slots", sl);
    return extra.keys().isEmpty() ? s : s.put("extra", extra);
  }

  /**
   * Back from {@link #toSnapshot}, the slots as float64 arrays of {@code shapes}' shapes (a
   * snapshot without {@code extra}, as written before it existed, has an empty one).
   */
  public static OptimizerState fromSnapshot(Snapshot s, Map<String, long[]> shapes) {
    Map<String, INDArray> slots = new LinkedHashMap<>();
    Snapshot sl = s.getTree("slots");
    for (String k : sl.keys()) {
      long[] shape = shapes.get(k);
      if (shape == null) {
        throw new IllegalArgumentException("the saved optimizer state has a slot " + k + " this optimizer lacks");
      }
      slots.put(k, org.nd4j.linalg.factory.Nd4j.create(sl.getDoubles(k), shape, 'c'));
    }
    return new OptimizerState(s.getString("kind"), s.getLong("step"), s.getDouble("learning_rate"), slots,
        s.has("extra") ? s.getTree("extra") : new Snapshot());
  }
}
