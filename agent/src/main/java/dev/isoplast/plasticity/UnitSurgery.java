package dev.isoplast.plasticity;

import dev.isoplast.nn.Dense;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.NetworkParts.HiddenLayer;
import dev.isoplast.nn.Param;
import dev.isoplast.optim.Optimizer;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Replacing hidden units, the one place ReDo and Continual Backprop share: a unit i of a
 * {@link HiddenLayer} gets fresh incoming weights (row i of the incoming W, drawn from that layer's
 * own {@link Init} by {@link Init#row}), a zero bias, LayerNorm gain 1 and bias 0 if there is a
 * LayerNorm, zero outgoing weights (column i of the next W), and zero optimizer moments for every
 * one of those entries. With zero outgoing weights the network's outputs do not change at the
 * moment of replacement (for elementwise activations without LayerNorm, whose statistics mix units).
 */
final class UnitSurgery {

  private UnitSurgery() {}

  /** The checks both methods need: elementwise activations (MaxMin pairs units) and a recorded init. */
  static void checkReplaceable(String method, HiddenLayer h) {
    if (!h.elementwise()) {
      throw new IllegalArgumentException(method + " replaces single units, but " + h.activation().name() + " is "
          + h.activation().getClass().getSimpleName() + ", which mixes pairs of units (MaxMin): use an mlp body with "
          + "relu, tanh or leaky_relu");
    }
    if (h.in().init() == null) {
      throw new IllegalArgumentException(method + " draws fresh weights from the layer's init, but " + h.in().name()
          + " was not initialised by an Init");
    }
  }

  /**
   * Replaces {@code units} of {@code h} in {@code learner}: fresh incoming weights, zero bias, zero
   * outgoing weights, zero moments; and records them in its {@link UnitResets}.
   */
  static void replace(HiddenLayer h, int[] units, RandomGenerator rng, Learner learner) {
    for (int i : units) {
      learner.interventions().unitResets().add(h.activation().name(), i);
    }
    replace(h, units, rng, learner.optimizer());
  }

  private static void replace(HiddenLayer h, int[] units, RandomGenerator rng, Optimizer optimizer) {
    Dense in = h.in();
    Dense out = h.out();
    int fanIn = in.inSize();
    for (int i : units) {
      double[] row = in.init().row(in.outSize(), fanIn, rng);
      INDArray w = in.weight().value();
      for (int j = 0; j < fanIn; j++) {
        HostArrays.set(w, (long) i * fanIn + j, row[j]);
      }
      HostArrays.set(in.bias().value(), i, 0.0);
      if (h.norm() != null) {
        HostArrays.set(h.norm().gain().value(), i, 1.0);
        HostArrays.set(h.norm().bias().value(), i, 0.0);
      }
      setColumn(out.weight().value(), out.outSize(), out.inSize(), i, 0.0);
    }
    zeroMoments(h, units, optimizer);
  }

  /** Zeroes the optimizer slots (Adam's m and v) of the incoming rows, biases, norms and outgoing columns of {@code units}. */
  static void zeroMoments(HiddenLayer h, int[] units, Optimizer optimizer) {
    Dense in = h.in();
    Dense out = h.out();
    for (int i : units) {
      for (INDArray s : optimizer.slots(in.weight()).values()) {
        setRow(s, in.inSize(), i, 0.0);
      }
      zeroEntry(optimizer, in.bias(), i);
      if (h.norm() != null) {
        zeroEntry(optimizer, h.norm().gain(), i);
        zeroEntry(optimizer, h.norm().bias(), i);
      }
      for (INDArray s : optimizer.slots(out.weight()).values()) {
        setColumn(s, out.outSize(), out.inSize(), i, 0.0);
      }
    }
  }

  private static void zeroEntry(Optimizer optimizer, Param p, int i) {
    for (INDArray s : optimizer.slots(p).values()) {
      HostArrays.set(s, i, 0.0);
    }
  }

  private static void setRow(INDArray a, int cols, int row, double v) {
    for (int j = 0; j < cols; j++) {
      HostArrays.set(a, (long) row * cols + j, v);
    }
  }

  private static void setColumn(INDArray a, int rows, int cols, int col, double v) {
    for (int r = 0; r < rows; r++) {
      HostArrays.set(a, (long) r * cols + col, v);
    }
  }
}
