package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Where the body ends and how hidden units are wired, for nets with and without LayerNorm. */
class NetworkPartsTest {

  @Test
  void hiddenLayersPairEachUnitsIncomingRowsWithItsOutgoingColumns() {
    Sequential net = Networks.build("q", 4, BodyConfig.mlp(List.of(8, 6), BodyConfig.Nonlinearity.RELU, true,
        Init.kaimingUniform(Init.RELU_GAIN)), 3, Init.orthogonal(1.0), new SplittableRandom(1), DataType.FLOAT);
    // q.body.0 Dense, .1 LayerNorm, .2 ReLU, .3 Dense, .4 LayerNorm, .5 ReLU, q.head
    List<NetworkParts.HiddenLayer> h = NetworkParts.hiddenLayers(net);
    assertEquals(2, h.size());
    assertSame(net.layer(0), h.get(0).in());
    assertSame(net.layer(1), h.get(0).norm());
    assertSame(net.layer(2), h.get(0).activation());
    assertSame(net.layer(3), h.get(0).out());
    assertSame(net.layer(3), h.get(1).in());
    assertSame(net.layer(6), h.get(1).out());
    assertEquals(8, h.get(0).units());
    assertTrue(h.get(0).elementwise());
    assertEquals(6, NetworkParts.headIndex(net));
    assertEquals(6, NetworkParts.body(net).size());
    assertEquals(Init.kaimingUniform(Init.RELU_GAIN), h.get(0).in().init(), "Dense layers remember their init");
    assertEquals(Init.orthogonal(1.0), ((Dense) net.layer(6)).init());

    Sequential iso = Networks.build("a", 4, BodyConfig.isometric(List.of(8), false), 2, Init.orthogonal(0.01),
        new SplittableRandom(1), DataType.FLOAT);
    NetworkParts.HiddenLayer maxmin = NetworkParts.hiddenLayers(iso).get(0);
    assertNull(maxmin.norm());
    assertFalse(maxmin.elementwise(), "MaxMin mixes pairs of units");
  }

  @Test
  void aBodyDenseWithoutAnActivationIsAnError() {
    Dense a = new Dense("x.0", 3, 4, false, DataType.FLOAT);
    Dense head = new Dense("x.head", 4, 1, true, DataType.FLOAT);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NetworkParts.hiddenLayers(new Sequential("x", List.of(a, head))));
    assertTrue(e.getMessage().contains("x.0"), e.getMessage());
  }
}
