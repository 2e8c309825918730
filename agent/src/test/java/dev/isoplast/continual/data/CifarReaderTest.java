package dev.isoplast.continual.data;

import static dev.isoplast.continual.data.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binary batches written here after Krizhevsky's layout (a few records each), then read back. */
class CifarReaderTest {

  @TempDir
  Path tmp;

  /** One image as the test means it: value (channel, row, column), 0-255. */
  record Image(int[] labels, int[][][] chw) {}

  static Image randomImage(Random rng, int... labels) {
    int[][][] v = new int[3][32][32];
    for (int[][] channel : v) {
      for (int[] row : channel) {
        for (int k = 0; k < 32; k++) {
          row[k] = rng.nextInt(256);
        }
      }
    }
    return new Image(labels, v);
  }

  /** Records: the label bytes, then 1024 red, 1024 green, 1024 blue bytes, each channel row by row. */
  static byte[] batch(List<Image> images) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Image im : images) {
      for (int l : im.labels()) {
        out.write(l);
      }
      for (int c = 0; c < 3; c++) {
        for (int r = 0; r < 32; r++) {
          for (int k = 0; k < 32; k++) {
            out.write(im.chw()[c][r][k]);
          }
        }
      }
    }
    return out.toByteArray();
  }

  /** The example holds (c, r, k) at c*1024 + r*32 + k, scaled by 1/255. */
  static void assertSameImage(Image expected, float[] row) {
    assertEquals(3 * 32 * 32, row.length);
    for (int c = 0; c < 3; c++) {
      for (int r = 0; r < 32; r++) {
        for (int k = 0; k < 32; k++) {
          assertEquals(expected.chw()[c][r][k] / 255f, row[c * 1024 + r * 32 + k], 0f);
        }
      }
    }
  }

  @Test
  void cifar10TrainReadsTheFiveBatchesInOrderAndTheTestBatch() throws IOException {
    Random rng = new Random(10);
    Path dir = Files.createDirectories(tmp.resolve("cifar-10-batches-bin"));
    List<Image> train = new ArrayList<>();
    for (int b = 1; b <= 5; b++) {
      List<Image> records = new ArrayList<>();
      for (int i = 0; i < b % 3 + 1; i++) { // 2, 3, 1, 2, 3 records
        records.add(randomImage(rng, (b * 3 + i) % 10));
      }
      Files.write(dir.resolve("data_batch_" + b + ".bin"), batch(records));
      train.addAll(records);
    }
    List<Image> test = List.of(randomImage(rng, 9), randomImage(rng, 0));
    Files.write(dir.resolve("test_batch.bin"), batch(test));

    // the folder that holds the batches, or its parent
    for (Path given : new Path[] {dir, tmp}) {
      Dataset d = CifarReader.cifar10(given, Split.TRAIN);
      assertEquals("cifar10-train", d.name());
      assertEquals(train.size(), d.size());
      assertArrayEquals(new int[] {3, 32, 32}, d.shape());
      assertEquals(10, d.numClasses());
      for (int i = 0; i < train.size(); i++) {
        assertEquals(train.get(i).labels()[0], d.label(i));
        assertSameImage(train.get(i), d.row(i));
      }
    }
    Dataset t = CifarReader.cifar10(dir, Split.TEST);
    assertEquals("cifar10-test", t.name());
    assertArrayEquals(new int[] {9, 0}, t.labels());
    assertSameImage(test.get(0), t.row(0));
    assertSameImage(test.get(1), t.row(1));
  }

  @Test
  void cifar100ReadsFineOrCoarseLabels() throws IOException {
    Random rng = new Random(100);
    Path dir = Files.createDirectories(tmp.resolve("cifar-100-binary"));
    List<Image> train = List.of(randomImage(rng, 19, 99), randomImage(rng, 4, 30), randomImage(rng, 0, 0));
    List<Image> test = List.of(randomImage(rng, 7, 55));
    Files.write(dir.resolve("train.bin"), batch(train));
    Files.write(dir.resolve("test.bin"), batch(test));

    Dataset fine = CifarReader.cifar100(tmp, Split.TRAIN, CifarReader.Labels.FINE);
    assertEquals("cifar100-train", fine.name());
    assertEquals(100, fine.numClasses());
    assertArrayEquals(new int[] {99, 30, 0}, fine.labels());
    Dataset coarse = CifarReader.cifar100(dir, Split.TRAIN, CifarReader.Labels.COARSE);
    assertEquals("cifar100-coarse-train", coarse.name());
    assertEquals(20, coarse.numClasses());
    assertArrayEquals(new int[] {19, 4, 0}, coarse.labels());
    for (int i = 0; i < train.size(); i++) {
      assertSameImage(train.get(i), fine.row(i));
      assertSameImage(train.get(i), coarse.row(i));
    }
    Dataset t = CifarReader.cifar100(dir, Split.TEST, CifarReader.Labels.FINE);
    assertArrayEquals(new int[] {55}, t.labels());
    assertSameImage(test.get(0), t.row(0));
  }

  @Test
  void refusesATruncatedBatch() throws IOException {
    byte[] two = batch(List.of(randomImage(new Random(1), 3), randomImage(new Random(2), 4)));
    Files.write(tmp.resolve("test_batch.bin"), Arrays.copyOf(two, two.length - 100));
    assertRefused(() -> CifarReader.cifar10(tmp, Split.TEST), "test_batch.bin", "6046 bytes",
        "3073-byte records", "CIFAR-10", "cifar-10-binary.tar.gz");

    // a CIFAR-100 file read as CIFAR-10 is a whole number of 3074-byte records, not of 3073 (with 3 records)
    byte[] c100 = batch(List.of(randomImage(new Random(3), 1, 2), randomImage(new Random(4), 1, 2),
        randomImage(new Random(5), 1, 2)));
    Files.write(tmp.resolve("test_batch.bin"), c100);
    assertRefused(() -> CifarReader.cifar10(tmp, Split.TEST), "not a whole number of 3073-byte records");
  }

  @Test
  void refusesLabelsOutOfRange() throws IOException {
    Files.write(tmp.resolve("test_batch.bin"), batch(List.of(randomImage(new Random(1), 3),
        randomImage(new Random(2), 10))));
    assertRefused(() -> CifarReader.cifar10(tmp, Split.TEST), "record 1 has label 10, outside [0, 10)");
    Files.write(tmp.resolve("test.bin"), batch(List.of(randomImage(new Random(1), 20, 5))));
    assertRefused(() -> CifarReader.cifar100(tmp, Split.TEST, CifarReader.Labels.COARSE),
        "record 0 has label 20, outside [0, 20)", "cifar-100-binary.tar.gz");
    // the same file is fine when the fine label is used
    assertArrayEquals(new int[] {5}, CifarReader.cifar100(tmp, Split.TEST, CifarReader.Labels.FINE).labels());
  }

  @Test
  void missingFilesAreNamedWithWhereToGetThem() throws IOException {
    assertRefused(() -> CifarReader.cifar10(tmp.resolve("nowhere"), Split.TRAIN), "does not exist",
        "www.cs.toronto.edu/~kriz/cifar.html");
    byte[] one = batch(List.of(randomImage(new Random(1), 1)));
    for (int b : new int[] {1, 2, 4}) {
      Files.write(tmp.resolve("data_batch_" + b + ".bin"), one);
    }
    assertRefused(() -> CifarReader.cifar10(tmp, Split.TRAIN), "lacks data_batch_3.bin, data_batch_5.bin");
    assertRefused(() -> CifarReader.cifar100(tmp, Split.TRAIN, CifarReader.Labels.FINE), "lacks train.bin",
        "cifar-100-binary.tar.gz");
  }
}
