package dev.isoplast.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a network's body ends and how its hidden units are wired: the body is every layer before
 * the first head {@link Dense} ({@link Dense#isHead()}), as {@link Networks} builds body + head. A
 * network without a head layer is all body. The monitors' "hidden layers" all lie in the body, and
 * the interventions that replace units (ReDo, Continual Backprop) act on {@link #hiddenLayers}.
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
   * One layer of hidden units: unit i is row i of {@code in} (its incoming weights and bias),
   * optionally normalised by {@code norm}, passed through {@code activation}, and read by column i
   * of {@code out} (its outgoing weights; the next hidden layer's Dense or the head).
   *
   * @param norm the LayerNorm between {@code in} and {@code activation}, or null
   */
  public record HiddenLayer(Dense in, LayerNorm norm, Activation activation, Dense out) {

    /** The number of units. */
    public int units() {
      return in.outSize();
    }

    /** Whether each unit is its own coordinate through the activation (ReLU, Tanh, LeakyReLU; not MaxMin). */
    public boolean elementwise() {
      return activation instanceof ElementwiseActivation;
    }
  }

  /**
   * The hidden layers of {@code net}'s body, in order: every body Dense followed by an optional
   * LayerNorm, an activation and (further on) the next Dense. A body Dense without that pattern (a
   * network that is not body + head) is an error.
   */
  public static List<HiddenLayer> hiddenLayers(Sequential net) {
    List<Layer> layers = net.layers();
    int head = headIndex(net);
    List<HiddenLayer> out = new ArrayList<>();
    for (int i = 0; i < head; i++) {
      if (!(layers.get(i) instanceof Dense in)) {
        continue;
      }
      int j = i + 1;
      LayerNorm norm = null;
      if (j < layers.size() && layers.get(j) instanceof LayerNorm ln) {
        norm = ln;
        j++;
      }
      if (j >= layers.size() || !(layers.get(j) instanceof Activation act)) {
        throw new IllegalArgumentException(net.name() + ": hidden Dense " + in.name()
            + " is not followed by an activation (expected Dense → [LayerNorm] → activation → Dense)");
      }
      Dense next = null;
      for (int k = j + 1; k < layers.size() && next == null; k++) {
        if (layers.get(k) instanceof Dense d) {
          next = d;
        }
      }
      if (next == null) {
        throw new IllegalArgumentException(net.name() + ": hidden layer " + act.name() + " has no Dense reading it");
      }
      out.add(new HiddenLayer(in, norm, act, next));
    }
    return out;
  }

  /** Every Dense layer of {@code net}, in order (the head last). */
  public static List<Dense> denseLayers(Sequential net) {
    return net.layersOf(Dense.class);
  }
}
