package dev.isoplast.testing;

import dev.isoplast.nn.Conv2D;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.Flatten;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.ReLU;
import dev.isoplast.nn.Sequential;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Conv nets assembled from layers for the monitor and intervention tests (independent of the
 * agents' body configs): the shape of Young &amp; Tian's MinAtar Q-network.
 */
public final class ConvNets {

  private ConvNets() {}

  /**
   * {@code name}: C×side×side → conv {@code filters} (3×3, stride 1, {@code padding}) → ReLU →
   * Flatten → Dense {@code hidden} → ReLU → Dense head {@code outputs}; kaiming-uniform (ReLU gain)
   * body, orthogonal head, layers named {@code <name>.body.<i>} and {@code <name>.head}.
   */
  public static Sequential qNetwork(String name, int channels, int side, int filters, int padding, int hidden,
      int outputs, DataType type, RandomGenerator rng) {
    Conv2D conv = new Conv2D(name + ".body.0", channels, side, side, filters, 3, 1, padding, false, type);
    Init.kaimingUniform(Init.RELU_GAIN).apply(conv, rng);
    Dense dense = new Dense(name + ".body.3", conv.outSize(), hidden, false, type);
    Init.kaimingUniform(Init.RELU_GAIN).apply(dense, rng);
    Dense head = new Dense(name + ".head", hidden, outputs, true, type);
    Init.orthogonal(1.0).apply(head, rng);
    return new Sequential(name, List.<Layer>of(conv, new ReLU(name + ".body.1", conv.outSize()),
        new Flatten(name + ".body.2", filters, conv.outHeight(), conv.outWidth()), dense,
        new ReLU(name + ".body.4", hidden), head));
  }
}
