package dev.isoplast.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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

  /**
   * A copy of {@code net} in {@code dataType}: the same layers (names, sizes, activations, inits)
   * with the parameters' current values cast. For computing something about a float32 network in
   * float64 (the monitors' NTK); {@link #copyValues} brings a copy up to date.
   */
  public static Sequential copy(Sequential net, DataType dataType) {
    List<Layer> layers = new ArrayList<>();
    for (Layer layer : net.layers()) {
      layers.add(copyLayer(layer, dataType, net.name()));
    }
    Sequential copy = new Sequential(net.name(), layers);
    copyValues(net, copy);
    return copy;
  }

  private static Layer copyLayer(Layer layer, DataType dataType, String net) {
    if (layer instanceof Dense d) {
      Dense c = new Dense(d.name(), d.inSize(), d.outSize(), d.isHead(), dataType);
      if (d.init() != null) {
        c.initializedBy(d.init());
      }
      return c;
    } else if (layer instanceof Conv2D v) {
      Conv2D c = new Conv2D(v.name(), v.inChannels(), v.height(), v.width(), v.outChannels(), v.kernel(), v.stride(),
          v.padding(), v.isHead(), dataType);
      if (v.init() != null) {
        c.initializedBy(v.init());
      }
      return c;
    } else if (layer instanceof Flatten f) {
      return new Flatten(f.name(), f.channels(), f.height(), f.width());
    } else if (layer instanceof LayerNorm ln) {
      return new LayerNorm(ln.name(), ln.outSize(), dataType);
    } else if (layer instanceof ReLU r) {
      return new ReLU(r.name(), r.size());
    } else if (layer instanceof Tanh t) {
      return new Tanh(t.name(), t.size());
    } else if (layer instanceof LeakyReLU l) {
      return new LeakyReLU(l.name(), l.size(), l.slope());
    } else if (layer instanceof GroupSort g) {
      return new GroupSort(g.name(), g.size(), g.groupSize());
    }
    throw new IllegalArgumentException("cannot copy layer " + layer + " of " + net);
  }

  /** Sets every parameter of {@code to} to the matching one of {@code from} (same structure), cast to its dtype. */
  public static void copyValues(Sequential from, Sequential to) {
    List<Param> src = from.params();
    List<Param> dst = to.params();
    if (src.size() != dst.size()) {
      throw new IllegalArgumentException(from.name() + " and " + to.name() + " differ in structure");
    }
    for (int i = 0; i < src.size(); i++) {
      INDArray v = src.get(i).value();
      INDArray d = dst.get(i).value();
      d.assign(v.dataType() == d.dataType() ? v : v.castTo(d.dataType()));
    }
  }

  private static String prefix(String name) {
    return name.isEmpty() ? "" : name + ".";
  }
}
