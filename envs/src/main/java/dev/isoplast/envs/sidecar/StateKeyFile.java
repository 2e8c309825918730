package dev.isoplast.envs.sidecar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The key with which the embedded env servers sign their env states (GetState) and check the states
 * they are given (SetState), so that a server unpickles only what a server of the same key made
 * (python-env-server's {@code state.py}). One file per checkout, {@code .isoplast/env-state.key}:
 * 32 random bytes in hex, made the first time a server starts, readable by its owner alone (mode
 * 0600), and passed to every server as {@value #ENV}; so a state saved from one embedded server
 * loads into any later one, e.g. after {@code --resume} in a new JVM.
 */
public final class StateKeyFile {

  /** The environment variable the server reads its key from (hex). */
  public static final String ENV = "ISOPLAST_ENV_STATE_KEY";

  static final int KEY_BYTES = 32;
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private StateKeyFile() {}

  /**
   * The key in {@code file} as hex, after making the file with a fresh random key if it does not
   * exist. Two JVMs starting at once agree on one key: the file appears whole, by a link to a
   * finished temporary file, and whoever links second reads the winner's.
   *
   * @throws IllegalStateException if the file holds no key or others than its owner may read it
   */
  public static String readOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      return read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or make the env state key file " + file + ": " + e, e);
    }
  }

  private static void create(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    Path tmp = posix(dir)
        ? Files.createTempFile(dir, ".env-state-key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
        : Files.createTempFile(dir, ".env-state-key", ".tmp");
    try {
      Files.writeString(tmp, HexFormat.of().formatHex(key) + "\n", StandardCharsets.US_ASCII);
      try {
        Files.createLink(file, tmp); // atomic, and never replaces a key another JVM just made
      } catch (FileAlreadyExistsException e) {
        // another server start made it first: its key is the one
      } catch (UnsupportedOperationException | IOException e) {
        try {
          Files.move(tmp, file); // a file system without hard links: no replacing either
        } catch (FileAlreadyExistsException again) {
          // made by another start meanwhile
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String read(Path file) throws IOException {
    if (posix(file)) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(perms)) {
        throw new IllegalStateException("the env state key file " + file + " may be read or written by other users "
            + "(mode " + PosixFilePermissions.toString(perms) + "); whoever knows the key can make the env server "
            + "unpickle what they like: chmod 600 " + file);
      }
    }
    String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
    if (hex.length() < 2 * KEY_BYTES || hex.length() % 2 != 0 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalStateException("the env state key file " + file + " holds no key (expected at least "
          + 2 * KEY_BYTES + " hex digits); delete it to have a new one made (states saved with the old key then "
          + "no longer load)");
    }
    return hex;
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
