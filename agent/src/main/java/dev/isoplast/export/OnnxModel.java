package dev.isoplast.export;

import com.google.protobuf.ByteString;
import dev.isoplast.nn.Dense;
import dev.isoplast.nn.GroupSort;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.LayerNorm;
import dev.isoplast.nn.LeakyReLU;
import dev.isoplast.nn.ReLU;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.Tanh;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link Sequential} network as an ONNX model (the schema of {@code proto/src/main/proto/onnx/onnx.proto},
 * onnx 1.23.2), opset {@link #OPSET} of the default domain, IR version {@link #IR_VERSION}. One
 * input {@code [batch, inSize]} float32 and one output {@code [batch, outSize]} float32, both with
 * the symbolic batch dimension {@code batch}; parameters are float32 initializers named as the
 * Java parameters ({@code actor.body.0.W}).
 *
 * <p>Layer by layer, each exactly the Java layer's math:
 * <ul>
 *   <li>{@link Dense} {@code z = x Wᵀ + b}: {@code Gemm(x, W, b, transB = 1)} with W {@code [out, in]};
 *   <li>{@link ReLU}, {@link Tanh}: {@code Relu}, {@code Tanh}; {@link LeakyReLU}: {@code LeakyRelu(alpha = slope)};
 *   <li>{@link LayerNorm}: {@code LayerNormalization(x, γ, β, axis = -1, epsilon = 1e-5)} (opset 17);
 *   <li>{@link GroupSort} MaxMin (k = 2), which maps each consecutive pair of units (2i, 2i+1) of
 *       a row to (max, min): {@code Reshape [-1, n/2, 2]} → {@code ReduceMax} and
 *       {@code ReduceMin} over the last axis (keepdims) → {@code Concat} on it (max first) →
 *       {@code Reshape [-1, n]}. Ties give equal values whichever unit comes first, so the
 *       outputs are the Java layer's.
 * </ul>
 * Any other layer (GroupSort with groups of more than 2, which no body config builds) is refused
 * with its name.
 */
public final class OnnxModel {

  /** The operator set: 17 is the first with LayerNormalization (ReduceMax/Min still take axes as an attribute). */
  public static final int OPSET = 17;

  /** The IR version of opset 17 (ONNX 1.12), which every ONNX Runtime since 1.12 reads. */
  public static final long IR_VERSION = 8;

  /** The symbolic batch dimension of the input and output. */
  public static final String BATCH = "batch";

  private OnnxModel() {}

  /**
   * {@code net} as a model with input {@code inputName} and output {@code outputName};
   * {@code metadata} goes into the model's metadata_props (in its order).
   */
  public static ModelProto of(Sequential net, String inputName, String outputName, Map<String, String> metadata) {
    GraphProto.Builder g = GraphProto.newBuilder().setName(net.name());
    g.addInput(valueInfo(inputName, net.inSize()));
    g.addOutput(valueInfo(outputName, net.outSize()));
    String x = inputName;
    int last = net.layers().size() - 1;
    for (int i = 0; i <= last; i++) {
      Layer layer = net.layer(i);
      String y = i == last ? outputName : layer.name() + ".out";
      add(g, layer, x, y);
      x = y;
    }
    ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("isoplast")
        .setProducerVersion(version()).setGraph(g)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
    metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return m.build();
  }

  private static void add(GraphProto.Builder g, Layer layer, String x, String y) {
    String n = layer.name();
    if (layer instanceof Dense d) {
      g.addInitializer(floats(d.weight().name(), d.weight().value(), d.outSize(), d.inSize()));
      g.addInitializer(floats(d.bias().name(), d.bias().value(), d.outSize()));
      g.addNode(node("Gemm", n, y, x, d.weight().name(), d.bias().name()).addAttribute(intAttr("transB", 1)));
    } else if (layer instanceof ReLU) {
      g.addNode(node("Relu", n, y, x));
    } else if (layer instanceof Tanh) {
      g.addNode(node("Tanh", n, y, x));
    } else if (layer instanceof LeakyReLU l) {
      g.addNode(node("LeakyRelu", n, y, x).addAttribute(floatAttr("alpha", (float) l.slope())));
    } else if (layer instanceof LayerNorm ln) {
      g.addInitializer(floats(ln.gain().name(), ln.gain().value(), ln.outSize()));
      g.addInitializer(floats(ln.bias().name(), ln.bias().value(), ln.outSize()));
      g.addNode(node("LayerNormalization", n, y, x, ln.gain().name(), ln.bias().name())
          .addAttribute(intAttr("axis", -1)).addAttribute(floatAttr("epsilon", (float) LayerNorm.EPS)));
    } else if (layer instanceof GroupSort s && s.groupSize() == 2) {
      int size = s.size();
      g.addInitializer(longs(n + ".pairs_shape", -1, size / 2, 2));
      g.addInitializer(longs(n + ".flat_shape", -1, size));
      g.addNode(node("Reshape", n + ".pairs", n + ".paired", x, n + ".pairs_shape"));
      g.addNode(node("ReduceMax", n + ".max", n + ".maxes", n + ".paired").addAttribute(intsAttr("axes", 2))
          .addAttribute(intAttr("keepdims", 1)));
      g.addNode(node("ReduceMin", n + ".min", n + ".mins", n + ".paired").addAttribute(intsAttr("axes", 2))
          .addAttribute(intAttr("keepdims", 1)));
      g.addNode(node("Concat", n + ".concat", n + ".sorted", n + ".maxes", n + ".mins").addAttribute(intAttr("axis", 2)));
      g.addNode(node("Reshape", n, y, n + ".sorted", n + ".flat_shape"));
    } else {
      throw new IllegalArgumentException("layer " + layer + " has no ONNX form in this exporter");
    }
  }

  private static NodeProto.Builder node(String op, String name, String output, String... inputs) {
    NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
    for (String in : inputs) {
      b.addInput(in);
    }
    return b;
  }

  private static ValueInfoProto valueInfo(String name, int width) {
    TensorShapeProto shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH))
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
    TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
        .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)).build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  /** A float32 initializer of {@code value} (float32 or float64, cast) with {@code dims}, as little-endian raw data. */
  private static TensorProto floats(String name, INDArray value, long... dims) {
    double[] v = HostArrays.toDoubles(value, null);
    ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double d : v) {
      buf.putFloat((float) d);
    }
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
        .setRawData(ByteString.copyFrom(buf.array()));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  /** An int64 vector initializer (a shape). */
  private static TensorProto longs(String name, long... values) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
        .addDims(values.length);
    for (long v : values) {
      t.addInt64Data(v);
    }
    return t.build();
  }

  private static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  private static AttributeProto intsAttr(String name, long... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  private static AttributeProto floatAttr(String name, float v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
  }

  private static String version() {
    String v = OnnxModel.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
