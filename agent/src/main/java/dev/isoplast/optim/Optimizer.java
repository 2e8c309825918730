package dev.isoplast.optim;

import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.FlatParams;
import dev.isoplast.nn.Param;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A first-order optimizer over a fixed list of parameters (optax's {@code init}/{@code update}
 * with the state held explicitly). {@link #step()} reads every {@link Param#grad()} (the task
 * gradient plus any coupled regularizer gradients) and updates {@link Param#value()} in place.
 *
 * <p>State is the step count {@code t}, the current learning rate, named per-parameter slots
 * (e.g. Adam's {@code m} and {@code v}) and, for an optimizer that keeps state belonging to no
 * parameter (scalars such as TRAC's tuners), its {@link #extraState()}; {@link #state()} copies it
 * and {@link #restore} puts it back, so a checkpointed run resumes exactly. An optimizer that
 * draws random numbers derives them from its seed and the step count (as AdamO's sketches), so
 * its random state is {@code t}. Interventions that re-initialise units (ReDo,
 * Continual Backprop) reset the matching rows of the slots through {@link #slot}.
 *
 * <p>Parameters that lie one after the other in a network's flat buffer ({@link FlatParams}) form a
 * {@link Segment}: their slots are views of one flat slot buffer too, so an update that is the same
 * for every element can run once over the whole segment ({@link #updateSegment}).
 */
public abstract class Optimizer {

  private final List<Param> params;
  private final List<Segment> segments = new ArrayList<>();
  private final Map<Param, Map<String, INDArray>> slots = new LinkedHashMap<>();
  private final Map<Param, INDArray[]> scratch = new LinkedHashMap<>();
  private double learningRate;
  private long step;

  protected Optimizer(List<Param> params, double learningRate, String... slotNames) {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
    }
    this.params = List.copyOf(params);
    this.learningRate = learningRate;
    for (FlatParams.Run run : FlatParams.runs(this.params)) {
      Segment seg = new Segment(run, slotNames);
      segments.add(seg);
      for (Param p : run.params()) {
        Map<String, INDArray> s = new LinkedHashMap<>();
        for (String name : slotNames) {
          s.put(name, run.flat() ? seg.slotView(name, p) : Nd4j.zeros(p.value().dataType(), p.value().shape()));
        }
        slots.put(p, s);
      }
    }
  }

  /**
   * A {@link FlatParams.Run} of the parameters with this optimizer's slots: for a flat run, each
   * slot is one 1-D buffer over all of its parameters, whose per-parameter views the slot maps hold.
   */
  public static final class Segment {
    private final FlatParams.Run run;
    private final Map<String, INDArray> slots = new LinkedHashMap<>();
    private INDArray scratch;

    Segment(FlatParams.Run run, String[] slotNames) {
      this.run = run;
      if (run.flat()) {
        for (String name : slotNames) {
          slots.put(name, Nd4j.zeros(run.value().dataType(), run.length()));
        }
      }
    }

    /** The parameters, and (when flat) their values and gradients as 1-D views. */
    public FlatParams.Run run() {
      return run;
    }

    /** Slot {@code name} over the whole segment, 1-D (flat segments only). */
    public INDArray slot(String name) {
      return slots.get(name);
    }

    /** A work array of the segment's length (flat segments only), made once. */
    public INDArray scratch() {
      if (scratch == null) {
        scratch = Nd4j.zeros(run.value().dataType(), run.length());
      }
      return scratch;
    }

    private INDArray slotView(String name, Param p) {
      long from = p.flatOffset() - run.params().get(0).flatOffset();
      return FlatParams.range(slots.get(name), from, from + p.length()).reshape('c', p.value().shape());
    }
  }

  /** A short name for configs and state ({@code sgd}, {@code adam}, {@code adamw}, {@code adamo}). */
  public abstract String kind();

  /** Applies one update to parameter {@code p} at step {@code t} (1-based) with rate {@code lr}. */
  protected abstract void update(Param p, Map<String, INDArray> slots, long t, double lr);

  /** Hook run once per step before the per-parameter updates (default: nothing). */
  protected void beforeUpdates(long t, double lr) {}

  /**
   * Updates one segment at step {@code t}; by default {@link #update} for each of its parameters.
   * An optimizer whose update is the same for every element overrides this to act on the whole
   * flat segment at once.
   */
  protected void updateSegment(Segment segment, long t, double lr) {
    for (Param p : segment.run().params()) {
      update(p, slots.get(p), t, lr);
    }
  }

  /** One optimisation step over every parameter. */
  public final void step() {
    step++;
    beforeUpdates(step, learningRate);
    for (Segment s : segments) {
      updateSegment(s, step, learningRate);
    }
  }

  public List<Param> params() {
    return params;
  }

  /** Number of steps taken so far (Adam's t after the last step). */
  public long stepCount() {
    return step;
  }

  public double learningRate() {
    return learningRate;
  }

  /** Sets the rate of the next steps (the trainer evaluates the {@link Schedule}). */
  public void setLearningRate(double learningRate) {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
    }
    this.learningRate = learningRate;
  }

  /** The live slot array {@code name} of {@code p} (e.g. "m"), or null if this optimizer has none. */
  public INDArray slot(Param p, String name) {
    Map<String, INDArray> s = slots.get(p);
    return s == null ? null : s.get(name);
  }

  /**
   * The live slot arrays of {@code p} by name (Adam: {@code m}, {@code v}; empty for plain SGD or a
   * parameter this optimizer does not hold): interventions that re-initialise units or layers zero
   * the matching entries.
   */
  public Map<String, INDArray> slots(Param p) {
    Map<String, INDArray> s = slots.get(p);
    return s == null ? Map.of() : java.util.Collections.unmodifiableMap(s);
  }

  /** Zeroes every slot of every parameter and the step count. */
  public void reset() {
    step = 0;
    slots.values().forEach(s -> s.values().forEach(a -> a.assign(0)));
  }

  /**
   * This optimizer's state that belongs to no parameter, for {@link #state()} (default: none, an
   * empty snapshot). An optimizer that overrides it overrides {@link #restoreExtra} too.
   */
  protected Snapshot extraState() {
    return new Snapshot();
  }

  /** Puts back what {@link #extraState()} gave (default: nothing to put back). */
  protected void restoreExtra(Snapshot extra) {}

  public OptimizerState state() {
    Map<String, INDArray> flat = new LinkedHashMap<>();
    slots.forEach((p, s) -> s.forEach((name, a) -> flat.put(p.name() + "/" + name, a)));
    return new OptimizerState(kind(), step, learningRate, flat, extraState());
  }

  /** Puts back a state taken from an optimizer of the same kind over parameters of the same names and shapes. */
  public void restore(OptimizerState state) {
    if (!state.kind().equals(kind())) {
      throw new IllegalArgumentException("cannot restore " + state.kind() + " state into a " + kind() + " optimizer");
    }
    List<String> missing = new ArrayList<>();
    slots.forEach((p, s) -> s.forEach((name, a) -> {
      INDArray saved = state.slots().get(p.name() + "/" + name);
      if (saved == null || !java.util.Arrays.equals(saved.shape(), a.shape())) {
        missing.add(p.name() + "/" + name);
      } else {
        a.assign(saved);
      }
    }));
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("optimizer state lacks (or has other shapes for) " + missing);
    }
    restoreExtra(state.extra());
    step = state.step();
    learningRate = state.learningRate();
  }

  /** {@link #state()} as a {@link Snapshot}, for a checkpoint. */
  public Snapshot snapshot() {
    return state().toSnapshot();
  }

  /** Puts back a {@link #snapshot()}. */
  public void restore(Snapshot s) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    slots.forEach((p, m) -> m.forEach((name, a) -> shapes.put(p.name() + "/" + name, a.shape())));
    restore(OptimizerState.fromSnapshot(s, shapes));
  }

  /** Preallocated work arrays of p's shape (k of them), made once. */
  protected INDArray[] scratch(Param p, int k) {
    INDArray[] s = scratch.get(p);
    if (s == null || s.length < k) {
      s = new INDArray[k];
      for (int i = 0; i < k; i++) {
        s[i] = Nd4j.zeros(p.value().dataType(), p.value().shape());
      }
      scratch.put(p, s);
    }
    return s;
  }

  /** y += alpha * x, in place (BLAS axpy: no allocation). */
  protected static void axpy(double alpha, INDArray x, INDArray y) {
    Nd4j.getBlasWrapper().level1().axpy(x.length(), alpha, x, y);
  }

  static double checkUnit(String name, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
    }
    return v;
  }

  static double checkNonNegative(String name, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
    }
    return v;
  }
}
