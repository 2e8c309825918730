package dev.isoplast.continual.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the CIFAR-10 and CIFAR-100 "binary version" files (A. Krizhevsky, "Learning Multiple Layers
 * of Features from Tiny Images", 2009; layout as given on www.cs.toronto.edu/~kriz/cifar.html):
 *
 * <pre>
 * CIFAR-10  (cifar-10-binary.tar.gz → cifar-10-batches-bin/):
 *   data_batch_1.bin … data_batch_5.bin (training), test_batch.bin (test), 10,000 records each
 *   record = &lt;1 byte label 0-9&gt;&lt;3072 bytes pixels&gt;
 * CIFAR-100 (cifar-100-binary.tar.gz → cifar-100-binary/):
 *   train.bin (50,000 records), test.bin (10,000)
 *   record = &lt;1 byte coarse label 0-19&gt;&lt;1 byte fine label 0-99&gt;&lt;3072 bytes pixels&gt;
 * pixels: 1024 red, then 1024 green, then 1024 blue values, each channel a 32 × 32 image stored
 *   row-major (the first 32 bytes are the red values of the top row)
 * </pre>
 *
 * <p>Examples keep that channel-major layout: shape {3, 32, 32}, value (c, r, k) at
 * {@code c*1024 + r*32 + k}, scaled to [0, 1]. Records are read in file order, batch 1 first. A
 * whole CIFAR training split is 50,000 × 3072 floats (614 MB).
 *
 * <p>{@code dir} is the folder that holds the batch files, or its parent (the folder the archive
 * was unpacked in).
 */
public final class CifarReader {

  /** Values per image: 3 channels × 32 × 32. */
  public static final int IMAGE_BYTES = 3 * 32 * 32;
  static final int[] SHAPE = {3, 32, 32};

  /** One of the two formats: its title, label bytes per record, and the one line on getting it. */
  private record Format(String title, int labelBytes, String folder, String howToGet) {

    static Format of(String title, int labelBytes, String folder, String archive) {
      return new Format(title, labelBytes, folder, "get " + archive + " (the binary version) from "
          + "www.cs.toronto.edu/~kriz/cifar.html and unpack it; pass the folder " + folder + " or its parent");
    }
  }

  private static final Format CIFAR10 = Format.of("CIFAR-10", 1, "cifar-10-batches-bin", "cifar-10-binary.tar.gz");
  private static final Format CIFAR100 = Format.of("CIFAR-100", 2, "cifar-100-binary", "cifar-100-binary.tar.gz");

  /** Which of CIFAR-100's two labels to use. */
  public enum Labels {
    /** The 100 classes. */
    FINE,
    /** The 20 superclasses. */
    COARSE
  }

  private CifarReader() {}

  /** The CIFAR-10 batch files of a split, in reading order. */
  static List<String> cifar10Files(Split split) {
    if (split == Split.TEST) {
      return List.of("test_batch.bin");
    }
    List<String> names = new ArrayList<>();
    for (int b = 1; b <= 5; b++) {
      names.add("data_batch_" + b + ".bin");
    }
    return names;
  }

  /**
   * One CIFAR-10 split: labels 0-9, shape {3, 32, 32}, named {@code cifar10-train} or {@code cifar10-test}.
   *
   * @throws DataException if a batch is missing, its size is not a whole number of records, or a
   *     label is out of range
   */
  public static Dataset cifar10(Path dir, Split split) {
    return read(CIFAR10, dir, cifar10Files(split), 0, 10, "cifar10-" + split.label());
  }

  /**
   * One CIFAR-100 split with its fine (100 classes) or coarse (20 superclasses) labels, shape
   * {3, 32, 32}, named e.g. {@code cifar100-train} (fine) or {@code cifar100-coarse-train}.
   *
   * @throws DataException if the file is missing, its size is not a whole number of records, or a
   *     label is out of range
   */
  public static Dataset cifar100(Path dir, Split split, Labels labels) {
    String file = split == Split.TRAIN ? "train.bin" : "test.bin";
    boolean fine = labels == Labels.FINE;
    return read(CIFAR100, dir, List.of(file), fine ? 1 : 0, fine ? 100 : 20,
        "cifar100-" + (fine ? "" : "coarse-") + split.label());
  }

  /**
   * Reads whole records ({@code format.labelBytes} label bytes, then {@link #IMAGE_BYTES} pixels) from
   * each file in turn, from {@code dir} or, if the first file is not there, from
   * {@code dir/format.folder}; the label used is byte {@code labelIndex} of the record and must be
   * below {@code numClasses}.
   */
  private static Dataset read(Format format, Path dir, List<String> files, int labelIndex, int numClasses,
      String name) {
    String how = format.howToGet();
    if (!Files.isDirectory(dir)) {
      throw new DataException(format.title() + " folder " + dir + " does not exist; " + how);
    }
    Path folder = dir;
    if (!Files.exists(dir.resolve(files.get(0))) && Files.isDirectory(dir.resolve(format.folder()))) {
      folder = dir.resolve(format.folder());
    }
    int recordBytes = format.labelBytes() + IMAGE_BYTES;
    List<Path> paths = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    long total = 0;
    for (String f : files) {
      Path p = folder.resolve(f);
      if (!Files.isRegularFile(p)) {
        missing.add(f);
        continue;
      }
      long size = size(p, how);
      if (size == 0 || size % recordBytes != 0) {
        throw new DataException(p + ": " + size + " bytes is not a whole number of " + recordBytes + "-byte records ("
            + format.labelBytes() + " label byte" + (format.labelBytes() > 1 ? "s" : "") + " + " + IMAGE_BYTES
            + " pixels): truncated or not a " + format.title() + " binary batch; " + how);
      }
      paths.add(p);
      total += size / recordBytes;
    }
    if (!missing.isEmpty()) {
      throw new DataException(format.title() + " folder " + folder + " lacks " + String.join(", ", missing) + "; " + how);
    }
    if (total * IMAGE_BYTES > Integer.MAX_VALUE - 16) {
      throw new DataException(folder + ": " + total + " records are too many for one array; " + how);
    }
    int n = (int) total;
    float[] x = new float[n * IMAGE_BYTES];
    int[] y = new int[n];
    int i = 0;
    for (Path p : paths) {
      byte[] bytes = readAll(p, how);
      if (i + bytes.length / recordBytes > n || bytes.length % recordBytes != 0) {
        throw new DataException(p + ": changed while being read; " + how);
      }
      for (int off = 0; off < bytes.length; off += recordBytes, i++) {
        y[i] = bytes[off + labelIndex] & 0xFF;
        if (y[i] >= numClasses) {
          throw new DataException(p + ": record " + (off / recordBytes) + " has label " + y[i] + ", outside [0, "
              + numClasses + "): not a " + format.title() + " batch or a damaged file; " + how);
        }
        Dataset.scale(bytes, off + format.labelBytes(), x, i * IMAGE_BYTES, IMAGE_BYTES);
      }
    }
    return new Dataset(name, x, y, SHAPE, numClasses);
  }

  private static long size(Path p, String howToGet) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new DataException(p + ": cannot read (" + e + "); " + howToGet, e);
    }
  }

  private static byte[] readAll(Path p, String howToGet) {
    try {
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new DataException(p + " does not exist; " + howToGet, e);
    } catch (IOException e) {
      throw new DataException(p + ": cannot read (" + e + "); " + howToGet, e);
    }
  }
}
