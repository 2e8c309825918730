package dev.isoplast.export;

import dev.isoplast.config.RngStream;
import dev.isoplast.nn.HostArrays;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import onnx.Onnx.ModelProto;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code isoplast export RUN_DIR --onnx FILE}: a run's acting network ({@link RunNetwork}) written
 * as an ONNX model ({@link OnnxModel}), atomically; and, when asked, a check sample beside it:
 * {@code FILE.check.npz} (NumPy's format: {@code obs.npy} {@code [n, in]} and {@code outputs.npy}
 * {@code [n, out]}, float32) with n standard-normal observations drawn from a seeded stream and the
 * Java network's outputs on them, so that any runtime can be checked against Java.
 */
public final class OnnxExport {

  private OnnxExport() {}

  /** What was written. */
  public record Written(Path model, Path check, RunNetwork network) {}

  /** Writes {@code network} to {@code file}, and with {@code checkRows > 0} the check sample drawn with {@code seed}. */
  public static Written write(RunNetwork network, Path file, int checkRows, long seed) {
    if (checkRows < 0) {
      throw new IllegalArgumentException("--check must be >= 0, got " + checkRows);
    }
    ModelProto model = OnnxModel.of(network.net(), RunNetwork.INPUT, network.output(), network.metadata());
    atomicWrite(file, model::writeTo);
    Path check = null;
    if (checkRows > 0) {
      check = file.resolveSibling(file.getFileName() + ".check.npz");
      int in = network.net().inSize();
      float[] obs = new float[checkRows * in];
      RngStream rng = new RngStream(seed);
      for (int i = 0; i < obs.length; i++) {
        obs[i] = (float) rng.nextGaussian();
      }
      INDArray x = Nd4j.create(obs, new long[] {checkRows, in}, DataType.FLOAT);
      double[] y = HostArrays.toDoubles(network.net().forward(x), null);
      float[] out = new float[y.length];
      for (int i = 0; i < y.length; i++) {
        out[i] = (float) y[i];
      }
      int outWidth = network.net().outSize();
      atomicWrite(check, o -> {
        try (ZipOutputStream zip = new ZipOutputStream(o)) {
          zip.putNextEntry(new ZipEntry("obs.npy"));
          zip.write(npy(obs, checkRows, in));
          zip.closeEntry();
          zip.putNextEntry(new ZipEntry("outputs.npy"));
          zip.write(npy(out, checkRows, outWidth));
          zip.closeEntry();
        }
      });
    }
    return new Written(file, check, network);
  }

  /** A float32 {@code [rows, cols]} array in NumPy's .npy format (version 1.0, little-endian, C order). */
  static byte[] npy(float[] values, int rows, int cols) {
    String dict = String.format(Locale.ROOT, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows,
        cols);
    int unpadded = 10 + dict.length() + 1; // magic (6) + version (2) + length (2) + dict + '\n'
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  private interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  private static void atomicWrite(Path file, Body body) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      body.writeTo(bytes);
      Files.write(tmp, bytes.toByteArray());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
