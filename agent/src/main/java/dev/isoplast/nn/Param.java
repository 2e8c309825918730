package dev.isoplast.nn;

import dev.isoplast.config.Snapshot;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trainable tensor with its gradient buffer. Names are dotted paths ({@code "body.0.W"},
 * {@code "head.b"}) and appear in logs, optimizer masks and checkpoints.
 *
 * <p>Contract: optimizers update {@link #value()} in place (never replace it); a layer's backward ADDS into
 * {@link #grad()} (so several losses can contribute), and {@link #zeroGrad()} clears it. A Dense
 * weight is stored {@code [out, in]}, as in the papers (z = W a + b).
 */
public final class Param {

  /** What a parameter is, for masks (isometry on hidden weights only, no decay on biases, ...). */
  public enum Role {
    WEIGHT,
    BIAS,
    NORM_GAIN,
    NORM_BIAS,
    /**
     * A parameter of the action distribution that belongs to no layer (PPO's state-independent
     * {@code actor.log_std}): no plasticity method acts on it ({@code optim.ParamMask#layerParams}).
     */
    DISTRIBUTION
  }

  private final String name;
  private final Role role;
  private final boolean head;
  private INDArray value;
  private INDArray grad;
  private FlatParams flat;
  private long flatOffset;

  /**
   * @param head true for parameters of an output head (excluded from the isometry regularizer by
   *     default, DESIGN.md §6)
   */
  public Param(String name, Role role, boolean head, INDArray value) {
    this.name = name;
    this.role = role;
    this.head = head;
    this.value = value;
    this.grad = Nd4j.zeros(value.dataType(), value.shape());
  }

  public String name() {
    return name;
  }

  public Role role() {
    return role;
  }

  /** Whether this belongs to an output head rather than the body. */
  public boolean isHead() {
    return head;
  }

  /** A 2-D weight of a hidden (body) layer: what the isometry regularizer acts on by default. */
  public boolean isHiddenWeight() {
    return role == Role.WEIGHT && !head && value.rank() == 2;
  }

  /** The values; once a network is built, a view into its {@link FlatParams} buffer (never cache it across a rebuild). */
  public INDArray value() {
    return value;
  }

  public INDArray grad() {
    return grad;
  }

  public void zeroGrad() {
    HostArrays.zeroOrAssign(grad);
  }

  public long length() {
    return value.length();
  }

  /** The flat buffer this parameter is a view of, or null for a stand-alone parameter. */
  public FlatParams flat() {
    return flat;
  }

  /** The offset of this parameter's first element in {@link #flat()}'s buffers. */
  public long flatOffset() {
    return flatOffset;
  }

  /**
   * Makes this parameter a view of {@code flat}'s buffers at {@code offset}: the current values
   * and gradients are copied there and the old arrays dropped. Only {@link FlatParams} calls this,
   * while a network is being built.
   */
  void moveTo(FlatParams flat, long offset, INDArray valueView, INDArray gradView) {
    valueView.assign(value);
    gradView.assign(grad);
    this.value = valueView;
    this.grad = gradView;
    this.flat = flat;
    this.flatOffset = offset;
  }

  /** The values of {@code params} by name (as doubles: exact for float32 and float64), for a checkpoint. */
  public static Snapshot values(List<Param> params) {
    Snapshot s = new Snapshot();
    for (Param q : params) {
      s.put(q.name(), HostArrays.toDoubles(q.value(), null));
    }
    return s;
  }

  /** Puts back {@link #values} into parameters of the same names and sizes. */
  public static void restoreValues(List<Param> params, Snapshot s) {
    for (Param q : params) {
      HostArrays.fromDoubles(s.getDoubles(q.name(), (int) q.length()), q.value());
    }
  }

  @Override
  public String toString() {
    return name + Arrays.toString(value.shape()) + "(" + role + (head ? ", head" : "") + ")";
  }
}
