package dev.isoplast.cli;

import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.EnvServerPool;
import dev.isoplast.envs.remote.ServerRestarter;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where environments live: by default an embedded sidecar started for this command on a free
 * loopback port and stopped at exit; with {@code --env-server host:port[,host:port...]}, servers
 * started elsewhere, over which each vector of envs is spread ({@link EnvServerPool}).
 *
 * <p>A server that dies during a run is brought back ({@link EnvServerPool#restartWith}): the
 * embedded one is started again (a new process on a new port, same log file), one named with
 * {@code --env-server} is waited for ({@link ServerRestarter#waiting}); training envs made through
 * {@link dev.isoplast.envs.remote.RestartingVectorEnv} are then made anew and carry on.
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

  @Option(names = "--env-server-timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "Deadline of every call to an env server: a server that hangs fails the command after this long "
          + "instead of stalling it (a hung server is not restarted). Default: ${DEFAULT-VALUE}.")
  int callTimeoutSeconds;

  @Option(names = "--max-server-restarts", paramLabel = "K", defaultValue = "3",
      description = "When an env server dies during training (unreachable, or it lost the envs' handles), bring it "
          + "back (the embedded server is started again; a server named with --env-server is waited for, see "
          + "--env-server-wait), make the envs anew with the current scenario phase's setting, cut their episodes off "
          + "(truncated, reward 0) and carry on; metrics.jsonl gets a row events/env_server_restarts. Up to K restarts "
          + "in a row without a successful step in between, then the run fails as it would without. 0 = fail at once. "
          + "Default: ${DEFAULT-VALUE}.")
  int maxServerRestarts;

  @Option(names = "--env-server-wait", paramLabel = "SECONDS", defaultValue = "30",
      description = "For a server named with --env-server that stopped answering: how long each restart waits for it to "
          + "answer its health check again, checking 0.5 s apart, the pause doubling up to 4 s. Default: ${DEFAULT-VALUE}.")
  int serverWaitSeconds;

  /**
   * The servers, and the embedded server processes behind them when this command started them (as
   * they are now: a restarted server is a new process); closing stops both.
   */
  public record Connection(EnvServerPool servers, List<EnvServerProcess> processes) implements AutoCloseable {
    public Connection {
      processes = Collections.synchronizedList(new ArrayList<>(processes));
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

    /**
     * Restarts embedded server k when it does not answer (a new process, hence a new client, which
     * replaces k's in the pool); leaves it as it is when it does.
     */
    ServerRestarter restarter() {
      return (k, client) -> {
        EnvServerProcess p = processes.get(k);
        if (p.answers(Duration.ofSeconds(5))) {
          return client;
        }
        EnvServerProcess next = p.restart();
        processes.set(k, next);
        return next.client();
      };
    }
  }

  /** The deadline of every call (--env-server-timeout). */
  public Duration callTimeout() {
    return Duration.ofSeconds(callTimeoutSeconds);
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
    if (callTimeoutSeconds < 1 || maxServerRestarts < 0 || serverWaitSeconds < 0) {
      throw new IllegalArgumentException("--env-server-timeout must be >= 1 and --max-server-restarts and "
          + "--env-server-wait >= 0, got " + callTimeoutSeconds + ", " + maxServerRestarts + " and " + serverWaitSeconds);
    }
    if (isRemote()) {
      EnvServerPool pool = EnvServerPool.connect(target, token(), transport(), callTimeout());
      pool.restartWith(ServerRestarter.waiting(token(), callTimeout(), transport(),
          ServerRestarter.Backoff.DEFAULT.withBudget(Duration.ofSeconds(serverWaitSeconds))), maxServerRestarts);
      return new Connection(pool, List.of());
    }
    EnvServerProcess.Options o = EnvServerProcess.Options.defaults()
        .withStartupTimeout(Duration.ofSeconds(startupTimeoutSeconds));
    Path log = logFile != null ? logFile : defaultLog != null ? defaultLog : o.logFile();
    List<EnvServerProcess> started = new ArrayList<>();
    try {
      for (int k = 0; k < embedded; k++) {
        started.add(EnvServerProcess.start(o.withLogFile(k == 0 ? log : numbered(log, k + 1)), transport(),
            callTimeout()));
      }
    } catch (RuntimeException e) {
      started.forEach(EnvServerProcess::close);
      throw e;
    }
    Connection c = new Connection(EnvServerPool.of(started.stream().map(EnvServerProcess::client).toList()), started);
    c.servers().restartWith(c.restarter(), maxServerRestarts);
    return c;
  }

  /** The options that decide how a sweep's cells treat their servers, for the cells' command lines. */
  public List<String> recoveryArgs() {
    return List.of("--env-server-timeout", String.valueOf(callTimeoutSeconds), "--max-server-restarts",
        String.valueOf(maxServerRestarts), "--env-server-wait", String.valueOf(serverWaitSeconds));
  }

  private static Path numbered(Path log, int k) {
    String name = log.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String numbered = dot > 0 ? name.substring(0, dot) + "-" + k + name.substring(dot) : name + "-" + k;
    return log.resolveSibling(numbered);
  }

  /** New clients of the same servers, stepping through {@code t} (benchmarks compare transports); the caller closes them. */
  public EnvServerPool connectAgain(Connection c, Transport t) {
    return EnvServerPool.connect(c.servers().target(), token(), t, callTimeout());
  }

  /** picocli: {@code auto}, {@code grpc} or {@code unix}. */
  static final class TransportConverter implements picocli.CommandLine.ITypeConverter<Transport> {
    @Override
    public Transport convert(String value) {
      return Transport.parse(value);
    }
  }
}
