package dev.isoplast.envs;

import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.nio.file.Path;

/**
 * One real env server (python -m isoplast_env_server from .venv) for all tests of this JVM,
 * started on first use; it is stopped by its shutdown hook, and exits by itself when the JVM's
 * pipe to it closes.
 */
public final class SharedSidecar {

  private static EnvServerProcess process;

  private SharedSidecar() {}

  public static synchronized EnvServerProcess process() {
    if (process == null || !process.isAlive()) {
      Path home = IsoplastHome.locate();
      process = EnvServerProcess.start(EnvServerProcess.Options.defaults()
          .withLogFile(home.resolve("envs/target/test-env-server.log")));
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
