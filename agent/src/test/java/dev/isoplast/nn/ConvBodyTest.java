package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.linalg.Spectral;
import dev.isoplast.testing.Float64Mode;
import dev.isoplast.testing.GradientCheck;
import dev.isoplast.testing.RandomArrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The conv bodies of {@link BodyConfig} as {@link Networks} builds them from an observation's shape. */
@ExtendWith(Float64Mode.class)
class ConvBodyTest {

  private static final BodyConfig CONV = BodyConfig.conv(List.of(), BodyConfig.Nonlinearity.RELU, false,
      Init.torchDefault());

  private static int parameterCount(Sequential net) {
    return net.params().stream().mapToInt(p -> (int) p.value().length()).sum();
  }

  @Test
  void minAtarImagesGetYoungAndTiansNetwork() {
    // examples/dqn.py: Conv2d(in, 16, 3, stride 1) → ReLU → Linear(8·8·16 = 1024, 128) → ReLU → Linear(128, A)
    Sequential q = Networks.build("q", new int[] {4, 10, 10}, CONV, 6, Init.torchDefault(), new SplittableRandom(1),
        DataType.FLOAT);
    assertEquals("q: Conv2D(q.body.0: 4×10×10→16×8×8, k=3, s=1, p=0) → ReLU(q.body.1: 1024) → Flatten(q.body.2: "
        + "16×8×8→1024) → Dense(q.body.3: 1024→128) → ReLU(q.body.4: 128) → Dense(q.head: 128→6, head)", q.toString());
    // by hand: conv 16·(4·9) + 16, hidden 1024·128 + 128, output 128·6 + 6
    assertEquals(16 * 36 + 16 + 1024 * 128 + 128 + 128 * 6 + 6, parameterCount(q));
    // PyTorch's default init of the conv: U(±1/√fan_in) with fan_in = 4·3·3 = 36
    double bound = 1 / Math.sqrt(36);
    INDArray w = ((Conv2D) q.layer(0)).weight().value();
    assertTrue(w.amaxNumber().doubleValue() <= bound && w.amaxNumber().doubleValue() > 0.9 * bound);
  }

  @Test
  void atariFramesGetTheNatureCnn() {
    Sequential q = Networks.build("q", new int[] {4, 84, 84}, CONV, 6, Init.torchDefault(), new SplittableRandom(1),
        DataType.FLOAT);
    List<Conv2D> convs = q.layersOf(Conv2D.class);
    assertEquals(3, convs.size());
    // 84 → ⌊(84 − 8)/4⌋ + 1 = 20 → ⌊(20 − 4)/2⌋ + 1 = 9 → 9 − 3 + 1 = 7; 64·7·7 = 3136 → 512
    assertEquals(List.of(20, 9, 7), convs.stream().map(Conv2D::outHeight).toList());
    assertEquals(List.of(32, 64, 64), convs.stream().map(Conv2D::outChannels).toList());
    List<Dense> dense = q.layersOf(Dense.class);
    assertEquals(3136, dense.get(0).inSize());
    assertEquals(512, dense.get(0).outSize());
    assertEquals((32 * 4 * 64 + 32) + (64 * 32 * 16 + 64) + (64 * 64 * 9 + 64) + (3136 * 512 + 512) + (512 * 6 + 6),
        parameterCount(q));
  }

  @Test
  void hiddenSizesAreTheDenseLayersAfterTheTorso() {
    Sequential net = Networks.body("b", new int[] {2, 10, 10}, CONV.withHiddenSizes(List.of(32, 8)),
        new SplittableRandom(2), DataType.FLOAT);
    assertEquals(List.of(1024, 32), net.layersOf(Dense.class).stream().map(Dense::inSize).toList());
    assertEquals(8, net.outSize());
  }

