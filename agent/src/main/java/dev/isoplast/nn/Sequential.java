package dev.isoplast.nn;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A chain of layers, itself a {@link Layer}: forward runs them in order, backward in reverse.
 * Parameter names are the layers' dotted names ({@code actor.body.0.W}, {@code actor.head.b}), so
 * they are unique across the networks that share an optimizer. Its parameters live in one pair of
 * flat buffers ({@link FlatParams}), gathered when it is built.
 */
public final class Sequential implements Layer {

  private final String name;
  private final List<Layer> layers;
  private final List<Param> params;

  public Sequential(String name, List<? extends Layer> layers) {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("Sequential " + name + " needs at least one layer");
    }
    for (int i = 1; i < layers.size(); i++) {
      Layer prev = layers.get(i - 1);
      Layer next = layers.get(i);
      if (prev.outSize() != next.inSize()) {
        throw new IllegalArgumentException("Sequential " + name + ": " + prev + " outputs " + prev.outSize()
            + " units but the next layer " + next + " takes " + next.inSize());
      }
    }
    List<Param> all = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Layer layer : layers) {
      for (Param p : layer.params()) {
        if (!names.add(p.name())) {
          throw new IllegalArgumentException("Sequential " + name + ": two parameters named " + p.name());
        }
        all.add(p);
      }
    }
    this.name = name;
    this.layers = List.copyOf(layers);
    this.params = List.copyOf(all);
    FlatParams.gather(this.params); // one buffer for values, one for gradients (DESIGN.md §16)
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int inSize() {
    return layers.get(0).inSize();
  }

  @Override
  public int outSize() {
    return layers.get(layers.size() - 1).outSize();
  }

  /** Every layer's parameters, in layer order. */
  @Override
  public List<Param> params() {
    return params;
  }

  /** The layers in order (for the monitors: Dense inputs and deltas, activations' Jacobians). */
  public List<Layer> layers() {
    return layers;
  }

  public Layer layer(int index) {
    return layers.get(index);
  }

  /** The layers of one type in order, e.g. {@code layersOf(Dense.class)}. */
  public <T extends Layer> List<T> layersOf(Class<T> type) {
    return layers.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
  }

  /** Clears every parameter's gradient (backward adds into them): one pass or op per flat run. */
  public void zeroGrad() {
    for (INDArray g : FlatParams.gradArrays(params)) {
      HostArrays.zeroOrAssign(g);
    }
  }

  @Override
  public INDArray forward(INDArray x) {
    INDArray h = x;
    for (Layer layer : layers) {
      h = layer.forward(h);
    }
    return h;
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    INDArray g = gradOut;
    for (int i = layers.size() - 1; i >= 0; i--) {
      g = layers.get(i).backward(g);
    }
    return g;
  }

  /**
   * Backward for training: adds every parameter gradient like {@link #backward} but skips dL/dx of
   * the first layer with parameters when it is a Dense or a Conv2D, and the backward of the
   * parameter-free layers before it (e.g. a {@link Flatten}): nothing upstream needs them. Returns
   * nothing.
   */
  public void backwardParams(INDArray gradOut) {
    int first = 0;
    while (first < layers.size() - 1 && layers.get(first).params().isEmpty()) {
      first++;
    }
    INDArray g = gradOut;
    for (int i = layers.size() - 1; i > first; i--) {
      g = layers.get(i).backward(g);
    }
    Layer bottom = layers.get(first);
    if (bottom instanceof Dense dense) {
      dense.backward(g, false);
    } else if (bottom instanceof Conv2D conv) {
      conv.backward(g, false);
    } else {
      bottom.backward(g);
    }
  }

  /** The chain, e.g. {@code actor: Dense(actor.body.0: 4→64) → Tanh(actor.body.1: 64) → ...}. */
  @Override
  public String toString() {
    return name + ": " + layers.stream().map(Object::toString).collect(Collectors.joining(" → "));
  }
}
