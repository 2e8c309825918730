package dev.isoplast.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A snapshot's binary form gives back every value bit for bit; a damaged form is refused. */
class SnapshotTest {

  private static Snapshot sample() {
    return new Snapshot().put("n", 42L).put("x", -0.0).put("nan", Double.NaN).put("flag", true).put("name", "ÅdamO")
        .put("d", new double[] {1e-300, Double.POSITIVE_INFINITY, 3.5}).put("f", new float[] {1.5f, Float.MIN_VALUE})
        .put("l", new long[] {Long.MIN_VALUE, 7}).put("i", new int[] {}).put("b", new byte[] {0, -1, 127}).put("sub", new Snapshot().put("k", 1L)
            .put("deeper", new Snapshot().put("v", new double[] {2.0})));
  }

  @Test
  void roundTripsEveryTypeExactly() {
    Snapshot s = sample();
    Snapshot back = Snapshot.fromBytes(s.toBytes());
    assertEquals(s, back);
    assertEquals(42L, back.getLong("n"));
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(back.getDouble("x")));
    assertTrue(Double.isNaN(back.getDouble("nan")));
    assertEquals("ÅdamO", back.getString("name"));
    assertArrayEquals(new float[] {1.5f, Float.MIN_VALUE}, back.getFloats("f"));
    assertArrayEquals(new double[] {2.0}, back.getTree("sub").getTree("deeper").getDoubles("v"));
    assertArrayEquals(new byte[] {0, -1, 127}, back.getBytes("b"));
    assertEquals(java.util.List.of("n", "x", "nan", "flag", "name", "d", "f", "l", "i", "b", "sub"),
        java.util.List.copyOf(back.keys()), "order kept");
    assertNotEquals(s, sample().put("n", 43L));
  }

  @Test
  void arraysAreCopiedInAndOut() {
    double[] a = {1, 2};
    Snapshot s = new Snapshot().put("a", a);
    a[0] = 9;
    assertEquals(1.0, s.getDoubles("a")[0]);
    s.getDoubles("a")[1] = 9;
    assertEquals(2.0, s.getDoubles("a")[1]);
  }

  @Test
  void aDamagedFormAndWrongLookupsGetClearErrors() {
    byte[] b = sample().toBytes();
    IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
        () -> Snapshot.fromBytes(Arrays.copyOf(b, b.length - 5)));
    assertTrue(cut.getMessage().contains("damaged"), cut.getMessage());
    byte[] grown = Arrays.copyOf(b, b.length + 3);
    assertThrows(IllegalArgumentException.class, () -> Snapshot.fromBytes(grown));
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> sample().getLong("m"));
    assertTrue(missing.getMessage().contains("lacks m"), missing.getMessage());
    assertThrows(IllegalArgumentException.class, () -> sample().getDoubles("f"), "a float[] is not a double[]");
    assertThrows(IllegalArgumentException.class, () -> sample().getDoubles("d", 4), "length checked");
  }
}
