package dev.isoplast.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.Callback;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.remote.EnvServerClient;
import dev.isoplast.envs.remote.EnvServerPool;
import dev.isoplast.envs.remote.Transport;
import dev.isoplast.nn.Param;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What must not depend on how the rollout talks to the envs: the overlapped rollout
 * (overlap_rollout, two halves stepped in turn) gives exactly the numbers of the sequential one,
 * and training through the local data path exactly those through gRPC.
 */
class PpoOverlapTest {

  /** Metrics (without SPS) and final parameters of a run; {@code onEnv} may add callbacks that use the env. */
  private record Outcome(List<String> rows, List<double[]> params, TrainResult result) {}

  private static Outcome train(String envId, PpoConfig config, long seed, long steps, boolean split,
      EnvServerClient client, Function<VectorEnv, List<Callback>> callbacks) {
    VectorEnv env = EnvServerPool.of(client).make(envId, config.numEnvs(), seed, Map.of(), split ? 2 : 1);
    try (env) {
      Ppo ppo = new Ppo(config.with("overlap_rollout", split), env, seed);
      RecordingSink rows = new RecordingSink();
      List<Callback> cbs = callbacks.apply(env);
      TrainResult r = ppo.train(steps, rows, cbs);
      if (r.stoppedByCallback()) { // continue where it stopped, as a caller may
        r = ppo.train(steps, rows, List.of());
      }
      List<double[]> params = new ArrayList<>();
      for (Param p : ppo.params()) {
        params.add(p.value().dup().data().asDouble());
      }
      return new Outcome(rows.deterministicRows(), params, r);
    }
  }

  private static void assertSame(Outcome expected, Outcome actual) {
    assertEquals(expected.rows(), actual.rows());
    assertEquals(expected.params().size(), actual.params().size());
    for (int i = 0; i < expected.params().size(); i++) {
      assertArrayEquals(expected.params().get(i), actual.params().get(i), 0.0, "parameter " + i);
    }
  }

  @Test
  void theOverlappedRolloutGivesTheSequentialNumbersBitForBit() {
    EnvServerClient client = Sidecar.client();
    PpoConfig config = PpoConfig.defaults().withNumSteps(64);
    Outcome seq = train("CartPole-v1", config, 5, 1024, false, client, env -> List.of());
    Outcome ovl = train("CartPole-v1", config, 5, 1024, true, client, env -> List.of());
    assertTrue(seq.result().episodeReturns().size() > 10, "episodes ended (autoresets) in the rollouts");
    assertSame(seq, ovl);
    // an odd width splits 3 + 2
    PpoConfig five = config.withNumEnvs(5);
    assertSame(train("CartPole-v1", five, 6, 640, false, client, env -> List.of()),
        train("CartPole-v1", five, 6, 640, true, client, env -> List.of()));
  }

  @Test
  void theSameForGaussianActionsWithTruncationsBootstrapped() {
    PpoConfig config = PpoConfig.continuousDefaults().withNumEnvs(4).withNumSteps(128).withNumMinibatches(4)
        .withUpdateEpochs(2);
    EnvServerClient client = Sidecar.client();
    Outcome seq = train("Pendulum-v1", config, 3, 1024, false, client, env -> List.of());
    Outcome ovl = train("Pendulum-v1", config, 3, 1024, true, client, env -> List.of());
    assertEquals(4, seq.result().episodeReturns().size(), "each env truncated once at 200 steps");
    assertSame(seq, ovl);
  }

  @Test
  void theSameWhenACallbackChangesTheEnvMidRolloutOrStopsTraining() {
    // a phase switch at step 200 (as PhaseSchedule does it) and a stop at step 300, then training goes on
    Function<VectorEnv, List<Callback>> switchAndStop = env -> List.of(new Callback() {
      @Override
      public boolean onStep(long step) {
        if (step == 200) {
          env.reconfigure(new Perturbation(Map.of("gravity", 20.0), new int[] {3, 2, 1, 0}, null, new int[] {1, 0}, 2.0));
        }
        return step != 300;
      }
    });
    PpoConfig config = PpoConfig.defaults().withNumSteps(64);
    EnvServerClient client = Sidecar.client();
    Outcome seq = train("CartPole-v1", config, 9, 768, false, client, switchAndStop);
    Outcome ovl = train("CartPole-v1", config, 9, 768, true, client, switchAndStop);
    assertSame(seq, ovl);
  }

  @Test
  void trainingThroughTheDataPathGivesWhatTrainingOverGrpcGives() {
    PpoConfig config = PpoConfig.defaults().withNumSteps(64);
    EnvServerClient grpc = Sidecar.client(Transport.GRPC);
    EnvServerClient unix = Sidecar.client(Transport.UNIX);
    assertTrue(unix.usesDataPath());
    assertSame(train("CartPole-v1", config, 4, 768, false, grpc, env -> List.of()),
        train("CartPole-v1", config, 4, 768, false, unix, env -> List.of()));
    assertSame(train("CartPole-v1", config, 4, 768, true, grpc, env -> List.of()),
        train("CartPole-v1", config, 4, 768, true, unix, env -> List.of()));
  }

  @Test
  void overlapNeedsTwoEnvsSplitInHalves() {
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
        () -> PpoConfig.defaults().withNumEnvs(1).with("overlap_rollout", true));
    assertTrue(one.getMessage().contains("num_envs >= 2"), one.getMessage());
    try (VectorEnv env = Sidecar.client().make("CartPole-v1", 4, 1L)) {
      IllegalArgumentException whole = assertThrows(IllegalArgumentException.class,
          () -> new Ppo(PpoConfig.defaults().with("overlap_rollout", true), env, 1));
      assertTrue(whole.getMessage().contains("SplitVectorEnv of two or more parts"), whole.getMessage());
    }
    assertEquals(2, PpoConfig.defaults().with("overlap_rollout", true).envParts());
    assertEquals(1, PpoConfig.defaults().envParts());
  }
}
