package dev.isoplast.envs.remote;

import java.util.Locale;

/**
 * How a client's envs step (every other call always goes over gRPC, the control plane).
 *
 * <ul>
 *   <li>{@link #AUTO} (the default): through the server's local data path, a Unix-domain socket,
 *       when the server is reached on loopback (localhost, 127.0.0.0/8, ::1), offers a data path
 *       and this process can open it and pass its hello; otherwise over gRPC. The client logs
 *       which one it uses.
 *   <li>{@link #GRPC}: always over gRPC ({@code StepStream}), the only path to a remote server.
 *   <li>{@link #UNIX}: always through the local data path; a client that cannot open it fails.
 * </ul>
 *
 * Both paths give the same results, errors and seeds (the reference-rollout and error tests run
 * through each); the data path is only faster: docs/performance.md has the measurements.
 */
public enum Transport {
  AUTO,
  GRPC,
  UNIX;

  /** {@code auto}, {@code grpc} or {@code unix} (any case). */
  public static Transport parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("transport must be auto, grpc or unix, got '" + name + "'");
    }
  }

  /** The name used on the command line. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
