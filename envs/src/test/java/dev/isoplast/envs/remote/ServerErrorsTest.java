package dev.isoplast.envs.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.env.v1.StepRequest;
import dev.isoplast.envs.SharedSidecar;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Acceptance: bad requests get their documented status code, mapped to the typed exception, and
 * the server still answers the next valid request; every case runs over gRPC and through the
 * local data path.
 */
class ServerErrorsTest {

  @Nested
  class OverGrpc extends Cases {
    OverGrpc() {
      super(Transport.GRPC);
    }
  }

  @Nested
  class ThroughTheDataPath extends Cases {
    ThroughTheDataPath() {
      super(Transport.UNIX);
    }
  }

  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract static class Cases {

  private final EnvServerClient client;
  private RemoteVectorEnv healthy;

  Cases(Transport transport) {
    client = SharedSidecar.client(transport);
  }

  @BeforeAll
  void start() {
    healthy = client.make("CartPole-v1", 2, 0L, java.util.Map.of());
    healthy.reset(0);
  }

  @AfterAll
  void stop() {
    healthy.close();
  }

  /** The server still serves: a valid step on an existing handle and a new Make both work. */
  private void assertStillServing() {
    StepResult r = healthy.step(new double[] {0, 1});
    assertEquals(2 * 4, r.observations().length);
    try (RemoteVectorEnv e = client.make("CartPole-v1", 1, 3L, java.util.Map.of())) {
      assertEquals(4, e.reset(3).length);
    }
  }

  @Test
  void moduleColonEnvIdIsRefusedAsInvalidArgument() {
    EnvException e = assertThrows(EnvException.InvalidArgument.class,
        () -> client.make("gymnasium.envs.classic_control:CartPoleEnv", 1, 0L, java.util.Map.of()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("CartPoleEnv"), e.getMessage());
    assertStillServing();
  }

  @Test
  void unknownEnvIdIsInvalidArgument() {
    assertThrows(EnvException.InvalidArgument.class, () -> client.make("NoSuchEnv-v0", 1, 0L, java.util.Map.of()));
    assertStillServing();
  }

  @Test
  void unknownHandleIsNotFound() {
    RemoteVectorEnv ghost = new RemoteVectorEnv(client, "no-such-handle", "CartPole-v1", 2,
        Box.uniform(-1, 1, DType.FLOAT32, 4), new Discrete(2));
    EnvException e = assertThrows(EnvException.HandleNotFound.class, () -> ghost.step(new double[] {0, 1}));
    assertEquals(Status.Code.NOT_FOUND, e.code());
    assertThrows(EnvException.HandleNotFound.class, ghost::reset);
    assertStillServing();
  }

  @Test
  void actionOfWrongShapeIsInvalidArgument() {
    // bypass the client-side length check: send a [2, 1] tensor where [2] is expected
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.stub().step(
        StepRequest.newBuilder().setHandle(healthy.handle())
            .setActions(WireFormat.fromLongs(new long[] {0, 1}, 2, 1)).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("shape"), e.getStatus().getDescription());
    assertTrue(EnvException.from(e, "Step", client.target(), "") instanceof EnvException.InvalidArgument);
    // and three actions for two envs
    assertThrows(StatusRuntimeException.class, () -> client.stub().step(
        StepRequest.newBuilder().setHandle(healthy.handle())
            .setActions(WireFormat.fromLongs(new long[] {0, 1, 1}, 3)).build()));
    assertStillServing();
  }

  @Test
  void nanActionIsInvalidArgument() {
    try (RemoteVectorEnv pendulum = client.make("Pendulum-v1", 2, 0L, java.util.Map.of())) {
      pendulum.reset(0);
      EnvException e = assertThrows(EnvException.InvalidArgument.class,
          () -> pendulum.step(new double[] {0.5, Double.NaN}));
      assertTrue(e.getMessage().toLowerCase().contains("finite") || e.getMessage().contains("NaN"), e.getMessage());
      assertThrows(EnvException.InvalidArgument.class, () -> pendulum.step(new double[] {0.5, 3.0}),
          "an action outside Box(-2, 2) is refused");
      assertEquals(2, pendulum.step(new double[] {0.5, -0.5}).rewards().length, "the handle still works");
    }
    assertStillServing();
  }

  @Test
  void discreteActionOutOfRangeIsInvalidArgument() {
    assertThrows(EnvException.InvalidArgument.class, () -> healthy.step(new double[] {0, 2}));
    assertStillServing();
  }

  @Test
  void billionEnvsIsResourceExhausted() {
    EnvException e = assertThrows(EnvException.ResourceExhausted.class,
        () -> client.make("CartPole-v1", 1_000_000_000, 0L, java.util.Map.of()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code());
    assertStillServing();
  }

  @Test
  void stepBeforeResetIsFailedPrecondition() {
    try (RemoteVectorEnv fresh = client.make("CartPole-v1", 1, 0L, java.util.Map.of())) {
      assertThrows(EnvException.NotReset.class, () -> fresh.step(new double[] {0}));
    }
    assertStillServing();
  }

  @Test
  void closedHandleIsNotFound() {
    RemoteVectorEnv e = client.make("Acrobot-v1", 1, 0L, java.util.Map.of());
    e.reset();
    e.close();
    assertThrows(EnvException.HandleNotFound.class, () -> e.step(new double[] {1}));
    assertStillServing();
  }

  @Test
  void clientRefusesWrongActionCountBeforeSending() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> healthy.step(new double[] {0}));
    assertTrue(e.getMessage().contains("2 action values"), e.getMessage());
  }
  }
}
