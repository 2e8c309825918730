package dev.isoplast.continual.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DatasetTest {

  /** 4 examples of shape {2, 3}: example i holds (i*6 + j) / 30 at position j, label i % 3. */
  private static Dataset small() {
    float[] x = new float[4 * 6];
    for (int i = 0; i < x.length; i++) {
      x[i] = i / 30f;
    }
    return new Dataset("small", x, new int[] {0, 1, 2, 0}, new int[] {2, 3}, 3);
  }

  @Test
  void sizesAndRows() {
    Dataset d = small();
    assertEquals(4, d.size());
    assertEquals(6, d.dim());
    assertArrayEquals(new int[] {2, 3}, d.shape());
    assertArrayEquals(new float[] {12 / 30f, 13 / 30f, 14 / 30f, 15 / 30f, 16 / 30f, 17 / 30f}, d.row(2));
    assertEquals(2, d.label(2));
  }

  @Test
  void subsetTakesTheRowsInTheGivenOrderWithRepeats() {
    Dataset d = small();
    Dataset s = d.subset(new int[] {3, 1, 1});
    assertEquals(3, s.size());
    assertArrayEquals(d.row(3), s.row(0));
    assertArrayEquals(d.row(1), s.row(1));
    assertArrayEquals(d.row(1), s.row(2));
    assertArrayEquals(new int[] {0, 1, 1}, s.labels());
    assertArrayEquals(d.shape(), s.shape());
    assertEquals(d.numClasses(), s.numClasses());
    s.x()[0] = 0f;
    assertEquals(18 / 30f, d.x()[18], "a subset owns its arrays");
    assertThrows(IndexOutOfBoundsException.class, () -> d.subset(new int[] {4}));
  }

  @Test
  void classCountsCountEveryLabel() {
    int[] labels = {2, 2, 0, 4, 2, 0};
    Dataset d = new Dataset("c", new float[6], labels, new int[] {1}, 5);
    assertArrayEquals(new int[] {2, 0, 3, 0, 1}, d.classCounts());
  }

  @Test
  void unsignedBytesAreScaledByOneOver255() {
    byte[] px = {0, (byte) 255, (byte) 128, 1};
    Dataset d = Dataset.ofUnsignedBytes("b", px, new int[] {0, 1}, new int[] {2}, 2);
    assertArrayEquals(new float[] {0f, 1f, 128 / 255f, 1 / 255f}, d.x());
  }

  @Test
  void equalityComparesContents() {
    assertEquals(small(), small());
    assertEquals(small().hashCode(), small().hashCode());
    Dataset other = small();
    other.x()[5] = 0.9f;
    assertNotEquals(small(), other);
    assertTrue(small().toString().contains("4 examples of shape [2, 3], 3 classes"), small().toString());
  }

  @Test
  void theConstructorRefusesInconsistentSets() {
    int[] shape = {2};
    String m = assertThrows(IllegalArgumentException.class,
        () -> new Dataset("d", new float[5], new int[] {0, 0}, shape, 2)).getMessage();
    assertTrue(m.contains("5 values") && m.contains("need 4"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> new Dataset("d", new float[4], new int[] {0, 2}, shape, 2)).getMessage();
    assertTrue(m.contains("label 2 of example 1"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> new Dataset("d", new float[] {0, 0, 1.5f, 0}, new int[] {0, 1}, shape, 2)).getMessage();
    assertTrue(m.contains("1.5 of example 1 is outside [0, 1]"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> new Dataset("d", new float[] {0, Float.NaN, 0, 0}, new int[] {0, 1}, shape, 2)).getMessage();
    assertTrue(m.contains("NaN"), m);
    assertThrows(IllegalArgumentException.class, () -> new Dataset("d", new float[0], new int[0], new int[] {0, 3}, 2));
    assertThrows(IllegalArgumentException.class, () -> new Dataset("d", new float[0], new int[0], shape, 0));
    assertThrows(IllegalArgumentException.class, () -> new Dataset(" ", new float[0], new int[0], shape, 1));
  }

  @Test
  void theShapeIsCopiedInAndOut() {
    int[] shape = {2, 3};
    Dataset d = new Dataset("d", new float[6], new int[] {0}, shape, 1);
    shape[0] = 7;
    d.shape()[1] = 9;
    assertArrayEquals(new int[] {2, 3}, d.shape());
  }
}
