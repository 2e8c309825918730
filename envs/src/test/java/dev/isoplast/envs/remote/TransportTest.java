package dev.isoplast.envs.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.PendingStep;
import dev.isoplast.envs.SharedSidecar;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The choice of transport (the local data path or gRPC), and what must not depend on it: results,
 * errors and their messages, and stepping asynchronously.
 */
class TransportTest {

  @TempDir
  Path tmp;

  @Test
  void autoUsesTheDataPathOfTheEmbeddedServerAndGrpcWhenTold() {
    assertTrue(SharedSidecar.client(Transport.AUTO).usesDataPath());
    assertTrue(SharedSidecar.client(Transport.UNIX).usesDataPath());
    assertFalse(SharedSidecar.client(Transport.GRPC).usesDataPath());
    assertTrue(SharedSidecar.client().usesDataPath(), "the embedded server's own client picks the data path");
  }

  @Test
  void autoTriesTheDataPathOnlyOnLoopbackAndAPoolStepsEveryServerAsAsked() {
    for (String local : List.of("127.0.0.1:5", "127.3.2.1:5", "localhost:5", "LocalHost:5", "[::1]:5")) {
      assertTrue(EnvServerClient.isLoopback(local), local);
    }
    for (String remote : List.of("10.0.0.2:5", "env-server:5", "128.0.0.1:5", "[fe80::1]:5", "127.0.0.1.example:5")) {
      assertFalse(EnvServerClient.isLoopback(remote), remote);
    }
    String target = SharedSidecar.process().target();
    String spec = target + "," + target.replace("127.0.0.1", "localhost");
    try (EnvServerPool auto = EnvServerPool.connect(spec, null, Transport.AUTO);
        EnvServerPool grpc = EnvServerPool.connect(spec, null, Transport.GRPC)) {
      assertEquals("unix,unix", auto.transports());
      assertEquals("grpc,grpc", grpc.transports());
    }
  }

  @Test
  void aServerWithoutADataPathIsSteppedOverGrpcOrRefusedForUnix() {
    EnvServerProcess p = EnvServerProcess.start(EnvServerProcess.Options.defaults()
        .withLogFile(tmp.resolve("no-data-path.log")).withExtraArgs(List.of("--no-data-path")));
    try (EnvServerClient unix = EnvServerClient.connect(p.target(), null, EnvServerClient.DEFAULT_CALL_TIMEOUT,
        Transport.UNIX)) {
      assertFalse(p.client().usesDataPath());
      try (VectorEnv env = p.client().make("CartPole-v1", 2, 3L)) {
        env.reset(3);
        assertEquals(8, env.step(new double[] {0, 1}).observations().length);
      }
      EnvException e = assertThrows(EnvException.ServerUnavailable.class, unix::usesDataPath);
      assertTrue(e.getMessage().contains("offers no local data path"), e.getMessage());
    } finally {
      p.close();
    }
  }

  @Test
  void bothTransportsGiveTheSameStepsOfOneHandleAndTheSameErrors() {
    EnvServerClient grpc = SharedSidecar.client(Transport.GRPC);
    EnvServerClient unix = SharedSidecar.client(Transport.UNIX);
    try (RemoteVectorEnv a = grpc.make("CartPole-v1", 3, 5L, Map.of());
        RemoteVectorEnv b = unix.make("CartPole-v1", 3, 5L, Map.of())) {
      assertArrayEquals(a.reset(5), b.reset(5));
      for (int t = 0; t < 200; t++) {
        double[] act = {t % 2, (t / 3) % 2, (t / 7) % 2};
        StepResult ra = a.step(act);
        StepResult rb = b.step(act);
        assertArrayEquals(ra.observations(), rb.observations(), "step " + t);
        assertArrayEquals(ra.rewards(), rb.rewards());
        assertArrayEquals(ra.terminated(), rb.terminated());
        assertArrayEquals(ra.truncated(), rb.truncated());
        assertArrayEquals(ra.endedIndices(), rb.endedIndices());
        assertArrayEquals(ra.finalObservations(), rb.finalObservations());
        assertArrayEquals(ra.episodeLengths(), rb.episodeLengths());
      }
      // one handle stepped through each path: the same failures, with the same messages
      RemoteVectorEnv viaUnix = new RemoteVectorEnv(unix, a.handle(), a.envId(), 3, a.observationSpace(),
          a.actionSpace());
      EnvException eg = assertThrows(EnvException.InvalidArgument.class, () -> a.step(new double[] {0, 2, 0}));
      EnvException eu = assertThrows(EnvException.InvalidArgument.class, () -> viaUnix.step(new double[] {0, 2, 0}));
      assertEquals(eg.getMessage(), eu.getMessage());
      RemoteVectorEnv ghostG = new RemoteVectorEnv(grpc, "h999999", "CartPole-v1", 3, a.observationSpace(),
          a.actionSpace());
      RemoteVectorEnv ghostU = new RemoteVectorEnv(unix, "h999999", "CartPole-v1", 3, a.observationSpace(),
          a.actionSpace());
      EnvException ng = assertThrows(EnvException.HandleNotFound.class, () -> ghostG.step(new double[] {0, 1, 0}));
      EnvException nu = assertThrows(EnvException.HandleNotFound.class, () -> ghostU.step(new double[] {0, 1, 0}));
      assertEquals(ng.getMessage(), nu.getMessage());
      assertEquals(9, viaUnix.step(new double[] {0, 1, 0}).rewards().length * 3, "the data path goes on after errors");
    }
  }

  @Test
  void stepAsyncOverlapsTwoEnvsAndGivesWhatStepGives() {
    for (Transport t : new Transport[] {Transport.GRPC, Transport.UNIX}) {
      EnvServerClient c = SharedSidecar.client(t);
      try (VectorEnv seqA = c.make("CartPole-v1", 2, 11L); VectorEnv seqB = c.make("CartPole-v1", 2, 13L);
          VectorEnv asyA = c.make("CartPole-v1", 2, 11L); VectorEnv asyB = c.make("CartPole-v1", 2, 13L)) {
        seqA.reset(11);
        seqB.reset(13);
        asyA.reset(11);
        asyB.reset(13);
        for (int s = 0; s < 100; s++) {
          double[] act = {s % 2, (s / 5) % 2};
          StepResult ra = seqA.step(act);
          StepResult rb = seqB.step(act);
          PendingStep pa = asyA.stepAsync(act);
          PendingStep pb = asyB.stepAsync(act); // both in flight at once
          StepResult qb = pb.await();
          StepResult qa = pa.await();
          assertArrayEquals(ra.observations(), qa.observations(), t + " step " + s);
          assertArrayEquals(rb.observations(), qb.observations(), t + " step " + s);
          assertArrayEquals(ra.endedIndices(), qa.endedIndices());
        }
        PendingStep p = asyA.stepAsync(new double[] {0, 0});
        assertThrows(IllegalStateException.class, () -> asyA.stepAsync(new double[] {0, 0}), "one step in flight");
        p.await();
        assertThrows(IllegalStateException.class, p::await, "a step is awaited once");
        assertEquals(8, asyA.step(new double[] {1, 1}).observations().length);
      }
    }
  }

  @Test
  void transportNamesParse() {
    assertEquals(Transport.GRPC, Transport.parse("grpc"));
    assertEquals(Transport.UNIX, Transport.parse(" UNIX "));
    assertEquals("auto", Transport.AUTO.cliName());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transport.parse("shm"));
    assertTrue(e.getMessage().contains("auto, grpc or unix"), e.getMessage());
  }
}
