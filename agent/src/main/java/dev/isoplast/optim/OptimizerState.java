package dev.isoplast.optim;

import dev.isoplast.config.Snapshot;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An optimizer's complete state: its kind, step count, current learning rate and every slot
 * array (copies), keyed {@code "<param name>/<slot>"} (e.g. {@code "body.0.W/m"}). Restoring it
 * into a fresh optimizer over the same parameters continues exactly where the original was.
 */
public record OptimizerState(String kind, long step, double learningRate, Map<String, INDArray> slots) {

  public OptimizerState {
    Map<String, INDArray> copy = new LinkedHashMap<>();
    slots.forEach((k, v) -> copy.put(k, v.dup()));
    slots = java.util.Collections.unmodifiableMap(copy);
  }

  /** As a {@link Snapshot} (slots as doubles: exact for float32 and float64 slots). */
  public Snapshot toSnapshot() {
    Snapshot s = new Snapshot().put("kind", kind).put("step", step).put("learning_rate", learningRate);
    Snapshot sl = new Snapshot();
    slots.forEach((k, v) -> sl.put(k, dev.isoplast.nn.HostArrays.toDoubles(v, null)));
    return s.put("slots", sl);
  }

  /** Back from {@link #toSnapshot}, the slots as float64 arrays of {@code shapes}' shapes. */
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
    return new OptimizerState(s.getString("kind"), s.getLong("step"), s.getDouble("learning_rate"), slots);
  }
}
