package dev.isoplast.optim;

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
}
