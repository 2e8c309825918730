package dev.isoplast.runs;

import dev.isoplast.config.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A run's checkpoints: {@code checkpoints/ckpt-<step>.bin} in the run directory, each one whole
 * {@link Snapshot} of the run at an env step (or example count). A file is
 *
 * <pre>
 *   "ISOPLAST-CHECKPOINT" (19 bytes)   int format version   long step   int payload length
 *   payload (the snapshot's binary form)   SHA-256 of everything before it (32 bytes)
 * </pre>
 *
 * written atomically: to a temporary file, forced to disk, renamed over its name, and the directory
 * forced too, so a crash leaves either the old set of files or the new one. Retention
 * ({@code --keep-checkpoints N}): while the run goes on the last {@code max(1, N)} are kept (N = 2 by
 * default), and when it completes ({@link #completed}) its final one only, or none with N = 0
 * (a completed run needs a checkpoint only to be continued by a longer {@code --resume}).
 * Loading takes the newest file that checks out; a damaged or truncated one is reported with a
 * warning and the one before it is used.
 *
 * <p>A write that fails (a full disk, a file-size limit) removes its partial temporary file and
 * leaves the checkpoints before it as they were, so the run stays resumable from the last one.
 */
public final class Checkpoints {

  /** The folder in a run directory. */
  public static final String DIR = "checkpoints";

  /** The file format version. */
  public static final int FORMAT = 1;

  /** How many checkpoints are kept while a run goes on, by default. */
  public static final int KEEP = 2;

  private static final byte[] MAGIC = "ISOPLAST-CHECKPOINT".getBytes(StandardCharsets.US_ASCII);

  private final Path dir;
  private final int keep;

  /** The checkpoints of the run in {@code runDir}, with the default retention. */
  public Checkpoints(Path runDir) {
    this(runDir, KEEP);
  }

  /** The checkpoints of the run in {@code runDir}, keeping {@code keep} (see the class comment). */
  public Checkpoints(Path runDir, int keep) {
    this.dir = runDir.resolve(DIR);
    this.keep = checkKeep(keep);
  }

  /** The one range check of {@code --keep-checkpoints} (here and in {@link RunOptions}): {@code keep} if >= 0. */
  static int checkKeep(int keep) {
    if (keep < 0) {
      throw new IllegalArgumentException("--keep-checkpoints must be >= 0, got " + keep);
    }
    return keep;
  }

  /** A checkpoint read back. */
  public record Loaded(Path file, long step, Snapshot state) {}

  /** Writes the checkpoint of {@code step} and removes all but the last {@code max(1, keep)}. */
  public Path save(long step, Snapshot state) {
    Path tmp = null;
    Path target = dir.resolve(String.format("ckpt-%015d.bin", step));
    try {
      Files.createDirectories(dir);
      byte[] payload = state.toBytes();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 80);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.write(MAGIC);
        out.writeInt(FORMAT);
        out.writeLong(step);
        out.writeInt(payload.length);
        out.write(payload);
      }
      byte[] body = bytes.toByteArray();
      tmp = dir.resolve(target.getFileName() + ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE)) {
        // write() may write part of a buffer (at a file-size limit it does, silently): loop until all
        // is written, so that a full disk or a limit is an IOException, never a short file
        writeFully(ch, ByteBuffer.wrap(body));
        writeFully(ch, ByteBuffer.wrap(sha256(body, body.length)));
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      forceDirectory();
      prune(Math.max(1, keep));
      return target;
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp); // a full disk leaves no partial file behind; the older checkpoints stay whole
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
      throw new UncheckedIOException("cannot write checkpoint " + target + ": " + reason(e) + " (the checkpoints "
          + "before it are whole)", e);
    }
  }

  /**
   * The run has completed: keeps its final checkpoint only, or none (and no folder) when
   * {@code keep} is 0.
   */
  public void completed() {
    try {
      prune(Math.min(1, keep));
      if (keep == 0 && Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove old checkpoints in " + dir + ": " + reason(e), e);
    }
  }

  private void prune(int kept) throws IOException {
    List<Path> all = files();
    for (int i = 0; i + kept < all.size(); i++) {
      Files.deleteIfExists(all.get(i));
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** An I/O failure in words: its message, else its kind (Java gives some without one). */
  static String reason(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /**
   * The newest checkpoint that is whole (magic, version, length and digest check out); each newer
   * damaged one is named on stderr and skipped. Empty when there is none.
   */
  public Optional<Loaded> latest() {
    List<Path> all = files();
    for (int i = all.size() - 1; i >= 0; i--) {
      Path f = all.get(i);
      try {
        return Optional.of(read(f));
      } catch (IllegalArgumentException e) {
        System.err.println("warning: checkpoint " + f + " is damaged (" + e.getMessage() + ")"
            + (i > 0 ? "; using the one before it" : ""));
      }
    }
    return Optional.empty();
  }

  /**
   * The checkpoint {@code --resume given} continues from: the newest whole one, or a usage error
   * saying there is none.
   */
  public Loaded toResume(Path given) {
    return toContinue("--resume", given);
  }

  /** {@link #toResume} for the option {@code option} ({@code --resume}, {@code --fork}) given {@code given}. */
  public Loaded toContinue(String option, Path given) {
    return latest().orElseThrow(() -> new IllegalArgumentException(option + " " + given + ": no whole checkpoint in "
        + dir + " to continue from" + (RunDirectory.isCompleted(dir.getParent()) ? " (the run has completed and kept "
        + "none: --keep-checkpoints 0, a sweep's default)" : "")));
  }

  /** Reads and checks one checkpoint file. */
  public static Loaded read(Path file) {
    byte[] b;
    try {
      b = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read it: " + e.getMessage());
    }
    int head = MAGIC.length + 4 + 8 + 4;
    if (b.length < head + 32 || !Arrays.equals(Arrays.copyOf(b, MAGIC.length), MAGIC)) {
      throw new IllegalArgumentException("not a checkpoint, or cut short");
    }
    ByteBuffer buf = ByteBuffer.wrap(b, MAGIC.length, head - MAGIC.length);
    int format = buf.getInt();
    long step = buf.getLong();
    int length = buf.getInt();
    if (format != FORMAT) {
      throw new IllegalArgumentException("format " + format + ", this isoplast reads " + FORMAT);
    }
    if (length < 0 || head + (long) length + 32 != b.length) {
      throw new IllegalArgumentException("its length does not match: cut short or grown");
    }
    byte[] digest = sha256(b, head + length);
    if (!Arrays.equals(digest, Arrays.copyOfRange(b, head + length, b.length))) {
      throw new IllegalArgumentException("its SHA-256 does not match its contents");
    }
    return new Loaded(file, step, Snapshot.fromBytes(Arrays.copyOfRange(b, head, head + length)));
  }

  /** The checkpoint files, oldest first. */
  public List<Path> files() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> out = new ArrayList<>(s.filter(p -> p.getFileName().toString().matches("ckpt-\\d+\\.bin")).toList());
      out.sort(null);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private void forceDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems cannot force a directory; the rename itself is atomic
    }
  }

  private static byte[] sha256(byte[] b, int length) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(b, 0, length);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
