package dev.isoplast.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Builds networks from a {@link BodyConfig} and the observation's shape: the body's layers (a conv
 * torso first for a conv body, see {@link BodyConfig}), then a plain Dense head
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

  /**
   * Body then a Dense head {@code [body's output → outSize]} initialised by {@code headInit}, for
   * observations of shape {@code inShape} ({@code [n]} for vectors, {@code [C, H, W]} for images,
   * whose rows the network reads flattened in NCHW order).
   *
   * @throws IllegalArgumentException for a conv body on an observation that is not an image
   */
  public static Sequential build(String name, int[] inShape, BodyConfig body, int outSize, Init headInit,
      RandomGenerator rng, DataType dataType) {
    if (outSize <= 0) {
      throw new IllegalArgumentException("network " + name + " needs a positive output size, got " + outSize);
    }
    List<Layer> layers = bodyLayers(name, inShape, body, rng, dataType);
    Dense head = new Dense(prefix(name) + "head", layers.get(layers.size() - 1).outSize(), outSize, true, dataType);
    headInit.apply(head, rng);
    layers.add(head);
    return new Sequential(name.isEmpty() ? "net" : name, layers);
  }

  /** {@link #build(String, int[], BodyConfig, int, Init, RandomGenerator, DataType)} for vectors of {@code inSize}. */
  public static Sequential build(String name, int inSize, BodyConfig body, int outSize, Init headInit,
      RandomGenerator rng, DataType dataType) {
    return build(name, new int[] {inSize}, body, outSize, headInit, rng, dataType);
  }

  /** {@link #build(String, int, BodyConfig, int, Init, RandomGenerator, DataType)} with unprefixed names ({@code body.0.W}, {@code head.W}). */
  public static Sequential build(int inSize, BodyConfig body, int outSize, Init headInit, RandomGenerator rng,
      DataType dataType) {
    return build("", inSize, body, outSize, headInit, rng, dataType);
  }

  /** The body alone, mapping vectors of {@code inSize} to its features. */
  public static Sequential body(String name, int inSize, BodyConfig body, RandomGenerator rng, DataType dataType) {
    return body(name, new int[] {inSize}, body, rng, dataType);
  }

  /** The body alone, mapping observations of shape {@code inShape} to its features. */
  public static Sequential body(String name, int[] inShape, BodyConfig body, RandomGenerator rng, DataType dataType) {
    return new Sequential(name.isEmpty() ? "body" : name, bodyLayers(name, inShape, body, rng, dataType));
  }

  /** One conv of a torso: output channels, kernel size, stride. */
  private record ConvSpec(int channels, int kernel, int stride) {}

  /** Young &amp; Tian (2019)'s MinAtar torso and the Dense width after it. */
  private static final List<ConvSpec> MINATAR = List.of(new ConvSpec(16, 3, 1));
  private static final int MINATAR_DENSE = 128;

  /** The Nature CNN (Mnih et al. 2015) and the Dense width after it. */
  private static final List<ConvSpec> NATURE = List.of(new ConvSpec(32, 8, 4), new ConvSpec(64, 4, 2),
      new ConvSpec(64, 3, 1));
  private static final int NATURE_DENSE = 512;

  /** Images at least this size (in both dimensions) get the Nature CNN, smaller ones the MinAtar torso. */
  static final int NATURE_MIN_SIZE = 36;

  private static List<Layer> bodyLayers(String name, int[] inShape, BodyConfig body, RandomGenerator rng,
      DataType dataType) {
    long flat = 1;
    for (int d : inShape) {
      flat *= d;
    }
    if (inShape.length == 0 || flat <= 0 || flat > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("network " + name + " needs a positive input size, got shape "
          + Arrays.toString(inShape));
    }
    String p = prefix(name) + "body.";
    List<Layer> layers = new ArrayList<>();
    List<Integer> dense = body.hiddenSizes();
    if (body.type().isConv()) {
      if (inShape.length != 3) {
        throw new IllegalArgumentException("a " + body.type().configName() + " body needs image observations (a Box of "
            + "shape C×H×W), got shape " + Arrays.toString(inShape) + " (use body mlp for vector observations)");
      }
      boolean nature = inShape[1] >= NATURE_MIN_SIZE && inShape[2] >= NATURE_MIN_SIZE;
      convTorso(p, inShape, nature ? NATURE : MINATAR, body, layers, rng, dataType);
      if (dense.isEmpty()) {
        dense = List.of(nature ? NATURE_DENSE : MINATAR_DENSE);
      }
    }
    int width = layers.isEmpty() ? (int) flat : layers.get(layers.size() - 1).outSize();
    for (int h : dense) {
      Dense d = new Dense(p + layers.size(), width, h, false, dataType);
      body.init().apply(d, rng);
      layers.add(d);
      if (body.layerNorm()) {
        layers.add(new LayerNorm(p + layers.size(), h, dataType));
      }
      layers.add(body.activation().create(p + layers.size(), h));
      width = h;
    }
    return layers;
  }

  /**
   * Conv → activation per spec, then a {@link Flatten}. conv_isometric: "same" padding on the
   * stride-1 convs and at least as many output as input channels (see {@link BodyConfig});
   * conv_orthogonal: the same with each conv a {@link SkewOrthogonalConv}.
   */
  private static void convTorso(String p, int[] shape, List<ConvSpec> specs, BodyConfig body, List<Layer> layers,
      RandomGenerator rng, DataType dataType) {
    boolean isometric = body.type().isIsometric();
    boolean orthogonal = body.type() == BodyConfig.Kind.CONV_ORTHOGONAL;
    int channels = shape[0];
    int height = shape[1];
    int width = shape[2];
    for (ConvSpec spec : specs) {
      int out = isometric ? Math.max(spec.channels(), channels) : spec.channels();
      int padding = isometric && spec.stride() == 1 ? Conv2D.padding("same", spec.kernel()) : 0;
      if (height + 2 * padding < spec.kernel() || width + 2 * padding < spec.kernel()) {
        throw new IllegalArgumentException("a " + body.type().configName() + " body's " + spec.kernel() + "×"
            + spec.kernel() + " conv does not fit its " + height + "×" + width + " input (observation shape "
            + Arrays.toString(shape) + ")");
      }
      if (orthogonal) {
        if (spec.stride() != 1 || spec.kernel() % 2 == 0) {
          throw new IllegalArgumentException("a conv_orthogonal body builds stride-1 convs with odd kernels only (the "
              + "MinAtar torso, images under " + NATURE_MIN_SIZE + "×" + NATURE_MIN_SIZE + "); observation shape "
              + Arrays.toString(shape) + " gets the Nature CNN, whose strided convs have no skew-orthogonal form here");
        }
        SkewOrthogonalConv soc = new SkewOrthogonalConv(p + layers.size(), channels, height, width, out, spec.kernel(),
            dataType);
        soc.initialize(BodyConfig.SOC_KERNEL_INIT, rng);
        layers.add(soc);
        layers.add(body.activation().create(p + layers.size(), soc.outSize()));
        channels = out;
        continue;
      }
      Conv2D conv = new Conv2D(p + layers.size(), channels, height, width, out, spec.kernel(), spec.stride(), padding,
          false, dataType);
      body.init().apply(conv, rng);
      layers.add(conv);
      layers.add(body.activation().create(p + layers.size(), conv.outSize()));
      channels = out;
      height = conv.outHeight();
      width = conv.outWidth();
    }
    layers.add(new Flatten(p + layers.size(), channels, height, width));
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
    } else if (layer instanceof SkewOrthogonalConv s) {
      return new SkewOrthogonalConv(s.name(), s.inChannels(), s.height(), s.width(), s.channels(), s.kernel(), dataType);
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
