package dev.isoplast.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Builds networks from a {@link BodyConfig}: the body's hidden layers, then a plain Dense head
 * whose parameters are marked as head parameters. Layers are named {@code <name>.body.<i>} and
 * {@code <name>.head}, so parameters read {@code actor.body.0.W}, {@code critic.head.b}. Layers are
 * initialised in order from {@code rng}, so the seed alone fixes the network.
 */
public final class Networks {

  /** CleanRL PPO's actor head: orthogonal with gain 0.01, zero bias (near-uniform initial policy). */
  public static final Init ACTOR_HEAD = Init.orthogonal(0.01);

  /** CleanRL PPO's critic head: orthogonal with gain 1, zero bias. */
  public static final Init CRITIC_HEAD = Init.orthogonal(1.0);

  private Networks() {}

  /** Body then a Dense head {@code [lastHidden → outSize]} initialised by {@code headInit}. */
  public static Sequential build(String name, int inSize, BodyConfig body, int outSize, Init headInit,
      RandomGenerator rng, DataType dataType) {
    if (outSize <= 0) {
      throw new IllegalArgumentException("network " + name + " needs a positive output size, got " + outSize);
    }
    List<Layer> layers = bodyLayers(name, inSize, body, rng, dataType);
    Dense head = new Dense(prefix(name) + "head", body.outSize(), outSize, true, dataType);
    headInit.apply(head, rng);
    layers.add(head);
    return new Sequential(name.isEmpty() ? "net" : name, layers);
  }

  /** {@link #build(String, int, BodyConfig, int, Init, RandomGenerator, DataType)} with unprefixed names ({@code body.0.W}, {@code head.W}). */
  public static Sequential build(int inSize, BodyConfig body, int outSize, Init headInit, RandomGenerator rng,
      DataType dataType) {
    return build("", inSize, body, outSize, headInit, rng, dataType);
  }

  /** The body alone, mapping {@code inSize} to {@code body.outSize()} features. */
  public static Sequential body(String name, int inSize, BodyConfig body, RandomGenerator rng, DataType dataType) {
    return new Sequential(name.isEmpty() ? "body" : name, bodyLayers(name, inSize, body, rng, dataType));
  }

  private static List<Layer> bodyLayers(String name, int inSize, BodyConfig body, RandomGenerator rng,
      DataType dataType) {
    if (inSize <= 0) {
      throw new IllegalArgumentException("network " + name + " needs a positive input size, got " + inSize);
    }
    String p = prefix(name) + "body.";
    List<Layer> layers = new ArrayList<>();
    int width = inSize;
    for (int h : body.hiddenSizes()) {
      Dense dense = new Dense(p + layers.size(), width, h, false, dataType);
      body.init().apply(dense, rng);
      layers.add(dense);
      if (body.layerNorm()) {
        layers.add(new LayerNorm(p + layers.size(), h, dataType));
      }
      layers.add(body.activation().create(p + layers.size(), h));
      width = h;
    }
    return layers;
  }

  private static String prefix(String name) {
    return name.isEmpty() ? "" : name + ".";
  }
}
