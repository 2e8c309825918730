package dev.isoplast.envs.remote;

import static dev.isoplast.envs.StepAssertions.assertSameStep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.PendingStep;
import dev.isoplast.envs.Rollouts;
import dev.isoplast.envs.SharedSidecar;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RemoteVectorEnv#saveState()} and {@link RemoteVectorEnv#loadState(byte[])} against the real
 * server, stepping through the local data path and over gRPC: after loadState the same actions give,
 * bit for bit, the steps that followed saveState, in the same vector and in a new one; a state that
 * does not fit is refused and changes nothing; no state is taken while a step is in flight.
 */
class EnvStateTest {

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC", "UNIX"})
  void aSavedStateGivesTheSameStepsAgainInTheSameAndInANewVector(Transport transport) {
    EnvServerClient client = SharedSidecar.client(transport);
    assertEquals(transport == Transport.UNIX, client.usesDataPath());
    try (RemoteVectorEnv env = client.make("CartPole-v1", 4, 3L, Map.of());
        RemoteVectorEnv fresh = client.make("CartPole-v1", 4, 77L, Map.of())) {
      env.reset();
      Rollouts.rollout(env, Rollouts.actions(env, 30, 1));
      Rollouts.Saved saved = Rollouts.Saved.take(env, Rollouts.actions(env, 40, 2));
      int ended = saved.assertReplayedBy(env, transport + ", same vector");
      assertTrue(ended >= 2, "the 40 steps end episodes, so that autoresets are compared too: " + ended);
      saved.assertReplayedBy(fresh, transport + ", new vector"); // never reset, another seed: the state brings all
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC", "UNIX"})
  void pendulumStateCarriesItsTimeLimitAcrossTheTruncation(Transport transport) {
    try (RemoteVectorEnv env = SharedSidecar.client(transport).make("Pendulum-v1", 3, 5L, Map.of())) {
      env.reset();
      Rollouts.rollout(env, Rollouts.actions(env, 185, 1));
      Rollouts.Saved saved = Rollouts.Saved.take(env, Rollouts.actions(env, 30, 2));
      assertEquals(3, saved.assertReplayedBy(env, "Pendulum"), "every env truncated at 200");
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC", "UNIX"})
  void aStateThatDoesNotFitIsRefusedAndNoStateIsTakenMidStep(Transport transport) {
    EnvServerClient client = SharedSidecar.client(transport);
    try (RemoteVectorEnv env = client.make("CartPole-v1", 4, 3L, Map.of());
        RemoteVectorEnv two = client.make("CartPole-v1", 2, 3L, Map.of())) {
      env.reset();
      two.reset();
      Rollouts.Saved saved = Rollouts.Saved.take(env, Rollouts.actions(env, 20, 2));
      byte[] state = saved.state();
      List<double[]> next = saved.actions();
      env.loadState(state);

      EnvException e = assertThrows(EnvException.InvalidArgument.class, () -> env.loadState(two.saveState()));
      assertTrue(e.getMessage().contains("CartPole-v1 x2") && e.getMessage().contains("CartPole-v1 x4"), e.getMessage());
      byte[] altered = state.clone();
      altered[altered.length / 2] ^= 1;
      e = assertThrows(EnvException.InvalidArgument.class, () -> env.loadState(altered));
      assertTrue(e.getMessage().contains("HMAC does not match"), e.getMessage());
      assertThrows(EnvException.InvalidArgument.class, () -> env.loadState(new byte[0]));
      assertThrows(IllegalArgumentException.class, () -> env.loadState(null));

      PendingStep pending = env.stepAsync(next.get(0));
      IllegalStateException busy = assertThrows(IllegalStateException.class, env::saveState);
      assertTrue(busy.getMessage().contains("in flight"), busy.getMessage());
      assertThrows(IllegalStateException.class, () -> env.loadState(state));
      List<StepResult> again = new ArrayList<>(List.of(pending.await()));
      again.addAll(Rollouts.rollout(env, next.subList(1, next.size())));
      for (int t = 0; t < next.size(); t++) { // the refused states changed nothing
        assertSameStep(saved.after().get(t), again.get(t), "step " + t + " after the refused states");
      }
    }
  }
}
