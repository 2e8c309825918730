package dev.isoplast.envs.spaces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpacesTest {

  @Test
  void discreteContainsExactlyItsRangeAndSamplesAllOfIt() {
    Discrete d = new Discrete(3, -1);
    assertTrue(d.contains(-1) && d.contains(1));
    assertFalse(d.contains(2) || d.contains(-2));
    int[] counts = new int[3];
    SplittableRandom rng = new SplittableRandom(0);
    for (double v : d.sampleBatch(rng, 3000)) {
      counts[(int) v + 1]++;
    }
    for (int c : counts) {
      assertTrue(c > 900 && c < 1100, "uniform counts, got " + c);
    }
    assertFalse(d.containsBatch(new double[] {0.5}, 1), "non-integral values are not in a Discrete");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Discrete(0));
    assertEquals("n (counts) have to be positive, actual value: 0", e.getMessage());
  }

  @Test
  void boxChecksBoundsShapeAndNaN() {
    Box b = new Box(new double[] {-1, 0}, new double[] {1, Double.POSITIVE_INFINITY}, new int[] {2}, DType.FLOAT32);
    assertTrue(b.contains(new float[] {-1f, 1e9f}));
    assertFalse(b.contains(new float[] {-1.5f, 0f}));
    assertFalse(b.contains(new float[] {Float.NaN, 0f}));
    assertFalse(b.contains(new float[] {0f}));
    assertFalse(b.isBounded());
    assertThrows(IllegalArgumentException.class,
        () -> new Box(new double[] {1}, new double[] {0}, new int[] {1}, DType.FLOAT32));
    assertThrows(IllegalArgumentException.class,
        () -> new Box(new double[] {0, 0}, new double[] {1, 1}, new int[] {3}, DType.FLOAT32));
    SplittableRandom rng = new SplittableRandom(1);
    double[] s = b.sampleBatch(rng, 500);
    assertTrue(b.containsBatch(s, 500), "samples lie in the box (half-bounded dims use an exponential)");
  }

  @Test
  void multiDiscreteAndMultiBinary() {
    MultiDiscrete m = new MultiDiscrete(2, 3);
    assertTrue(m.contains(new long[] {1, 2}));
    assertFalse(m.contains(new long[] {2, 0}));
    assertTrue(m.containsBatch(m.sampleBatch(new SplittableRandom(2), 100), 100));
    MultiBinary mb = new MultiBinary(new int[] {2, 2});
    assertEquals(4, mb.flatSize());
    assertTrue(mb.contains(new long[] {0, 1, 1, 0}));
    assertFalse(mb.contains(new long[] {0, 2, 1, 0}));
    assertTrue(mb.containsBatch(mb.sampleBatch(new SplittableRandom(3), 10), 10));
    assertThrows(IllegalArgumentException.class, () -> new MultiDiscrete(2, 0));
  }

  @Test
  void toStringMirrorsGymnasium() {
    assertEquals("Discrete(2)", new Discrete(2).toString());
    assertEquals("Box(-2.0, 2.0, (1,), float32)", Box.uniform(-2, 2, DType.FLOAT32, 1).toString());
  }
}
