package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A network's parameters as views of one pair of flat buffers (DESIGN.md §16). */
class FlatParamsTest {

  private static List<Layer> layers(String prefix, DataType type) {
    return List.of(new Dense(prefix + "0", 5, 4, false, type), new LayerNorm(prefix + "ln", 4, type),
        new ReLU(prefix + "relu", 4), new Dense(prefix + "head", 4, 3, true, type));
  }

  private static void fill(List<Param> params, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (Param p : params) {
      double[] v = new double[(int) p.length()];
      for (int i = 0; i < v.length; i++) {
        v[i] = rng.nextGaussian();
      }
      HostArrays.fromDoubles(v, p.value());
    }
  }

  @Test
  void everyParameterIsAViewOfTheNetworksBuffersInOrderAndKeepsItsValues() {
    List<Layer> ls = layers("net.", DataType.FLOAT);
    List<Param> before = ls.stream().flatMap(l -> l.params().stream()).toList();
    fill(before, 1);
    double[][] values = before.stream().map(p -> HostArrays.toDoubles(p.value(), null)).toArray(double[][]::new);
    Sequential net = new Sequential("net", ls);
    FlatParams flat = net.params().get(0).flat();
    assertNotNull(flat);
    assertEquals(20 + 4 + 4 + 4 + 12 + 3, flat.length());
    long offset = 0;
    double[] all = HostArrays.toDoubles(flat.value(), null);
    for (int k = 0; k < net.params().size(); k++) {
      Param p = net.params().get(k);
      assertSame(flat, p.flat());
      assertEquals(offset, p.flatOffset());
      assertArrayEquals(values[k], HostArrays.toDoubles(p.value(), null), 0, p.name() + " kept its values");
      for (int i = 0; i < p.length(); i++) {
        assertEquals(values[k][i], all[(int) offset + i], 0);
      }
      offset += p.length();
    }
    // writes through a view reach the buffer, and the other way round
    Param w = net.params().get(0);
    w.value().putScalar(new long[] {1, 2}, 7.5);
    assertEquals(7.5, flat.value().getDouble(1 * 5 + 2), 0);
    flat.grad().putScalar(w.length() + 1, -2.0); // the first bias's second entry
    assertEquals(-2.0, net.params().get(1).grad().getDouble(1), 0);
    net.zeroGrad();
    assertEquals(0.0, flat.grad().norm2Number().doubleValue(), 0);
  }

  @Test
  void aNetworkOfNetworksComputesWhatItsPartsDid() {
    Sequential body = new Sequential("body", layers("b.", DataType.DOUBLE).subList(0, 3));
    Sequential head = new Sequential("head", List.of(new Dense("h.0", 4, 3, true, DataType.DOUBLE)));
    fill(body.params(), 2);
    fill(head.params(), 3);
    INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 5);
    INDArray before = head.forward(body.forward(x)).dup();
    Sequential net = new Sequential("net", List.of(body, head));
    assertSame(net.params().get(0).flat(), net.params().get(net.params().size() - 1).flat(), "one buffer for all");
    assertEquals(before, net.forward(x));
    // backward through the moved LayerNorm and Dense rows: gradients land in the outer buffer
    net.zeroGrad();
    net.backward(Nd4j.ones(DataType.DOUBLE, 6, 3));
    FlatParams flat = net.params().get(0).flat();
    double sq = 0;
    for (Param p : net.params()) {
      sq += p.grad().norm2Number().doubleValue() * p.grad().norm2Number().doubleValue();
    }
    assertEquals(Math.sqrt(sq), flat.grad().norm2Number().doubleValue(), 1e-9);
  }

  @Test
  void mixedTypesStayStandAlone() {
    Param a = new Param("a", Param.Role.BIAS, false, Nd4j.zeros(DataType.FLOAT, 3));
    Param b = new Param("b", Param.Role.BIAS, false, Nd4j.zeros(DataType.DOUBLE, 3));
    assertEquals(null, FlatParams.gather(List.of(a, b)));
    assertEquals(null, a.flat());
  }
}
