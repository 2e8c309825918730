package dev.isoplast.cli;

import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Where environments live: by default an embedded sidecar started for this command on a free
 * loopback port and stopped at exit; with {@code --env-server host:port}, a server started elsewhere.
 */
public final class EnvServerOptions {

  @Option(names = "--env-server", paramLabel = "HOST:PORT",
      description = "Use a running env server instead of starting one (default: start an embedded "
          + "server from .venv on a free loopback port and stop it at exit).")
  String target;

  @Option(names = "--env-server-token", paramLabel = "TOKEN", defaultValue = "${env:ISOPLAST_ENV_TOKEN}",
      description = "Bearer token for a server that needs one (default: $ISOPLAST_ENV_TOKEN).")
  String token;

  @Option(names = "--env-server-log", paramLabel = "FILE",
      description = "Log file of the embedded server (default: .isoplast/logs/env-server-<time>-<pid>.log).")
  Path logFile;

  @Option(names = "--transport", paramLabel = "auto|grpc|unix", defaultValue = "${env:ISOPLAST_TRANSPORT:-auto}",
      converter = TransportConverter.class,
      description = "How envs step: auto (default) through the env server's local data path, a Unix-domain "
          + "socket, when the server is on this machine, else gRPC; grpc always over gRPC; unix always the "
          + "data path (an error if it cannot be opened). Other calls always use gRPC. Default: "
          + "$ISOPLAST_TRANSPORT or auto.")
  Transport transport;

  @Option(names = "--env-server-startup-timeout", paramLabel = "SECONDS", defaultValue = "60",
      description = "How long to wait for the embedded server to report SERVING (default: ${DEFAULT-VALUE}).")
  int startupTimeoutSeconds;

  /** A client, and the embedded server behind it when there is one; closing stops both. */
  public record Connection(EnvServerClient client, EnvServerProcess process) implements AutoCloseable {
    /** "embedded" for a server this command started, else the server's address. */
    public String serverName() {
      return process != null ? "embedded" : client.target();
    }

    @Override
    public void close() {
      if (process != null) {
        process.close();
      } else {
        client.close();
      }
    }
  }

  public Connection open() {
    return open(null);
  }

  /** Opens the connection; an embedded server logs to {@code defaultLog} unless --env-server-log says otherwise. */
  public Connection open(Path defaultLog) {
    if (target != null && !target.isBlank()) {
      return new Connection(EnvServerClient.connect(target, token, EnvServerClient.DEFAULT_CALL_TIMEOUT, transport), null);
    }
    EnvServerProcess.Options o = EnvServerProcess.Options.defaults()
        .withStartupTimeout(Duration.ofSeconds(startupTimeoutSeconds));
    Path log = logFile != null ? logFile : defaultLog;
    if (log != null) {
      o = o.withLogFile(log);
    }
    EnvServerProcess p = EnvServerProcess.start(o, transport);
    return new Connection(p.client(), p);
  }

  /** Another client of the same server, stepping through {@code t} (benchmarks compare transports). */
  public EnvServerClient connectAgain(Connection c, Transport t) {
    return EnvServerClient.connect(c.client().target(), token, EnvServerClient.DEFAULT_CALL_TIMEOUT, t);
  }

  /** picocli: {@code auto}, {@code grpc} or {@code unix}. */
  static final class TransportConverter implements picocli.CommandLine.ITypeConverter<Transport> {
    @Override
    public Transport convert(String value) {
      return Transport.parse(value);
    }
  }
}
