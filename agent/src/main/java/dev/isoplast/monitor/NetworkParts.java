package dev.isoplast.monitor;

import dev.isoplast.nn.Dense;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.Sequential;
import java.util.List;

/**
 * Where a network's body ends: the body is every layer before the first head {@link Dense}
 * ({@link Dense#isHead()}), as {@link dev.isoplast.nn.Networks} builds body + head. A network
 * without a head layer is all body. The monitors' "hidden layers" all lie in the body.
 */
final class NetworkParts {

  private NetworkParts() {}

  /** The index of the first head Dense, or the number of layers if there is none. */
  static int headIndex(Sequential net) {
    List<Layer> layers = net.layers();
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i) instanceof Dense d && d.isHead()) {
        return i;
      }
    }
    return layers.size();
  }

  /** The body's layers, in order. */
  static List<Layer> body(Sequential net) {
    return net.layers().subList(0, headIndex(net));
  }
}
