package dev.isoplast.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostArraysTest {

  private static INDArray grid(DataType type) {
    return Nd4j.arange(20).castTo(type).reshape(4, 5);
  }

  @Test
  void readsRowRangeViewsFromTheirOffsetAndColumnViewsThroughACopy() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.INT32}) {
      INDArray x = grid(type);
      INDArray rows = x.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
      assertTrue(HostArrays.isContiguous(rows));
      assertArrayEquals(new double[] {5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, HostArrays.toDoubles(rows, null), 0);
      INDArray cols = x.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 5));
      assertFalse(HostArrays.isContiguous(cols));
      assertArrayEquals(new double[] {3, 4, 8, 9, 13, 14, 18, 19}, HostArrays.toDoubles(cols, null), 0);
      assertArrayEquals(new int[] {3, 4, 8, 9, 13, 14, 18, 19}, HostArrays.toInts(cols, null));
    }
  }

  @Test
  void onePassZeroSumOfSquaresAndScaleAgreeWithNd4jOnViewsAndLeaveTheRest() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray x = Nd4j.linspace(-2, 3, 20).castTo(type).reshape(4, 5);
      INDArray rows = x.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
      assertTrue(HostArrays.smallForOnePass(rows));
      double norm = rows.norm2Number().doubleValue();
      assertEquals(norm * norm, HostArrays.sumOfSquares(rows), 1e-5 * norm * norm);
      INDArray expected = x.dup();
      expected.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()).muli(0.3);
      HostArrays.scale(rows, 0.3);
      assertArrayEquals(expected.data().asDouble(), x.data().asDouble(), 0, type + ": c rounded to the array's type, as muli");
      HostArrays.zero(rows);
      expected.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()).assign(0);
      assertArrayEquals(expected.data().asDouble(), x.data().asDouble(), 0);
    }
    assertFalse(HostArrays.smallForOnePass(Nd4j.zeros(DataType.FLOAT, 1, HostArrays.ONE_PASS_MAX + 1)));
    assertFalse(HostArrays.smallForOnePass(grid(DataType.FLOAT).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3))));
    assertFalse(HostArrays.smallForOnePass(grid(DataType.INT32)));
  }

  @Test
  void zeroClearsALargeViewAcrossChunksAndNothingElse() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray x = Nd4j.linspace(1, 4 * 4_999, 4 * 4_999).castTo(type).reshape(4, 4_999);
      double[] before = x.castTo(DataType.DOUBLE).data().asDouble();
      INDArray middle = x.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()); // 9,998 elements at offset 4,999
      HostArrays.zeroOrAssign(middle);
      double[] got = x.castTo(DataType.DOUBLE).data().asDouble();
      for (int i = 0; i < got.length; i++) {
        boolean inside = i >= 4_999 && i < 3 * 4_999;
        assertEquals(inside ? 0.0 : before[i], got[i], 0, type + " element " + i);
        assertTrue(before[i] != 0, "every element starts non-zero");
      }
    }
  }

  @Test
  void writesIntoViewsWithoutTouchingTheRest() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray x = Nd4j.zeros(type, 3, 3);
      HostArrays.fromDoubles(new double[] {1, 2, 3}, x.get(NDArrayIndex.point(1), NDArrayIndex.all()));
      HostArrays.fromDoubles(new double[] {7, 8}, x.get(NDArrayIndex.interval(0, 2), NDArrayIndex.point(2)));
      assertArrayEquals(new double[] {0, 0, 7, 1, 2, 8, 0, 0, 0}, x.reshape(9).castTo(DataType.DOUBLE).toDoubleVector(), 0);
    }
  }

  @Test
  void flatBufferViewsAreContiguousAndColumnsAreNot() {
    INDArray flat = Nd4j.arange(0, 300).castTo(DataType.FLOAT);
    INDArray interval = flat.get(NDArrayIndex.interval(100, 164)); // ND4J marks this 1-D view 'f'
    INDArray bias = interval.reshape('c', new long[] {64});
    INDArray row = bias.reshape(1, 64); // a [1, n] view at offset 100
    INDArray weight = flat.get(NDArrayIndex.interval(0, 100)).reshape('c', new long[] {10, 10});
    for (INDArray a : new INDArray[] {interval, bias, row, weight}) {
      assertTrue(HostArrays.isContiguous(a), a.shapeInfoToString());
      assertEquals(a.getDouble(a.length() - 1), HostArrays.get(a, a.length() - 1), 0, "read from its offset");
    }
    assertEquals(163.0, HostArrays.get(row, 63), 0);
    assertFalse(HostArrays.isContiguous(weight.getColumn(2)), "a column view strides");
    assertFalse(HostArrays.isContiguous(weight.transpose()));
  }

  @Test
  void reusesTheGivenArrayWhenTheLengthFits() {
    double[] reuse = new double[20];
    assertSame(reuse, HostArrays.toDoubles(grid(DataType.FLOAT), reuse));
    assertEquals(19, reuse[19], 0);
  }

  @Test
  void rejectsNonIntegerLabels() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HostArrays.toInts(Nd4j.create(new double[] {1, 2.5}), null));
    assertEquals("expected integer values, element 1 is 2.5", e.getMessage());
  }
}
