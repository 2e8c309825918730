package dev.isoplast.envs.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.Rollouts;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.remote.EnvException;
import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The embedded server: started on a free loopback port, healthy, stopped on close, clear errors otherwise. */
class EnvServerProcessTest {

  @TempDir
  Path tmp;

  private EnvServerProcess.Options options(String name) {
    return EnvServerProcess.Options.defaults().withLogFile(tmp.resolve(name));
  }

  @Test
  void startsHealthyOnLoopbackAndStopsOnClose() {
    EnvServerProcess p = EnvServerProcess.start(options("ok.log"));
    int port = p.port();
    assertTrue(port > 0);
    assertEquals("127.0.0.1:" + port, p.target());
    assertTrue(p.client().isServing(Duration.ofSeconds(5)));
    assertTrue(p.client().listEnvs().stream().anyMatch(s -> s.envId().equals("CartPole-v1")));
    // named ids: only those the server allows, described as in the full list
    List<EnvSpec> named = p.client().listEnvs(List.of("Pendulum-v1", "NoSuchEnv-v0", "CartPole-v1"));
    assertEquals(List.of("CartPole-v1", "Pendulum-v1"), named.stream().map(EnvSpec::envId).toList());
    assertEquals(p.client().listEnvs().stream().filter(s -> s.envId().equals("Pendulum-v1")).findFirst().orElseThrow(),
        named.get(1));
    p.close();
    assertFalse(p.isAlive(), "close stops the server process");
    try (EnvServerClient c = EnvServerClient.connect("127.0.0.1:" + port, null)) {
      assertFalse(c.isServing(Duration.ofSeconds(1)), "nothing answers on the port after close");
    }
  }

  @Test
  void anEmbeddedServerDoesNotReapIdleHandlesUnlessAskedTo() throws Exception {
    // a continual learner's handle waits while its fresh reference trains a whole phase (over 600 s
    // on a loaded machine): the server this JVM owns must not close it
    try (EnvServerProcess p = EnvServerProcess.start(options("idle.log"))) {
      assertTrue(Files.readString(tmp.resolve("idle.log")).contains("no idle reaping"), Files.readString(tmp.resolve("idle.log")));
    }
    try (EnvServerProcess p = EnvServerProcess.start(options("idle5.log").withExtraArgs(List.of("--idle-timeout", "5")))) {
      assertTrue(Files.readString(tmp.resolve("idle5.log")).contains("idle handles closed after 5 s"),
          Files.readString(tmp.resolve("idle5.log")));
    }
  }

  @Test
  void aServerThatCannotStartNamesItsLogFile() {
    Path log = tmp.resolve("bad.log");
    EnvServerProcess.EnvServerStartException e = assertThrows(EnvServerProcess.EnvServerStartException.class,
        () -> EnvServerProcess.start(options("bad.log").withExtraArgs(List.of("--no-such-flag"))
            .withStartupTimeout(Duration.ofSeconds(30))));
    assertTrue(e.getMessage().contains(log.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("no-such-flag"), "the log's last lines are in the message: " + e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC", "UNIX"})
  void aServerThatDiesMidRunGivesAClearUnavailableError(Transport transport) throws Exception {
    EnvServerProcess p = EnvServerProcess.start(options("dies.log"), transport);
    try {
      VectorEnv env = p.client().make("CartPole-v1", 2, 0L);
      // a step before reset: NotReset, and the env's data-path connection (if any) is open when the server dies
      assertThrows(EnvException.NotReset.class, () -> env.step(new double[] {0, 1}));
      env.reset(0);
      ProcessHandle.of(p.pid()).orElseThrow().destroyForcibly();
      for (int i = 0; i < 100 && p.isAlive(); i++) {
        Thread.sleep(20);
      }
      EnvException e = assertThrows(EnvException.ServerUnavailable.class, () -> env.step(new double[] {0, 1}));
      assertTrue(e.getMessage().contains("exited with code"), e.getMessage());
      assertTrue(e.getMessage().contains("dies.log"), e.getMessage());
    } finally {
      p.close();
    }
    assertTrue(Files.exists(tmp.resolve("dies.log")));
  }

  @Test
  void everyServerGetsTheKeyOfOneOwnerOnlyFileSoAStateLoadsIntoTheNextServer() throws Exception {
    assumeTrue(System.getenv(StateKeyFile.ENV) == null, "the JVM's own " + StateKeyFile.ENV + " would win");
    Path keyFile = tmp.resolve("keys/env-state.key"); // its folder does not exist yet
    Rollouts.Saved saved;
    try (EnvServerProcess first = EnvServerProcess.start(options("key1.log").withStateKeyFile(keyFile));
        VectorEnv env = first.client().make("CartPole-v1", 3, 4L)) {
      env.reset();
      Rollouts.rollout(env, Rollouts.actions(env, 30, 1));
      saved = Rollouts.Saved.take(env, Rollouts.actions(env, 40, 2));
    }
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(keyFile));
    String key = Files.readString(keyFile).strip();
    assertTrue(key.matches("[0-9a-f]{64}"), key);
    assertFalse(Files.readString(tmp.resolve("key1.log")).contains(key), "the key is not logged");

    try (EnvServerProcess second = EnvServerProcess.start(options("key2.log").withStateKeyFile(keyFile));
        VectorEnv env = second.client().make("CartPole-v1", 3, 99L)) {
      assertEquals(key, Files.readString(keyFile).strip(), "the file is made once, then reused");
      // a new process: only the shared key lets it take the first one's state
      assertTrue(saved.assertReplayedBy(env, "the second server") > 0, "episodes ended");
    }
    try (EnvServerProcess other = EnvServerProcess.start(options("key3.log").withStateKeyFile(tmp.resolve("other.key")));
        VectorEnv env = other.client().make("CartPole-v1", 3, 4L)) {
      EnvException e = assertThrows(EnvException.InvalidArgument.class, () -> env.loadState(saved.state()));
      assertTrue(e.getMessage().contains("HMAC does not match"), e.getMessage());
    }
  }

  @Test
  void aKeyFileOthersCanReadOrThatHoldsNoKeyStopsTheStart() throws Exception {
    Path open = tmp.resolve("open.key");
    Files.writeString(open, "ab".repeat(32));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    EnvServerProcess.EnvServerStartException e = assertThrows(EnvServerProcess.EnvServerStartException.class,
        () -> EnvServerProcess.start(options("open.log").withStateKeyFile(open)));
    assertTrue(e.getMessage().contains("chmod 600 " + open), e.getMessage());
    Path empty = tmp.resolve("empty.key");
    Files.writeString(empty, "not a key");
    Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rw-------"));
    e = assertThrows(EnvServerProcess.EnvServerStartException.class,
        () -> EnvServerProcess.start(options("empty.log").withStateKeyFile(empty)));
    assertTrue(e.getMessage().contains("holds no key"), e.getMessage());
  }
}
