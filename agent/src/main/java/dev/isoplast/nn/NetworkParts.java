package dev.isoplast.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a network's body ends and how its hidden units are wired: the body is every layer before
 * the first head {@link Dense} ({@link Dense#isHead()}), as {@link Networks} builds body + head. A
 * network without a head layer is all body. The monitors' "hidden layers" all lie in the body, and
 * the interventions that replace units (ReDo, Continual Backprop) act on {@link #hiddenLayers}; a
 * unit of a {@link Conv2D} is one of its channels.
 */
public final class NetworkParts {

  private NetworkParts() {}

  /** The index of the first head Dense, or the number of layers if there is none. */
  public static int headIndex(Sequential net) {
    List<Layer> layers = net.layers();
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i) instanceof Dense d && d.isHead()) {
        return i;
      }
    }
    return layers.size();
  }

  /** The body's layers, in order. */
  public static List<Layer> body(Sequential net) {
    return net.layers().subList(0, headIndex(net));
  }

  /**
   * One layer of hidden units: unit i is row i of {@code in}'s weight (its incoming weights) and
   * entry i of its bias, optionally normalised by {@code norm}, passed through {@code activation},
   * and read by {@link #outSpan()} columns of {@code out}'s weight (its outgoing weights; the next
   * hidden layer's Dense or Conv2D, or the head).
   *
   * <p>For a {@link Dense} {@code in} a unit is one coordinate of the activation. For a
   * {@link Conv2D} {@code in} a unit is a channel (as ReDo, Sokar et al. 2023, and Continual
   * Backprop's ConvGnT, Dohare et al. 2024, treat conv layers): its incoming weights are its
   * kernel's row of the matricised kernel {@code [out, C·k·k]}, its activation is the
   * {@link #positions()} = H'·W' consecutive entries {@code c·P … (c+1)·P − 1} of the NCHW row,
   * and its outgoing weights are the next Conv2D's kernel columns {@code c·k·k … (c+1)·k·k − 1}
   * or, read by a Dense (after a Flatten), that Dense's columns {@code c·P … (c+1)·P − 1}.
   *
   * @param norm the LayerNorm between {@code in} and {@code activation}, or null
   */
  public record HiddenLayer(AffineLayer in, LayerNorm norm, Activation activation, AffineLayer out) {

    public HiddenLayer {
      if (out instanceof Conv2D next && !(in instanceof Conv2D conv && next.inChannels() == conv.outChannels()
          && next.height() == conv.outHeight() && next.width() == conv.outWidth())) {
        throw new IllegalArgumentException("hidden layer " + activation.name() + ": " + out + " reads it as an image, "
            + "but its units come from " + in + " (a Conv2D's units are channels only when it reads a Conv2D's "
            + "output image)");
      }
    }

    /** The number of units: the Dense's outputs or the Conv2D's output channels. */
    public int units() {
      return in.units();
    }

    /** The activation entries per unit: 1 for a Dense, H'·W' for a Conv2D's channel. */
    public int positions() {
      return in instanceof Conv2D c ? c.outHeight() * c.outWidth() : 1;
    }

    /**
     * How many consecutive columns of {@code out}'s weight read one unit: unit i's outgoing weights
     * are columns {@code i·span … (i+1)·span − 1} of every row. 1 for Dense → Dense; k·k for a
     * Conv2D read by a Conv2D of kernel k; H'·W' for a Conv2D read by a Dense.
     */
    public int outSpan() {
      return out instanceof Conv2D next ? next.kernel() * next.kernel() : positions();
    }

    /** Whether each unit is its own coordinate through the activation (ReLU, Tanh, LeakyReLU; not MaxMin). */
    public boolean elementwise() {
      return activation instanceof ElementwiseActivation;
    }
  }

  /**
   * The hidden layers of {@code net}'s body, in order: every body Dense or Conv2D followed by an
   * optional LayerNorm, an activation and (further on, past any parameter-free layer such as a
   * {@link Flatten}) the next Dense or Conv2D. A body Dense or Conv2D without that pattern (a
   * network that is not body + head) is an error.
   */
  public static List<HiddenLayer> hiddenLayers(Sequential net) {
    List<Layer> layers = net.layers();
    int head = headIndex(net);
    List<HiddenLayer> out = new ArrayList<>();
    for (int i = 0; i < head; i++) {
      if (!(layers.get(i) instanceof AffineLayer in)) {
        continue;
      }
      int j = i + 1;
      LayerNorm norm = null;
      if (j < layers.size() && layers.get(j) instanceof LayerNorm ln) {
        norm = ln;
        j++;
      }
      if (j >= layers.size() || !(layers.get(j) instanceof Activation act)) {
        throw new IllegalArgumentException(net.name() + ": hidden layer " + in.name()
            + " is not followed by an activation (expected Dense|Conv2D → [LayerNorm] → activation → Dense|Conv2D)");
      }
      AffineLayer next = null;
      for (int k = j + 1; k < layers.size() && next == null; k++) {
        if (layers.get(k) instanceof AffineLayer a) {
          next = a;
        }
      }
      if (next == null) {
        throw new IllegalArgumentException(net.name() + ": hidden layer " + act.name()
            + " has no Dense or Conv2D reading it");
      }
      out.add(new HiddenLayer(in, norm, act, next));
    }
    return out;
  }

  /**
   * The activation entries that make one unit of the activation at {@code index} of {@code net}:
   * H'·W' when the nearest layer with weights before it is a Conv2D (a unit is a channel), else 1.
   */
  public static int positionsPerUnit(Sequential net, int index) {
    for (int i = index - 1; i >= 0; i--) {
      Layer layer = net.layer(i);
      if (layer instanceof Conv2D c) {
        return c.outHeight() * c.outWidth();
      }
      if (layer instanceof Dense) {
        return 1;
      }
    }
    return 1;
  }

  /** Every Dense layer of {@code net}, in order (the head last). */
  public static List<Dense> denseLayers(Sequential net) {
    return net.layersOf(Dense.class);
  }
}
