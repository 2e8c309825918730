package dev.isoplast.envs.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isoplast.env.v1.Tensor;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.MultiBinary;
import dev.isoplast.envs.spaces.MultiDiscrete;
import dev.isoplast.envs.spaces.Space;
import org.junit.jupiter.api.Test;

class WireFormatTest {

  @Test
  void float32TensorIsLittleEndianRowMajor() {
    Tensor t = WireFormat.fromFloats(new float[] {1f, -2.5f}, 2);
    byte[] b = t.getData().toByteArray();
    // 1.0f = 0x3F800000, little-endian bytes 00 00 80 3F
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3F}, java.util.Arrays.copyOfRange(b, 0, 4));
    assertArrayEquals(new float[] {1f, -2.5f}, WireFormat.toFloats(t));
  }

  @Test
  void everyDtypeRoundTrips() {
    double[] v = {0, 1, 5, 100};
    for (DType d : DType.values()) {
      double[] in = d == DType.BOOL ? new double[] {0, 1, 1, 0} : v;
      Tensor t = WireFormat.fromDoubles(in, d, 2, 2);
      assertEquals(4L * d.bytes(), t.getData().size(), d + " byte size");
      assertArrayEquals(in, WireFormat.toDoubles(t), 0.0, d + " round trip");
    }
    assertArrayEquals(new long[] {3, -4}, java.util.Arrays.stream(WireFormat.toDoubles(WireFormat.fromLongs(new long[] {3, -4}, 2)))
        .mapToLong(x -> (long) x).toArray());
  }

  @Test
  void truncatedDataIsRefused() {
    Tensor t = WireFormat.fromFloats(new float[] {1f, 2f}, 3);
    assertThrows(IllegalArgumentException.class, () -> WireFormat.toFloats(t));
  }

  @Test
  void spacesRoundTrip() {
    Space[] spaces = {
      new Box(new double[] {-1, Double.NEGATIVE_INFINITY}, new double[] {1, 2}, new int[] {2}, DType.FLOAT32),
      new Discrete(3, 1), new MultiDiscrete(2, 5), new MultiBinary(new int[] {3})
    };
    for (Space s : spaces) {
      assertEquals(s, WireFormat.space(WireFormat.space(s)));
    }
  }
}
