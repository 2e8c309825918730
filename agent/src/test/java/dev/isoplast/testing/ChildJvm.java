package dev.isoplast.testing;

import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The isoplast CLI in a child JVM (this test JVM's classpath), for tests that kill a run as a crash would. */
public final class ChildJvm {

  private ChildJvm() {}

  /** The command line of {@code isoplast args...} in a child JVM. */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Disoplast.home=" + IsoplastHome.locate(), "-cp", System.getProperty("java.class.path"),
        "dev.isoplast.cli.Main"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts {@code isoplast args...}; its output goes to {@code log}. */
  public static Process start(Path log, String... args) {
    List<String> cmd = command(args);
    try {
      return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new AssertionError("cannot start " + cmd + ": " + e.getMessage(), e);
    }
  }
}
