package dev.isoplast.plasticity;

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
 * own {@link Init} by {@link Init#row(dev.isoplast.nn.AffineLayer, RandomGenerator)}; for a conv
 * layer a channel's row of the matricised kernel), a zero bias, LayerNorm gain 1 and bias 0 over its entries if there is a LayerNorm, zero outgoing
 * weights (the {@link HiddenLayer#outSpan()} columns of the next W that read it: one column after a
 * Dense, a channel's k·k kernel columns of the next Conv2D, its H'·W' columns of a Dense after a
 * Flatten), and zero optimizer moments for every one of those entries. With zero outgoing weights
 * the network's outputs do not change at the moment of replacement (for elementwise activations
 * without LayerNorm, whose statistics mix units).
 */
final class UnitSurgery {

  private UnitSurgery() {}

  /** The checks both methods need: elementwise activations (MaxMin pairs units) and a recorded init. */
  static void checkReplaceable(String method, HiddenLayer h) {
    if (!h.elementwise()) {
      throw new IllegalArgumentException(method + " replaces single units, but " + h.activation().name() + " is "
          + h.activation().getClass().getSimpleName() + ", which mixes pairs of units (MaxMin): use a body with "
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

  /** The surgery alone, without the bookkeeping of {@link UnitResets}. */
  static void replace(HiddenLayer h, int[] units, RandomGenerator rng, Optimizer optimizer) {
    int fanIn = h.in().fanIn();
    INDArray w = h.in().weight().value();
    for (int i : units) {
      double[] row = h.in().init().row(h.in(), rng);
      for (int j = 0; j < fanIn; j++) {
        HostArrays.set(w, (long) i * fanIn + j, row[j]);
      }
      HostArrays.set(h.in().bias().value(), i, 0.0);
      if (h.norm() != null) {
        setSpan(h.norm().gain().value(), i, h.positions(), 1.0);
        setSpan(h.norm().bias().value(), i, h.positions(), 0.0);
      }
      setColumns(h.out().weight().value(), i, h.outSpan(), 0.0);
    }
    zeroMoments(h, units, optimizer);
  }

  /** Zeroes the optimizer slots (Adam's m and v) of the incoming rows, biases, norms and outgoing columns of {@code units}. */
  static void zeroMoments(HiddenLayer h, int[] units, Optimizer optimizer) {
    for (int i : units) {
      for (INDArray s : optimizer.slots(h.in().weight()).values()) {
        setSpan(s, i, h.in().fanIn(), 0.0);
      }
      zeroSpan(optimizer, h.in().bias(), i, 1);
      if (h.norm() != null) {
        zeroSpan(optimizer, h.norm().gain(), i, h.positions());
        zeroSpan(optimizer, h.norm().bias(), i, h.positions());
      }
      for (INDArray s : optimizer.slots(h.out().weight()).values()) {
        setColumns(s, i, h.outSpan(), 0.0);
      }
    }
  }

  private static void zeroSpan(Optimizer optimizer, Param p, int i, int span) {
    for (INDArray s : optimizer.slots(p).values()) {
      setSpan(s, i, span, 0.0);
    }
  }

  /** Entries {@code i·span … (i+1)·span − 1} of {@code a} in row-major order (row i of a [·, span] matrix). */
  private static void setSpan(INDArray a, int i, int span, double v) {
    for (int j = 0; j < span; j++) {
      HostArrays.set(a, (long) i * span + j, v);
    }
  }

  /** Columns {@code i·span … (i+1)·span − 1} of every row of the matrix {@code a}. */
  private static void setColumns(INDArray a, int i, int span, double v) {
    long rows = a.rows();
    long cols = a.columns();
    for (long r = 0; r < rows; r++) {
      for (int j = 0; j < span; j++) {
        HostArrays.set(a, r * cols + (long) i * span + j, v);
      }
    }
  }
}
