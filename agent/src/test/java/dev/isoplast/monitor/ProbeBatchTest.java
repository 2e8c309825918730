package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ProbeBatchTest {

  /** N rows of 2 values whose first value is the row index, so picks can be traced. */
  private static float[] pool(int n) {
    float[] p = new float[2 * n];
    for (int i = 0; i < n; i++) {
      p[2 * i] = i;
      p[2 * i + 1] = -i;
    }
    return p;
  }

  @Test
  void drawsDistinctWholeRowsAndOneSeedFixesThem() {
    ProbeBatch a = new ProbeBatch(2, 4);
    assertEquals(4, a.refresh(pool(10), new SplittableRandom(1)));
    float[] rows = a.rows();
    Set<Float> seen = new HashSet<>();
    for (int r = 0; r < 4; r++) {
      assertEquals(-rows[2 * r], rows[2 * r + 1], "rows stay whole");
      assertTrue(seen.add(rows[2 * r]), "without replacement");
    }
    ProbeBatch b = new ProbeBatch(2, 4);
    b.refresh(pool(10), new SplittableRandom(1));
    assertArrayEquals(rows, b.rows());
    b.refresh(pool(10), new SplittableRandom(2));
    assertNotEquals(Arrays.toString(rows), Arrays.toString(b.rows()));
  }

  @Test
  void aSmallPoolGivesAllItsRows() {
    ProbeBatch p = new ProbeBatch(2);
    assertEquals(ProbeBatch.DEFAULT_CAPACITY, p.capacity());
    assertEquals(5, p.refresh(pool(5), new SplittableRandom(3)));
    float[] rows = p.rows();
    Set<Float> firsts = new HashSet<>();
    for (int r = 0; r < 5; r++) {
      firsts.add(rows[2 * r]);
    }
    assertEquals(Set.of(0f, 1f, 2f, 3f, 4f), firsts);
  }

  @Test
  void selectionIsUniform() {
    // 3 of 6 rows, 30000 times: each row is picked with probability 1/2
    ProbeBatch p = new ProbeBatch(2, 3);
    SplittableRandom rng = new SplittableRandom(4);
    float[] pool = pool(6);
    int[] counts = new int[6];
    for (int t = 0; t < 30000; t++) {
      p.refresh(pool, rng);
      float[] rows = p.rows();
      for (int r = 0; r < 3; r++) {
        counts[(int) rows[2 * r]]++;
      }
    }
    for (int c : counts) {
      assertEquals(15000, c, 400); // ±4.6 standard deviations
    }
  }

  @Test
  void toArrayHoldsTheRows() {
    ProbeBatch p = new ProbeBatch(2, 3);
    assertTrue(p.isEmpty());
    assertThrows(IllegalStateException.class, () -> p.toArray(DataType.FLOAT));
    p.refresh(pool(4), new SplittableRandom(5));
    INDArray a = p.toArray(DataType.DOUBLE);
    assertArrayEquals(new long[] {3, 2}, a.shape());
    assertEquals(DataType.DOUBLE, a.dataType());
    float[] rows = p.rows();
    for (int r = 0; r < 3; r++) {
      assertEquals(rows[2 * r], a.getDouble(r, 0));
      assertEquals(rows[2 * r + 1], a.getDouble(r, 1));
    }
    assertEquals(DataType.FLOAT, p.toArray(DataType.FLOAT).dataType());
  }

  @Test
  void rejectsPartialRows() {
    ProbeBatch p = new ProbeBatch(3, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> p.refresh(new float[7], new SplittableRandom(6)));
    assertEquals("a probe pool holds whole rows of 3 values, got 7 values", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ProbeBatch(0, 2));
  }
}
