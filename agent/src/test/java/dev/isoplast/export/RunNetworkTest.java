package dev.isoplast.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.config.RngStream;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.runs.Checkpoints;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A run directory's acting network comes back from config.yaml and a checkpoint with the trained
 * values (its outputs equal the original's bit for bit), whichever checkpoint kind holds it; bad
 * input is one clear message. The ONNX graph's numbers are checked against ONNX Runtime in
 * agent/src/test/python/test_onnx_export.py; here its structure and the .npy form.
 */
class RunNetworkTest {

  @TempDir
  Path dir;

  private static Sequential net(String name, BodyConfig body, long seed) {
    return Networks.build(name, 6, body, 3, Networks.CRITIC_HEAD, new RngStream(seed), DataType.FLOAT);
  }

  private void writeConfig(String algo, BodyConfig body) throws Exception {
    Map<String, Object> section = new LinkedHashMap<>();
    body.putInto(section);
    StringBuilder yaml = new StringBuilder("algo: " + algo + "\nenv: CartPole-v1\nseed: 9\n" + algo + ":\n");
    section.forEach((k, v) -> yaml.append("  ").append(k).append(": ").append(v).append('\n'));
    Files.writeString(dir.resolve("config.yaml"), yaml.toString());
  }

  private static float[] outputs(Sequential net, float[] x) {
    double[] y = HostArrays.toDoubles(net.forward(Nd4j.create(x, new long[] {x.length / 6, 6}, DataType.FLOAT)), null);
    float[] f = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      f[i] = (float) y[i];
    }
    return f;
  }

  /** A DQN run's end-of-training checkpoint: an isometric body with LayerNorm, q_network and target. */
  @Test
  void theTrainedNetworkComesBackFromAnEndOfTrainingCheckpoint() throws Exception {
    BodyConfig body = BodyConfig.isometric(List.of(8, 4), true);
    writeConfig("dqn", body);
    Sequential trained = net("q_network", body, 1);
    Sequential target = net("target_network", body, 2);
    Snapshot params = Param.values(trained.params());
    Param.values(target.params()).keys().forEach(k -> params.put(k, Param.values(target.params()).getDoubles(k)));
    new Checkpoints(dir).save(1000, new Snapshot().put("kind", "train").put("trained", true).put("params", params));

    RunNetwork back = RunNetwork.read(dir, null);
    assertEquals("dqn", back.kind());
    assertEquals("q_values", back.output());
    assertEquals(1000, back.step());
    assertEquals(trained.toString(), back.net().toString());
    float[] x = new float[5 * 6];
    RngStream rng = new RngStream(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    assertArrayEquals(outputs(trained, x), outputs(back.net(), x));

    ModelProto model = OnnxModel.of(back.net(), RunNetwork.INPUT, back.output(), back.metadata());
    assertEquals(OnnxModel.OPSET, model.getOpsetImport(0).getVersion());
    List<String> ops = model.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    // Dense, LayerNorm, MaxMin (5 nodes) per hidden layer, then the head
    List<String> layer = List.of("Gemm", "LayerNormalization", "Reshape", "ReduceMax", "ReduceMin", "Concat", "Reshape");
    List<String> want = new java.util.ArrayList<>(layer);
    want.addAll(layer);
    want.add("Gemm");
    assertEquals(want, ops);
    assertEquals("q_values", model.getGraph().getOutput(0).getName());
    assertEquals("batch", model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
  }

  @Test
  void aPpoActorComesBackFromAMidRunCheckpointWithItsLogStd() throws Exception {
    BodyConfig body = BodyConfig.cleanRlPpo();
    writeConfig("ppo", body);
    Sequential actor = net("actor", body, 4);
    Snapshot params = Param.values(actor.params()).put("actor.log_std", new double[] {-0.5, 0.0, 0.5});
    new Checkpoints(dir).save(50, new Snapshot().put("kind", "train").put("trained", false)
        .put("agent", new Snapshot().put("kind", "ppo").put("params", params)));
    RunNetwork back = RunNetwork.read(dir, null);
    assertEquals("ppo-continuous", back.kind());
    assertEquals("mean", back.output());
    assertArrayEquals(new double[] {-0.5, 0.0, 0.5}, back.logStd());
    assertEquals("[-0.5, 0.0, 0.5]", back.metadata().get("isoplast.log_std"));
    float[] x = {1, 2, 3, 4, 5, 6};
    assertArrayEquals(outputs(actor, x), outputs(back.net(), x));
  }

  @Test
  void badInputIsOneClearMessage() throws Exception {
    var e = assertThrows(IllegalArgumentException.class, () -> RunNetwork.read(dir, null));
    assertEquals(dir + " is not a run directory (no config.yaml)", e.getMessage());
    writeConfig("ppo", BodyConfig.cleanRlPpo());
    e = assertThrows(IllegalArgumentException.class, () -> RunNetwork.read(dir, null));
    assertTrue(e.getMessage().contains("has no whole checkpoint"), e.getMessage());
    // an end-of-training checkpoint from before it kept the parameters
    new Checkpoints(dir).save(7, new Snapshot().put("kind", "train").put("trained", true));
    e = assertThrows(IllegalArgumentException.class, () -> RunNetwork.read(dir, null));
    assertTrue(e.getMessage().contains("export the one before it (--checkpoint"), e.getMessage());
    // parameters that do not fit the config's body
    Sequential wide = Networks.build("actor", 6, BodyConfig.cleanRlPpo().withHiddenSizes(List.of(64, 32)), 2,
        Networks.ACTOR_HEAD, new RngStream(1), DataType.FLOAT);
    new Checkpoints(dir).save(8, new Snapshot().put("kind", "train").put("trained", true)
        .put("params", Param.values(wide.params())));
    e = assertThrows(IllegalArgumentException.class, () -> RunNetwork.read(dir, null));
    assertTrue(e.getMessage().contains("does not fit the network config.yaml describes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> RunNetwork.read(dir, dir.resolve("config.yaml")));
    assertTrue(e.getMessage().startsWith("--checkpoint " + dir.resolve("config.yaml") + ": not a checkpoint"),
        e.getMessage());
  }

  @Test
  void npyHeaderIsNumpysVersion1Layout() {
    byte[] b = OnnxExport.npy(new float[] {1.5f, -2f, 0f, 3f, 4f, 5f}, 2, 3);
    assertEquals((byte) 0x93, b[0]);
    assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
    int headerLength = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
    assertEquals(0, (10 + headerLength) % 64);
    String header = new String(b, 10, headerLength, StandardCharsets.US_ASCII);
    assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
    assertTrue(header.endsWith("\n"));
    ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLength, 24).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1.5f, data.getFloat());
    assertEquals(-2f, data.getFloat());
    assertEquals(b.length, 10 + headerLength + 24);
  }
}