  @Test
  void aConvBodyOnAVectorObservationIsOneClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Networks.build("q",
        new int[] {4}, CONV, 2, Init.torchDefault(), new SplittableRandom(1), DataType.FLOAT));
    assertEquals("a conv body needs image observations (a Box of shape C×H×W), got shape [4] (use body mlp for "
        + "vector observations)", e.getMessage());
  }

  @Test
  void anMlpBodyFlattensImagesAsBefore() {
    Sequential q = Networks.build("q", new int[] {4, 10, 10}, DqnDefaults.BODY, 6, Init.torchDefault(),
        new SplittableRandom(1), DataType.FLOAT);
    Sequential flat = Networks.build("q", 400, DqnDefaults.BODY, 6, Init.torchDefault(), new SplittableRandom(1),
        DataType.FLOAT);
    assertEquals(flat.toString(), q.toString());
    for (int i = 0; i < q.params().size(); i++) {
      assertEquals(flat.params().get(i).value(), q.params().get(i).value());
    }
  }

  /** CleanRL's DQN body, as DqnConfig has it (nn must not import agents). */
  private static final class DqnDefaults {
    static final BodyConfig BODY = BodyConfig.mlp(List.of(120, 84), BodyConfig.Nonlinearity.RELU, false,
        Init.torchDefault());
  }

  @Test
  void convBodiesPassTheGradientCheck() {
    SplittableRandom rng = new SplittableRandom(7);
    List<BodyConfig> bodies = List.of(
        BodyConfig.conv(List.of(6), BodyConfig.Nonlinearity.TANH, false, Init.kaimingUniform(Init.RELU_GAIN)),
        BodyConfig.conv(List.of(4), BodyConfig.Nonlinearity.MAXMIN, true, Init.orthogonal(Init.RELU_GAIN)),
        BodyConfig.convIsometric(List.of(6), true));
    for (BodyConfig body : bodies) {
      Sequential net = Networks.build("n", new int[] {2, 5, 5}, body, 3, Init.torchDefault(), rng, DataType.DOUBLE);
      INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, 3, 50);
      Map<String, Double> errors = GradientCheck.layer(net, x, 8);
      assertTrue(GradientCheck.worst(errors) < 1e-5, body + " " + errors); // wrong gradients are off by O(1)
    }
  }

  @Test
  void maxMinPairsNeighbouringColumnsOfOneChannel() {
    Sequential body = Networks.body("b", new int[] {3, 6, 6}, BodyConfig.convIsometric(List.of(), false),
        new SplittableRandom(3), DataType.DOUBLE);
    Conv2D conv = (Conv2D) body.layer(0);
    INDArray x = RandomArrays.gaussian(new SplittableRandom(4), DataType.DOUBLE, 2, 108);
    double[] z = HostArrays.toDoubles(conv.forward(x), null);
    double[] m = HostArrays.toDoubles(body.layer(1).forward(conv.forward(x)), null);
    int w = conv.outWidth();
    assertEquals(6, w);
    for (int at = 0; at < z.length; at += 2) { // at = ((n·C + c)·H + i)·W + j with j even: (j, j + 1) is a pair
      assertEquals(Math.max(z[at], z[at + 1]), m[at], 0);
      assertEquals(Math.min(z[at], z[at + 1]), m[at + 1], 0);
    }
  }

  @Test
  void theConvIsometricTorsoHasAllSingularValuesOne() {
    // Delta-orthogonal 3×3 with "same" padding: output pixel (i, j) = Q · input pixel (i, j), Q [16, C] with
    // QᵀQ = I, so the conv is Q ⊗ I_{HW} and JᵀJ = I; MaxMin permutes the outputs (whichever pairing), so the
    // torso's Jacobian keeps JᵀJ = I: all C·H·W singular values 1, at any input.
    SplittableRandom rng = new SplittableRandom(5);
    for (int channels : new int[] {3, 16}) {
      Sequential body = Networks.body("iso", new int[] {channels, 6, 6}, BodyConfig.convIsometric(List.of(), false),
          rng, DataType.DOUBLE);
      Sequential torso = new Sequential("torso", body.layers().subList(0, 3)); // conv, MaxMin, flatten
      assertTrue(torso.layer(2) instanceof Flatten, torso.toString());
      for (int probe = 0; probe < 2; probe++) {
        INDArray x = RandomArrays.gaussian(rng, DataType.DOUBLE, channels * 36);
        double[] sv = Spectral.singularValues(Jacobians.inputOutput(torso, x));
        assertEquals(channels * 36, sv.length);
        for (double s : sv) {
          assertEquals(1.0, s, 1e-9, channels + " channels");
        }
      }
    }
  }

  @Test
  void thePlainConvTorsoIsNotIsometricSoTheCheckAboveMeansSomething() {
    Sequential body = Networks.body("b", new int[] {3, 6, 6}, CONV, new SplittableRandom(6), DataType.DOUBLE);
    Sequential torso = new Sequential("torso", body.layers().subList(0, 3));
    double[] sv = Spectral.singularValues(Jacobians.inputOutput(torso,
        RandomArrays.gaussian(new SplittableRandom(7), DataType.DOUBLE, 108)));
    double max = 0;
    double min = Double.MAX_VALUE;
    for (double s : sv) {
      max = Math.max(max, s);
      min = Math.min(min, s);
    }
    assertTrue(max > 1.2 || min < 0.8, "max " + max + " min " + min);
  }

  @Test
  void configsSwitchingToAConvBodyTakeTheConvReferencesWidthsAndActivation() {
    // PPO's defaults (64-64 tanh, orthogonal √2) with --body conv: the torso's own Dense, ReLU, CleanRL's init
    BodyConfig ppo = BodyConfig.cleanRlPpo();
    BodyConfig conv = read(ppo, Map.of("body", "conv"), Init.orthogonal(Init.RELU_GAIN));
    assertEquals(BodyConfig.conv(List.of(), BodyConfig.Nonlinearity.RELU, false, Init.orthogonal(Init.RELU_GAIN)),
        conv);
    assertEquals(List.of(256), read(ppo, Map.of("body", "conv", "hidden_sizes", "256"), Init.orthogonal(1))
        .hiddenSizes());
    assertEquals(BodyConfig.Nonlinearity.MAXMIN, read(ppo, Map.of("body", "conv", "activation", "maxmin"),
        Init.orthogonal(1)).activation());
    BodyConfig iso = read(DqnDefaults.BODY, Map.of("body", "conv_isometric"), Init.torchDefault());
    assertEquals(BodyConfig.convIsometric(List.of(), false), iso);
    assertEquals(Init.deltaOrthogonal(1), iso.init());
    // a resolved conv config read back (as --resume does) is the same body
    Map<String, Object> written = new LinkedHashMap<>();
    conv.putInto(written);
    assertEquals(conv, read(conv, written, Init.orthogonal(Init.RELU_GAIN)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new BodyConfig(BodyConfig.Kind.CONV_ISOMETRIC, List.of(), BodyConfig.Nonlinearity.RELU, false, null));
    assertEquals("a conv_isometric body uses MaxMin; activation 'relu' is not allowed (leave it unset or use a conv "
        + "body)", e.getMessage());
  }

  private static BodyConfig read(BodyConfig base, Map<String, Object> overrides, Init mlpInit) {
    Map<String, Object> m = new LinkedHashMap<>();
    base.putInto(m);
    m.putAll(overrides);
    return BodyConfig.fromMap(m, overrides, base, mlpInit);
  }
}
