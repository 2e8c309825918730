package dev.isoplast.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The deployment files as the tests read them: the compose file resolved by the real validator
 * ({@code deploy/check}, built by {@code ./isoplast test}), Dockerfiles parsed by BuildKit's parser,
 * Kubernetes manifests as YAML documents. Shared by {@link DeployFilesTest} and
 * {@code cli.ScaleOutTest} (which runs the commands these files give the containers).
 */
public final class DeployFiles {

  public static final ObjectMapper JSON = new ObjectMapper();
  public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private DeployFiles() {}

  public static Path root() {
    return IsoplastHome.locate();
  }

  /** The validator; a missing one fails the test (./isoplast test builds it), never skips it. */
  public static Path checker() {
    Path p = root().resolve(".isoplast/bin/deploy-check");
    if (!Files.isExecutable(p)) {
      fail("the deployment files' validator " + p + " is missing: ./isoplast test builds it from deploy/check (Go)");
    }
    return p;
  }

  /** What a command printed and how it exited. */
  public record Result(int code, String out, String err) {}

  public static Result run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root().toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile("deploy-out", ".txt");
    Path err = Files.createTempFile("deploy-err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("timed out: " + cmd);
    }
    Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return r;
  }

  /** docker-compose.yml resolved as `docker compose config` resolves it (compose-go), with {@code env} set. */
  public static JsonNode compose(Map<String, String> env, String... extraArgs) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(checker().toString(), "compose", "-f", "docker-compose.yml"));
    cmd.addAll(List.of(extraArgs));
    Result r = run(cmd, env);
    assertTrue(r.code() == 0, "deploy-check compose failed: " + r.err());
    return JSON.readTree(r.out());
  }

  /** A Dockerfile's stages as BuildKit's parser sees them. */
  public static JsonNode dockerfile(String path) throws Exception {
    Result r = run(List.of(checker().toString(), "dockerfile", path), Map.of());
    assertTrue(r.code() == 0, "deploy-check dockerfile " + path + " failed: " + r.err());
    return JSON.readTree(r.out());
  }

  /** The YAML documents of a manifest file. */
  public static List<JsonNode> manifests(String path) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).readValues(root().resolve(path).toFile())) {
      while (it.hasNext()) {
        JsonNode d = (JsonNode) it.next();
        if (d != null && !d.isNull() && !d.isMissingNode()) {
          docs.add(d);
        }
      }
    }
    return docs;
  }

  /** The document of {@code kind} named {@code name} in {@code path}. */
  public static JsonNode manifest(String path, String kind, String name) throws IOException {
    for (JsonNode d : manifests(path)) {
      if (d.path("kind").asText().equals(kind) && d.at("/metadata/name").asText().equals(name)) {
        return d;
      }
    }
    throw new AssertionError(path + " has no " + kind + " " + name);
  }

  /** A JSON array of strings as a list. */
  public static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
