package dev.isoplast.cli;

import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.EnvServerPool;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where environments live: by default an embedded sidecar started for this command on a free
 * loopback port and stopped at exit; with {@code --env-server host:port[,host:port...]}, servers
 * started elsewhere, over which each vector of envs is spread ({@link EnvServerPool}).
 */
public final class EnvServerOptions {

  /** The environment variable naming a file that holds the token (a Docker or Kubernetes secret). */
  public static final String TOKEN_FILE_ENV = "ISOPLAST_ENV_TOKEN_FILE";

  /** The environment variable that sets --transport's default (sweep workers inherit the sweep's). */
  public static final String TRANSPORT_ENV = "ISOPLAST_TRANSPORT";

  @Option(names = "--env-server", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Use running env servers instead of starting one (default: start an embedded server from .venv "
          + "on a free loopback port and stop it at exit). Several servers, or a host name with several addresses "
          + "(a scaled compose service), share each vector of envs with the same results as one server.")
  String target;

  @Option(names = "--env-server-token", paramLabel = "TOKEN", defaultValue = "${env:ISOPLAST_ENV_TOKEN}",
      description = "Bearer token for servers that need one (default: $ISOPLAST_ENV_TOKEN).")
  String token;

  @Option(names = "--env-server-token-file", paramLabel = "FILE", defaultValue = "${env:" + TOKEN_FILE_ENV + "}",
      description = "Read the token from FILE, e.g. a mounted secret (default: $" + TOKEN_FILE_ENV + "); "
          + "--env-server-token wins when both are set.")
  Path tokenFile;

  @Option(names = "--env-server-log", paramLabel = "FILE",
      description = "Log file of the embedded server (default: .isoplast/logs/env-server-<time>-<pid>.log).")
  Path logFile;

  @Option(names = "--transport", paramLabel = "auto|grpc|unix", defaultValue = "${env:" + TRANSPORT_ENV + ":-auto}",
      converter = TransportConverter.class,
      description = "How envs step: auto (default) through the env server's local data path, a Unix-domain "
          + "socket, for a server reached on loopback that offers one, else gRPC; grpc always over gRPC; unix always the "
          + "data path (an error if it cannot be opened). Other calls always use gRPC. Default: "
          + "$ISOPLAST_TRANSPORT or auto.")
  Transport transport;

  @Option(names = "--env-server-startup-timeout", paramLabel = "SECONDS", defaultValue = "60",
      description = "How long to wait for the embedded server to report SERVING (default: ${DEFAULT-VALUE}).")
  int startupTimeoutSeconds;

  /** The servers, and the embedded server processes behind them when this command started them; closing stops both. */
  public record Connection(EnvServerPool servers, List<EnvServerProcess> processes) implements AutoCloseable {
    public Connection {
      processes = List.copyOf(processes);
    }

    /** The first server's client (the one asked about allowed envs and spaces). */
    public EnvServerClient client() {
      return servers.first();
    }

    /** "embedded" for a server this command started ("embedded x2" for two), else the servers' addresses. */
    public String serverName() {
      if (processes.isEmpty()) {
        return servers.target();
      }
      return processes.size() == 1 ? "embedded" : "embedded x" + processes.size();
    }

    @Override
    public void close() {
      servers.close();
      processes.forEach(EnvServerProcess::close);
    }
  }

  /** How envs step (--transport): every server of the pool is reached this way. */
  public Transport transport() {
    return transport == null ? Transport.AUTO : transport;
  }

  /** Whether servers were named with --env-server (else an embedded one is started). */
  public boolean isRemote() {
    return target != null && !target.isBlank();
  }

  /** The servers named with --env-server, one entry per server ({@link EnvServerPool#targets}). */
  public List<String> targets() {
    return EnvServerPool.targets(target);
  }

  /** The bearer token: --env-server-token / $ISOPLAST_ENV_TOKEN, else the first line of the token file; null if none. */
  public String token() {
    if (token != null && !token.isBlank()) {
      return token;
    }
    if (tokenFile == null || tokenFile.toString().isBlank()) {
      return null;
    }
    try {
      String t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      if (t.isEmpty() || t.contains("\n")) {
        throw new IllegalArgumentException("the env server token file " + tokenFile + " must hold the token on one line");
      }
      return t;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the env server token file " + tokenFile + " ("
          + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
  }

  public Connection open() {
    return open(null);
  }

  /** Opens the connection; an embedded server logs to {@code defaultLog} unless --env-server-log says otherwise. */
  public Connection open(Path defaultLog) {
    return open(1, defaultLog);
  }

  /**
   * Opens the servers named with --env-server, or starts {@code embedded} servers on loopback (the
   * first logs to {@code defaultLog} unless --env-server-log says otherwise; the others to the same
   * name with {@code -2}, {@code -3}... before the extension).
   */
  public Connection open(int embedded, Path defaultLog) {
    if (isRemote()) {
      return new Connection(EnvServerPool.connect(target, token(), transport()), List.of());
    }
    EnvServerProcess.Options o = EnvServerProcess.Options.defaults()
        .withStartupTimeout(Duration.ofSeconds(startupTimeoutSeconds));
    Path log = logFile != null ? logFile : defaultLog != null ? defaultLog : o.logFile();
    List<EnvServerProcess> started = new ArrayList<>();
    try {
      for (int k = 0; k < embedded; k++) {
        started.add(EnvServerProcess.start(o.withLogFile(k == 0 ? log : numbered(log, k + 1)), transport()));
      }
    } catch (RuntimeException e) {
      started.forEach(EnvServerProcess::close);
      throw e;
    }
    return new Connection(EnvServerPool.of(started.stream().map(EnvServerProcess::client).toList()), started);
  }

  private static Path numbered(Path log, int k) {
    String name = log.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String numbered = dot > 0 ? name.substring(0, dot) + "-" + k + name.substring(dot) : name + "-" + k;
    return log.resolveSibling(numbered);
  }

  /** New clients of the same servers, stepping through {@code t} (benchmarks compare transports); the caller closes them. */
  public EnvServerPool connectAgain(Connection c, Transport t) {
    return EnvServerPool.connect(c.servers().target(), token(), t);
  }

  /** picocli: {@code auto}, {@code grpc} or {@code unix}. */
  static final class TransportConverter implements picocli.CommandLine.ITypeConverter<Transport> {
    @Override
    public Transport convert(String value) {
      return Transport.parse(value);
    }
  }
}
