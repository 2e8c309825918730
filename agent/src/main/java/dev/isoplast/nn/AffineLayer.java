package dev.isoplast.nn;

/**
 * A layer with a weight matrix and a bias, {@code z = W · a + b} per output unit: a {@link Dense}
 * (a = the input row, units = outputs) or a {@link Conv2D} (a = each receptive field's patch, W its
 * matricised kernel {@code [out, C·k·k]}, units = output channels). What the plasticity methods
 * that act on whole layers or on units (resets, Shrink &amp; Perturb's fresh form, weight clipping,
 * ReDo, Continual Backprop) need to know of either kind.
 */
public interface AffineLayer extends Layer {

  /** The weight {@code [units, fanIn]}: one row per output unit (a Conv2D's output channel). */
  Param weight();

  /** The bias {@code [units]}. */
  Param bias();

  /** The {@link Init} that last filled this layer, or null. */
  Init init();

  /** Whether this is an output head. */
  boolean isHead();

  /** The units: a Dense's outputs, a Conv2D's output channels. */
  default int units() {
    return (int) weight().value().rows();
  }

  /** The weight's columns: a Dense's inputs, a Conv2D's C·k·k. */
  default int fanIn() {
    return (int) weight().value().columns();
  }
}
