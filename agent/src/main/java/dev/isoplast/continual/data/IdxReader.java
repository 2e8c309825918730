package dev.isoplast.continual.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the official MNIST files, which are in LeCun's IDX format (Y. LeCun, C. Cortes, C. Burges,
 * "The MNIST database of handwritten digits", yann.lecun.com/exdb/mnist, section "File formats"):
 *
 * <pre>
 * bytes 0-1   0x00 0x00
 * byte  2     element type: 0x08 unsigned byte (the only one MNIST uses; 0x09 byte, 0x0B short,
 *             0x0C int, 0x0D float, 0x0E double are not read here)
 * byte  3     the number of dimensions k
 * then        k sizes, 32-bit big-endian
 * then        the elements, row-major (the last index changes fastest), big-endian
 * </pre>
 *
 * <p>So the images file starts with 0x00000803 (k = 3: n × 28 × 28 pixels, 0 = background, 255 =
 * ink) and the labels file with 0x00000801 (k = 1: n labels 0-9). {@link #mnist} reads one split from
 * a folder holding the four standard files {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
 * each as distributed ({@code .gz}) or unpacked; gzip is recognised by its content. Fashion-MNIST
 * ships the same four file names in the same format and reads the same way.
 */
public final class IdxReader {

  /** Where the files come from, for error messages. */
  static final String HOW_TO_GET = "get the MNIST files from yann.lecun.com/exdb/mnist (or a mirror) and put "
      + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
      + "(gzipped or not) in one folder";

  /** The IDX type byte of unsigned bytes. */
  public static final int TYPE_UNSIGNED_BYTE = 0x08;

  private IdxReader() {}

  /**
   * An IDX array of unsigned bytes: its sizes and its elements, row-major (use
   * {@code data[i] & 0xFF} for the value).
   */
  public record UnsignedBytes(int[] dims, byte[] data) {

    public UnsignedBytes {
      dims = dims.clone();
    }

    @Override
    public int[] dims() {
      return dims.clone();
    }
  }

  /** The two files of one MNIST split: images then labels (without {@code .gz}). */
  static String[] fileNames(Split split) {
    String prefix = split == Split.TRAIN ? "train" : "t10k";
    return new String[] {prefix + "-images-idx3-ubyte", prefix + "-labels-idx1-ubyte"};
  }

  /**
   * One MNIST split from {@code dir}: n images of rows × cols pixels scaled to [0, 1] (shape {rows,
   * cols}, 28 × 28 for MNIST) with labels 0-9, named {@code mnist-train} or {@code mnist-test}.
   *
   * @throws DataException if a file is missing, truncated or not the expected IDX array, or if the
   *     image and label counts differ
   */
  public static Dataset mnist(Path dir, Split split) {
    String[] names = fileNames(split);
    Path imagesFile = find(dir, names[0]);
    Path labelsFile = find(dir, names[1]);
    UnsignedBytes images = read(imagesFile);
    UnsignedBytes labels = read(labelsFile);
    int[] id = images.dims();
    int[] ld = labels.dims();
    if (id.length != 3) {
      throw new DataException(imagesFile + ": expected 3 dimensions (images × rows × columns), found "
          + Arrays.toString(id) + "; " + HOW_TO_GET);
    }
    if (ld.length != 1) {
      throw new DataException(labelsFile + ": expected 1 dimension (labels), found " + Arrays.toString(ld)
          + "; " + HOW_TO_GET);
    }
    if (id[0] != ld[0]) {
      throw new DataException(dir + ": " + imagesFile.getFileName() + " holds " + id[0] + " images but "
          + labelsFile.getFileName() + " holds " + ld[0] + " labels; " + HOW_TO_GET);
    }
    int n = id[0];
    byte[] lb = labels.data();
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = lb[i] & 0xFF;
      if (y[i] > 9) {
        throw new DataException(labelsFile + ": label " + y[i] + " of example " + i + " is not a digit 0-9; "
            + HOW_TO_GET);
      }
    }
    return Dataset.ofUnsignedBytes("mnist-" + split.label(), images.data(), y, new int[] {id[1], id[2]}, 10);
  }

  /**
   * {@code dir/name}, else {@code dir/name.gz}.
   *
   * @throws DataException naming both if neither exists
   */
  static Path find(Path dir, String name) {
    if (!Files.isDirectory(dir)) {
      throw new DataException("MNIST folder " + dir + " does not exist; " + HOW_TO_GET);
    }
    Path plain = dir.resolve(name);
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    Path gz = dir.resolve(name + ".gz");
    if (Files.isRegularFile(gz)) {
      return gz;
    }
    throw new DataException("MNIST folder " + dir + " has neither " + name + " nor " + name + ".gz; " + HOW_TO_GET);
  }

  /**
   * Reads one IDX file of unsigned bytes, gzipped or not.
   *
   * @throws DataException if the file is missing, not IDX, not unsigned bytes, shorter than its
   *     header says or longer
   */
  public static UnsignedBytes read(Path file) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        DataInputStream in = new DataInputStream(gunzipIfGzipped(raw))) {
      int magic;
      try {
        magic = in.readInt();
      } catch (EOFException e) {
        throw new DataException(file + ": too short for an IDX header (4 bytes of magic number); " + HOW_TO_GET);
      }
      int type = (magic >>> 8) & 0xFF;
      int k = magic & 0xFF;
      if ((magic >>> 16) != 0 || k == 0) {
        throw new DataException(file + ": not an IDX file (magic number 0x" + String.format("%08x", magic)
            + ", expected 0x000008NN); " + HOW_TO_GET);
      }
      if (type != TYPE_UNSIGNED_BYTE) {
        throw new DataException(file + ": IDX element type 0x" + String.format("%02x", type)
            + " is not read here, only unsigned bytes (0x08) as in the MNIST files; " + HOW_TO_GET);
      }
      int[] dims = new int[k];
      long count = 1;
      for (int i = 0; i < k; i++) {
        try {
          dims[i] = in.readInt();
        } catch (EOFException e) {
          throw new DataException(file + ": truncated IDX header (" + k + " sizes announced, " + i + " present); "
              + HOW_TO_GET);
        }
        if (dims[i] < 0) {
          throw new DataException(file + ": negative IDX size " + dims[i] + "; " + HOW_TO_GET);
        }
        count *= dims[i];
        if (count > Integer.MAX_VALUE - 16) {
          throw new DataException(file + ": IDX sizes " + Arrays.toString(Arrays.copyOf(dims, i + 1))
              + " are too large for one array; " + HOW_TO_GET);
        }
      }
      byte[] data = new byte[(int) count];
      int got = in.readNBytes(data, 0, data.length);
      if (got < data.length) {
        throw new DataException(file + ": truncated: its header announces " + Arrays.toString(dims) + " = " + count
            + " bytes of data but only " + got + " follow; " + HOW_TO_GET);
      }
      if (in.read() != -1) {
        throw new DataException(file + ": more data than its header " + Arrays.toString(dims)
            + " announces (a damaged file?); " + HOW_TO_GET);
      }
      return new UnsignedBytes(dims, data);
    } catch (NoSuchFileException e) {
      throw new DataException(file + " does not exist; " + HOW_TO_GET, e);
    } catch (ZipException | EOFException e) {
      throw new DataException(file + ": damaged gzip data (" + e.getMessage() + "); " + HOW_TO_GET, e);
    } catch (IOException e) {
      throw new DataException(file + ": cannot read (" + e + "); " + HOW_TO_GET, e);
    }
  }

  /** {@code in} decompressed if it starts with the gzip magic 0x1f 0x8b, else {@code in} itself. */
  static InputStream gunzipIfGzipped(InputStream in) throws IOException {
    InputStream buffered = in.markSupported() ? in : new BufferedInputStream(in);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16)
        : buffered;
  }
}
