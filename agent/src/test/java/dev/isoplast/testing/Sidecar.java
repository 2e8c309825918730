package dev.isoplast.testing;

import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import dev.isoplast.envs.sidecar.IsoplastHome;

/**
 * One real env server (the Python sidecar from {@code .venv}) shared by the agent tests of this
 * JVM, started on first use. It is stopped by its own shutdown hook and exits by itself when the
 * JVM's pipe to it closes; test classes need not stop it (starting one costs a few seconds).
 */
public final class Sidecar {

  private static EnvServerProcess process;

  private Sidecar() {}

  public static synchronized EnvServerProcess process() {
    if (process == null || !process.isAlive()) {
      process = EnvServerProcess.start(EnvServerProcess.Options.defaults()
          .withLogFile(IsoplastHome.locate().resolve("agent/target/test-env-server.log")));
    }
    return process;
  }

  public static EnvServerClient client() {
    return process().client();
  }

  /** A client of the shared server stepping through {@code transport} ({@link EnvServerProcess#client(Transport)}). */
  public static EnvServerClient client(Transport transport) {
    return process().client(transport);
  }
}
