package dev.isoplast.envs.sidecar;

import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.Transport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded env server: {@code python -m isoplast_env_server} from the checkout's {@code .venv},
 * on a free loopback port (the server binds port 0 and prints the port on its first line), with
 * its output in a log file. {@link #start} returns once the health service reports SERVING; the
 * process is stopped by {@link #close()} and, failing that, when the JVM exits. The server also
 * exits by itself when its standard input closes, so a killed JVM does not leave it behind.
 *
 * <p>Every server started here signs env states with the same key, that of {@link
 * Options#stateKeyFile()} ({@link StateKeyFile}), so that a state saved from one of them loads into
 * another, e.g. after a restart. The key is passed as {@value StateKeyFile#ENV}, unless that
 * variable is already set for this JVM (then the server inherits it) or {@code extraArgs} name a
 * {@code --state-key-file}.
 */
public final class EnvServerProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EnvServerProcess.class);

  /**
   * How to start the server.
   *
   * @param home the isoplast checkout
   * @param logFile where stdout and stderr of the server go (appended)
   * @param startupTimeout how long to wait for health SERVING
   * @param extraArgs more flags for {@code python -m isoplast_env_server}
   * @param stateKeyFile the file of the key that signs env states, made on first use (mode 0600)
   */
  public record Options(Path home, Path logFile, Duration startupTimeout, List<String> extraArgs, Path stateKeyFile) {
    public Options {
      extraArgs = List.copyOf(extraArgs);
    }

    /**
     * Defaults: located checkout, log under {@code <home>/.isoplast/logs/}, 60 s to start, the state
     * key in {@code <home>/.isoplast/env-state.key}.
     */
    public static Options defaults() {
      Path home = IsoplastHome.locate();
      String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      Path logFile = home.resolve(".isoplast/logs/env-server-" + stamp + "-" + ProcessHandle.current().pid() + ".log");
      return new Options(home, logFile, Duration.ofSeconds(60), List.of(), home.resolve(".isoplast/env-state.key"));
    }

    public Options withLogFile(Path f) {
      return new Options(home, f, startupTimeout, extraArgs, stateKeyFile);
    }

    public Options withStartupTimeout(Duration d) {
      return new Options(home, logFile, d, extraArgs, stateKeyFile);
    }

    public Options withExtraArgs(List<String> args) {
      return new Options(home, logFile, startupTimeout, args, stateKeyFile);
    }

    public Options withStateKeyFile(Path f) {
      return new Options(home, logFile, startupTimeout, extraArgs, f);
    }
  }

  private final Process process;
  private final int port;
  private final Options options;
  private final Duration callTimeout;
  private final Thread shutdownHook;
  private final EnvServerClient client;
  private final Map<Transport, EnvServerClient> byTransport = new EnumMap<>(Transport.class);

  private EnvServerProcess(Process process, int port, Options options, Duration callTimeout, Thread hook,
      EnvServerClient client) {
    this.process = process;
    this.port = port;
    this.options = options;
    this.callTimeout = callTimeout;
    this.shutdownHook = hook;
    this.client = client;
  }

  /** Starts with {@link Options#defaults()}. */
  public static EnvServerProcess start() {
    return start(Options.defaults());
  }

  public static EnvServerProcess start(Options o) {
    return start(o, Transport.AUTO);
  }

  /**
   * The server's command line. An embedded server belongs to this JVM (it exits when our end of its
   * standard input closes), so it does not reap idle handles ({@code --idle-timeout 0}) unless
   * {@code extraArgs} say otherwise: a handle may rightly wait longer than any fixed timeout, e.g.
   * the continual learner's while a fresh reference learner trains a whole phase on a loaded machine.
   */
  static List<String> command(Path python, Options o) {
    List<String> cmd = new ArrayList<>(List.of(python.toString(), "-u", "-m", "isoplast_env_server",
        "--host", "127.0.0.1", "--exit-on-stdin-close"));
    if (!o.extraArgs().contains("--port")) {
      cmd.addAll(List.of("--port", "0"));
    }
    if (!o.extraArgs().contains("--idle-timeout")) {
      cmd.addAll(List.of("--idle-timeout", "0"));
    }
    cmd.addAll(o.extraArgs());
    return cmd;
  }

  /** Starts the server; its {@link #client()} steps through {@code transport}. */
  public static EnvServerProcess start(Options o, Transport transport) {
    return start(o, transport, EnvServerClient.DEFAULT_CALL_TIMEOUT);
  }

  /** As {@link #start(Options, Transport)}, its client's calls with the deadline {@code callTimeout}. */
  public static EnvServerProcess start(Options o, Transport transport, Duration callTimeout) {
    Path python = IsoplastHome.venvPython(o.home());
    if (!Files.isExecutable(python)) {
      throw new EnvServerStartException("the env server's Python is missing at " + python
          + ": run ./isoplast setup first (it creates .venv and installs python-env-server)");
    }
    List<String> cmd = command(python, o);
    String stateKey;
    try {
      stateKey = o.extraArgs().contains("--state-key-file") || System.getenv(StateKeyFile.ENV) != null
          ? null : StateKeyFile.readOrCreate(o.stateKeyFile());
    } catch (IllegalStateException | UncheckedIOException e) {
      throw new EnvServerStartException("cannot start the env server: " + e.getMessage(), e);
    }
    Process p;
    try {
      Files.createDirectories(o.logFile().toAbsolutePath().getParent());
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .directory(o.home().toFile())
          .redirectError(ProcessBuilder.Redirect.appendTo(o.logFile().toFile()))
          .redirectInput(ProcessBuilder.Redirect.PIPE);
      pb.environment().put("PYTHONUNBUFFERED", "1");
      if (stateKey != null) {
        pb.environment().put(StateKeyFile.ENV, stateKey); // the environment, not the command line, which others can see
      }
      p = pb.start();
    } catch (IOException e) {
      throw new EnvServerStartException("could not start the env server (" + String.join(" ", cmd) + "): " + e.getMessage(), e);
    }
    Thread hook = new Thread(p::destroyForcibly, "isoplast-env-server-stop");
    Runtime.getRuntime().addShutdownHook(hook);

    CompletableFuture<Integer> portFuture = new CompletableFuture<>();
    Thread reader = new Thread(() -> forwardStdout(p, o.logFile(), portFuture), "isoplast-env-server-stdout");
    reader.setDaemon(true);
    reader.start();

    long deadline = System.nanoTime() + o.startupTimeout().toNanos();
    int port;
    try {
      port = portFuture.get(o.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException | InterruptedException e) {
      stop(p, hook);
      throw new EnvServerStartException("the env server did not report its port within "
          + o.startupTimeout().toSeconds() + " s" + exitNote(p) + "; see its log " + o.logFile()
          + tail(o.logFile()), e);
    }
    EnvServerClient client = EnvServerClient.connect("127.0.0.1:" + port, null, callTimeout, transport);
    while (!client.isServing(Duration.ofSeconds(2))) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        client.close();
        stop(p, hook);
        throw new EnvServerStartException("the env server on port " + port + " never reported SERVING within "
            + o.startupTimeout().toSeconds() + " s" + exitNote(p) + "; see its log " + o.logFile() + tail(o.logFile()));
      }
      sleep(50);
    }
    EnvServerProcess server = new EnvServerProcess(p, port, o, callTimeout, hook, client);
    client.setDiagnostics(server::diagnostics);
    log.debug("env server started on 127.0.0.1:{} (pid {}), log {}", port, p.pid(), o.logFile());
    return server;
  }

  /**
   * A new server like this one (same options and log file, which then holds both lives; a new
   * port, hence a new {@link #client()}), after this one is stopped if it still runs: what the CLI
   * does when the embedded server died during a run. Throws {@link EnvServerStartException} when
   * the new one does not start.
   */
  public EnvServerProcess restart() {
    return restartWith(options);
  }

  private EnvServerProcess restartWith(Options o) {
    try {
      process.waitFor(1, TimeUnit.SECONDS); // a server just killed may not have been reaped yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String why = process.isAlive() ? "was still running (pid " + process.pid() + "; stopped)"
        : "exited with code " + exitCode();
    close();
    try {
      Files.writeString(options.logFile(), "isoplast: the env server " + why + "; starting a new one\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // the note is for readers of the log only
    }
    EnvServerProcess next = start(o, client.transport(), callTimeout);
    log.info("env server restarted on {} (pid {}): the previous one {}", next.target(), next.pid(), why);
    return next;
  }

  /**
   * As {@link #restart()}, but on this server's port: what a sweep does, whose cells reach the
   * server by its address and wait for it to answer there again.
   */
  public EnvServerProcess restartOnSamePort() {
    List<String> args = new ArrayList<>(options.extraArgs());
    int at = args.indexOf("--port");
    if (at >= 0) {
      args.subList(at, Math.min(at + 2, args.size())).clear();
    }
    args.addAll(List.of("--port", String.valueOf(port)));
    return restartWith(options.withExtraArgs(args));
  }

  private String exitCode() {
    try {
      return String.valueOf(process.waitFor(1, TimeUnit.SECONDS) ? process.exitValue() : "(unknown)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(unknown)";
    }
  }

  /** The client connected to this server; closed with it. */
  public EnvServerClient client() {
    return client;
  }

  /**
   * A client of this server that steps through {@code transport}, made on first use and kept (one
   * per transport) until this process is closed: what tests that must hold through both paths use.
   */
  public synchronized EnvServerClient client(Transport transport) {
    EnvServerClient c = byTransport.get(transport);
    if (c == null) {
      c = EnvServerClient.connect(target(), null, callTimeout, transport);
      c.setDiagnostics(this::diagnostics);
      byTransport.put(transport, c);
    }
    return c;
  }

  public int port() {
    return port;
  }

  public String target() {
    return "127.0.0.1:" + port;
  }

  public Path logFile() {
    return options.logFile();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Whether the process runs and its health service reports SERVING within {@code timeout}, asked
   * on a new connection (the client's own channel may still be backing off from a broken one).
   */
  public boolean answers(Duration timeout) {
    if (!process.isAlive()) {
      return false;
    }
    try (EnvServerClient probe = EnvServerClient.connect(target(), null, timeout, Transport.GRPC)) {
      return probe.isServing(timeout);
    }
  }

  /** Text naming the process state and log, for errors about an unreachable server. */
  String diagnostics() {
    String state = process.isAlive() ? "the embedded env server (pid " + process.pid() + ") is still running"
        : "the embedded env server exited with code " + process.exitValue();
    return state + "; its log is " + options.logFile() + tail(options.logFile());
  }

  @Override
  public void close() {
    client.close();
    synchronized (this) {
      byTransport.values().forEach(EnvServerClient::close);
      byTransport.clear();
    }
    stop(process, shutdownHook);
  }

  private static void stop(Process p, Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook will run
    }
    if (!p.isAlive()) {
      return;
    }
    try {
      // end of its standard input: the server shuts down gracefully (it leaves signals to this
      // process, the group's signals included, so that a stopping trainer can still checkpoint)
      p.getOutputStream().close();
    } catch (IOException e) {
      p.destroy();
    }
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void forwardStdout(Process p, Path logFile, CompletableFuture<Integer> port) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
         OutputStream out = Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!port.isDone()) {
          try {
            port.complete(Integer.parseInt(line.trim()));
            continue;
          } catch (NumberFormatException e) {
            port.completeExceptionally(new IllegalStateException("first line of the env server was not a port: " + line));
          }
        }
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      port.completeExceptionally(new UncheckedIOException(e));
    } finally {
      port.completeExceptionally(new IllegalStateException("the env server closed its output before printing a port"));
    }
  }

  private static String exitNote(Process p) {
    try {
      if (p.waitFor(200, TimeUnit.MILLISECONDS)) {
        return " (it exited with code " + p.exitValue() + ")";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "";
  }

  /** The last lines of the log, to show the cause right in the error. */
  static String tail(Path logFile) {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> last = lines.subList(Math.max(0, lines.size() - 8), lines.size());
      return last.isEmpty() ? "" : "; last lines:\n  " + String.join("\n  ", last);
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The server could not be started or never became healthy. */
  public static final class EnvServerStartException extends RuntimeException {
    public EnvServerStartException(String message) {
      super(message);
    }

    public EnvServerStartException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
