package dev.isoplast.runs;

import com.google.protobuf.ByteString;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.tensorboard.v1.DataClass;
import dev.isoplast.tensorboard.v1.DataType;
import dev.isoplast.tensorboard.v1.Event;
import dev.isoplast.tensorboard.v1.Summary;
import dev.isoplast.tensorboard.v1.SummaryMetadata;
import dev.isoplast.tensorboard.v1.TensorProto;
import dev.isoplast.tensorboard.v1.TensorShapeProto;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A TensorBoard event file written from Java: {@code events.out.tfevents.<epoch seconds>.<host>}
 * in a run directory, so that {@code tensorboard --logdir runs/} shows every run's metrics.
 *
 * <p>Format (TensorFlow's {@code core/lib/io/record_writer.cc} and TensorBoard's reader
 * {@code compat/tensorflow_stub/pywrap_tensorflow.py}): a sequence of TFRecords, each
 * <pre>
 *   u64 length (little-endian) | u32 masked_crc32c(length bytes) | data | u32 masked_crc32c(data)
 *   masked_crc32c(b) = ((c &gt;&gt;&gt; 15) | (c &lt;&lt; 17)) + 0xa282ead8,  c = CRC-32C(b) (Castagnoli)
 * </pre>
 * whose data is a serialised {@code Event} (proto/…/isoplast/tensorboard/v1/event.proto, wire-compatible
 * with TensorBoard's). The first event carries {@code file_version = "brain.Event:2"}.
 *
 * <ul>
 *   <li>{@link #log}: one Event per call, step = {@code global_step}, every scalar a
 *       {@code simple_value} tagged with its metric name, as PyTorch's {@code SummaryWriter.add_scalar}
 *       writes them. {@code simple_value} is a float32: TensorBoard shows the value rounded to float;
 *       metrics.jsonl keeps the double. Non-finite values (NaN, ±Infinity) are written as they are:
 *       TensorBoard's reader keeps them and its charts mark them, so a diverging loss stays
 *       visible rather than silently missing. Null values are skipped.</li>
 *   <li>{@link #text}: a text summary as TensorBoard's text plugin reads it (tf.summary.text):
 *       a rank-0 DT_STRING tensor with metadata plugin_name "text" (empty TextPluginData content,
 *       version 0) and data class TENSOR. The text is Markdown.</li>
 * </ul>
 * Every call is flushed to the file before it returns, so a crash keeps all that was logged.
 */
public final class TensorBoardWriter implements MetricSink, AutoCloseable {

  /** The version string of the first event; TensorBoard checks the "brain.Event:" prefix. */
  public static final String FILE_VERSION = "brain.Event:2";

  private static final int MASK_DELTA = 0xa282ead8;

  private final Path path;
  private final OutputStream out;
  private boolean closed;

  private TensorBoardWriter(Path path, OutputStream out) {
    this.path = path;
    this.out = out;
  }

  /**
   * Creates a new event file in {@code dir} (created if missing), named
   * {@code events.out.tfevents.<epoch seconds>.<hostname>}, and writes its file-version event.
   * Never overwrites: when a file of that name exists (two writers within one second), a suffix
   * {@code .1}, {@code .2}, … is added, which TensorBoard reads as another file of the same run.
   */
  public static TensorBoardWriter open(Path dir) {
    long now = System.currentTimeMillis();
    try {
      Files.createDirectories(dir);
      String base = fileName(now / 1000, hostname());
      for (int k = 0; ; k++) {
        Path p = dir.resolve(k == 0 ? base : base + "." + k);
        try {
          OutputStream os = new BufferedOutputStream(Files.newOutputStream(p, StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE));
          TensorBoardWriter w = new TensorBoardWriter(p, os);
          w.write(Event.newBuilder().setWallTime(now / 1000.0).setStep(0).setFileVersion(FILE_VERSION).build());
          return w;
        } catch (FileAlreadyExistsException e) {
          // next suffix
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a TensorBoard event file in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reopens the event file {@code file} for appending after cutting it back to {@code length}
   * bytes (a resumed run; no new file-version event, no second config text).
   */
  public static TensorBoardWriter resume(Path file, long length) {
    MetricsFile.truncate(file, length);
    try {
      return new TensorBoardWriter(file, new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.APPEND,
          StandardOpenOption.WRITE)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reopen " + file + ": " + e.getMessage(), e);
    }
  }

  /** The file's length now (every event is flushed as it is written). */
  public long length() {
    try {
      return Files.size(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the size of " + path + ": " + e.getMessage(), e);
    }
  }

  /** {@code events.out.tfevents.<epochSeconds>.<host>} (TensorBoard only requires "tfevents" in the name). */
  public static String fileName(long epochSeconds, String host) {
    return "events.out.tfevents." + epochSeconds + "." + host;
  }

  /** The event file. */
  public Path path() {
    return path;
  }

  /** One Event at {@code globalStep} holding every non-null scalar as a float32 {@code simple_value}. */
  @Override
  public synchronized void log(long globalStep, Map<String, Double> scalars) {
    Summary.Builder summary = Summary.newBuilder();
    scalars.forEach((tag, v) -> {
      if (v != null) {
        summary.addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue(v.floatValue()));
      }
    });
    if (summary.getValueCount() > 0) {
      write(event(globalStep).setSummary(summary).build());
    }
  }

  /**
   * A text summary {@code tag} at {@code step}, rendered as Markdown by TensorBoard's text
   * dashboard (use {@link #codeBlock} for verbatim text such as YAML).
   */
  public synchronized void text(String tag, String markdown, long step) {
    SummaryMetadata metadata = SummaryMetadata.newBuilder()
        .setPluginData(SummaryMetadata.PluginData.newBuilder().setPluginName("text"))
        .setDataClass(DataClass.DATA_CLASS_TENSOR)
        .build();
    TensorProto tensor = TensorProto.newBuilder()
        .setDtype(DataType.DT_STRING)
        .setTensorShape(TensorShapeProto.getDefaultInstance()) // rank 0: one string
        .addStringVal(ByteString.copyFrom(markdown, StandardCharsets.UTF_8))
        .build();
    Summary summary = Summary.newBuilder()
        .addValue(Summary.Value.newBuilder().setTag(tag).setMetadata(metadata).setTensor(tensor))
        .build();
    write(event(step).setSummary(summary).build());
  }

  /** {@code text} as a Markdown code block (every line indented by four spaces), shown verbatim. */
  public static String codeBlock(String text) {
    StringBuilder sb = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      sb.append(line.isEmpty() ? "" : "    " + line).append('\n');
    }
    return sb.toString().stripTrailing();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + path + ": " + e.getMessage(), e);
    }
  }

  private static Event.Builder event(long step) {
    return Event.newBuilder().setWallTime(System.currentTimeMillis() / 1000.0).setStep(step);
  }

  private void write(Event event) {
    if (closed) {
      throw new IllegalStateException("TensorBoard event file " + path + " is closed");
    }
    try {
      out.write(record(event.toByteArray()));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + path + ": " + e.getMessage(), e);
    }
  }

  /** One TFRecord: length, masked CRC of the length bytes, data, masked CRC of the data. */
  static byte[] record(byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(data.length);
    b.putInt(maskedCrc32c(b.array(), 0, 8));
    b.put(data);
    b.putInt(maskedCrc32c(data, 0, data.length));
    return b.array();
  }

  /** TFRecord's masked CRC-32C: the CRC rotated right by 15 bits plus 0xa282ead8 (mod 2^32). */
  static int maskedCrc32c(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }

  /** This machine's name for file names: the kernel's hostname, else the resolver's, else "localhost". */
  static String hostname() {
    String name = null;
    try {
      Path kernel = Path.of("/proc/sys/kernel/hostname");
      if (Files.isReadable(kernel)) {
        name = Files.readString(kernel).trim();
      }
    } catch (IOException | RuntimeException e) {
      name = null;
    }
    if (name == null || name.isEmpty()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (IOException | RuntimeException e) {
        name = "localhost";
      }
    }
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return safe.isEmpty() ? "localhost" : safe;
  }
}
