package dev.isoplast.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Python script from the checkout's {@code .venv} (the one {@code ./isoplast setup} fills,
 * with the reference packages of the dev extra such as {@code tensorboard}), for tests that check
 * Java output with the real Python library rather than with a parser of our own.
 */
public final class VenvPython {

  /** Python's json module writes NaN / Infinity literals; they are accepted here. */
  public static final JsonMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  /** What a script did: its exit code, standard output and standard error. */
  public record Result(int code, String out, String err) {
    /** Standard output as JSON. */
    public JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new AssertionError("the script's output is not JSON: " + e.getMessage() + "\n" + out + "\n" + err, e);
      }
    }
  }

  private VenvPython() {}

  /** The script at {@code relative} (to the checkout) with {@code args}; fails the test on a timeout. */
  public static Result run(String relative, String... args) {
    Path home = IsoplastHome.locate();
    Path python = IsoplastHome.venvPython(home);
    assertTrue(Files.isExecutable(python), python + " is missing: run ./isoplast setup");
    List<String> cmd = new ArrayList<>(List.of(python.toString(), home.resolve(relative).toString()));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).start();
      p.getOutputStream().close();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", cmd) + " did not finish in 180 s");
      }
      return new Result(p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Like {@link #run} but fails the test unless the script exits 0; returns its JSON output. */
  public static JsonNode json(String relative, String... args) {
    Result r = run(relative, args);
    if (r.code() != 0) {
      fail(relative + " exited " + r.code() + ":\n" + r.err());
    }
    return r.json();
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
