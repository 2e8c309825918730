package dev.isoplast.envs.sidecar;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the isoplast checkout (the folder holding {@code python-env-server/} and {@code .venv/}):
 * the {@code isoplast.home} system property, else {@code ISOPLAST_HOME}, else the nearest parent of
 * the working directory that has {@code python-env-server/pyproject.toml}.
 */
public final class IsoplastHome {

  private IsoplastHome() {}

  public static Path locate() {
    String prop = System.getProperty("isoplast.home");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    String env = System.getenv("ISOPLAST_HOME");
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath().normalize();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("python-env-server/pyproject.toml"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the isoplast checkout: set -Disoplast.home or ISOPLAST_HOME, "
        + "or run from inside the repository (the ./isoplast launcher does this for you)");
  }

  /** The sidecar's Python interpreter: {@code <home>/.venv/bin/python}. */
  public static Path venvPython(Path home) {
    return home.resolve(".venv/bin/python");
  }
}
