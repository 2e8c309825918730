package dev.isoplast.continual.data;

import static dev.isoplast.continual.data.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** IDX files written here byte by byte after LeCun's description, then read back. */
public class IdxReaderTest {

  @TempDir
  Path tmp;

  /** An IDX file of unsigned bytes: 0x00 0x00 0x08 k, k big-endian sizes, the data; gzipped if asked. */
  public static byte[] idx(int[] dims, byte[] data, boolean gzip) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream sink = gzip ? new GZIPOutputStream(bytes) : bytes;
        DataOutputStream out = new DataOutputStream(sink)) {
      out.writeByte(0);
      out.writeByte(0);
      out.writeByte(0x08);
      out.writeByte(dims.length);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(data);
    }
    return bytes.toByteArray();
  }

  /** Random bytes that include 0 and 255. */
  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    b[0] = 0;
    b[n - 1] = (byte) 255;
    return b;
  }

  @ParameterizedTest
  @CsvSource({"false", "true"})
  void readsBackWhatWasWritten(boolean gzip) throws IOException {
    byte[] pixels = randomBytes(5 * 3 * 4, 1);
    Path images = tmp.resolve("images" + (gzip ? ".gz" : ""));
    Files.write(images, idx(new int[] {5, 3, 4}, pixels, gzip));
    IdxReader.UnsignedBytes a = IdxReader.read(images);
    assertArrayEquals(new int[] {5, 3, 4}, a.dims());
    assertArrayEquals(pixels, a.data());

    byte[] labels = {3, 0, 9, 9, 1};
    Path lf = tmp.resolve("labels" + (gzip ? ".gz" : ""));
    Files.write(lf, idx(new int[] {5}, labels, gzip));
    IdxReader.UnsignedBytes l = IdxReader.read(lf);
    assertArrayEquals(new int[] {5}, l.dims());
    assertArrayEquals(labels, l.data());
  }

  /** The four standard names; each split read from plain or gzipped files, images and labels mixed too. */
  @ParameterizedTest
  @CsvSource({"TRAIN, false, false", "TRAIN, true, true", "TEST, false, true", "TEST, true, false"})
  void mnistSplitFromTheStandardFileNames(Split split, boolean gzipImages, boolean gzipLabels) throws IOException {
    String prefix = split == Split.TRAIN ? "train" : "t10k";
    int n = 6;
    int rows = 28;
    int cols = 28;
    byte[] pixels = randomBytes(n * rows * cols, 2);
    byte[] labels = {7, 2, 1, 0, 4, 9};
    Files.write(tmp.resolve(prefix + "-images-idx3-ubyte" + (gzipImages ? ".gz" : "")),
        idx(new int[] {n, rows, cols}, pixels, gzipImages));
    Files.write(tmp.resolve(prefix + "-labels-idx1-ubyte" + (gzipLabels ? ".gz" : "")),
        idx(new int[] {n}, labels, gzipLabels));

    Dataset d = IdxReader.mnist(tmp, split);
    assertEquals("mnist-" + (split == Split.TRAIN ? "train" : "test"), d.name());
    assertEquals(n, d.size());
    assertArrayEquals(new int[] {rows, cols}, d.shape());
    assertEquals(10, d.numClasses());
    assertArrayEquals(new int[] {7, 2, 1, 0, 4, 9}, d.labels());
    // pixel (i, r, c) of the file is value r*cols + c of example i, as b / 255
    for (int i : new int[] {0, 3, 5}) {
      for (int r = 0; r < rows; r += 9) {
        for (int c = 0; c < cols; c += 5) {
          int b = pixels[(i * rows + r) * cols + c] & 0xFF;
          assertEquals(b / 255f, d.row(i)[r * cols + c]);
        }
      }
    }
    assertEquals(0f, d.x()[0]);
    assertEquals(1f, d.x()[d.x().length - 1]);
  }

  @Test
  void refusesAFileThatIsNotIdx() throws IOException {
    Path f = tmp.resolve("train-images-idx3-ubyte");
    Files.write(f, "<html>not found</html>".getBytes());
    assertRefused(() -> IdxReader.read(f), f.toString(), "not an IDX file", "yann.lecun.com/exdb/mnist");
  }

  @Test
  void refusesAnotherElementType() throws IOException {
    Path f = tmp.resolve("floats");
    byte[] b = idx(new int[] {2}, new byte[8], false);
    b[2] = 0x0D; // float
    Files.write(f, b);
    assertRefused(() -> IdxReader.read(f), "element type 0x0d", "only unsigned bytes");
  }

  @ParameterizedTest
  @CsvSource({"false", "true"})
  void refusesATruncatedFile(boolean gzip) throws IOException {
    byte[] whole = idx(new int[] {5, 3, 4}, randomBytes(60, 3), false);
    byte[] cut = Arrays.copyOf(whole, whole.length - 7);
    Path f = tmp.resolve("cut");
    if (gzip) {
      // a complete gzip stream of a truncated IDX file: the IDX check must catch it
      ByteArrayOutputStream z = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(z)) {
        g.write(cut);
      }
      Files.write(f, z.toByteArray());
    } else {
      Files.write(f, cut);
    }
    assertRefused(() -> IdxReader.read(f), f.toString(), "truncated", "[5, 3, 4] = 60 bytes", "only 53 follow");
  }

  @Test
  void refusesATruncatedGzipStream() throws IOException {
    byte[] z = idx(new int[] {5, 3, 4}, randomBytes(60, 4), true);
    Path f = tmp.resolve("cut.gz");
    Files.write(f, Arrays.copyOf(z, z.length / 2));
    assertRefused(() -> IdxReader.read(f), f.toString(), "damaged gzip data");
  }

  @Test
  void refusesATruncatedHeaderAndTrailingBytes() throws IOException {
    Path f = tmp.resolve("h");
    Files.write(f, new byte[] {0, 0, 8, 3, 0, 0, 0, 5});
    assertRefused(() -> IdxReader.read(f), "truncated IDX header (3 sizes announced, 1 present)");
    byte[] whole = idx(new int[] {2}, new byte[] {1, 2}, false);
    Files.write(f, Arrays.copyOf(whole, whole.length + 1));
    assertRefused(() -> IdxReader.read(f), "more data than its header [2] announces");
  }

  @Test
  void refusesImagesAndLabelsThatDoNotMatch() throws IOException {
    Files.write(tmp.resolve("t10k-images-idx3-ubyte"), idx(new int[] {3, 2, 2}, new byte[12], false));
    Files.write(tmp.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {2}, new byte[2], false));
    assertRefused(() -> IdxReader.mnist(tmp, Split.TEST), "holds 3 images but t10k-labels-idx1-ubyte holds 2 labels");

    Files.write(tmp.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {3}, new byte[] {1, 10, 2}, false));
    assertRefused(() -> IdxReader.mnist(tmp, Split.TEST), "label 10 of example 1 is not a digit");

    // the labels file given where the images belong
    Files.write(tmp.resolve("t10k-images-idx3-ubyte"), idx(new int[] {3}, new byte[3], false));
    assertRefused(() -> IdxReader.mnist(tmp, Split.TEST), "expected 3 dimensions");
  }

  @Test
  void missingFilesAreNamedWithWhereToGetThem() throws IOException {
    assertRefused(() -> IdxReader.mnist(tmp.resolve("nowhere"), Split.TRAIN), "does not exist",
        "yann.lecun.com/exdb/mnist");
    Files.write(tmp.resolve("train-images-idx3-ubyte.gz"), idx(new int[] {1, 1, 1}, new byte[1], true));
    assertRefused(() -> IdxReader.mnist(tmp, Split.TRAIN),
        "neither train-labels-idx1-ubyte nor train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte");
  }
}
