package dev.isoplast.envs.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.PendingStep;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.Space;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RestartingVectorEnv} around scripted fake vectors whose "server" fails on cue: what a
 * step cut off by a restart returns, which failures restart and which do not, the restart seed,
 * the configuration carried over, the limit of restarts in a row, and the halves of a vector in
 * parts. (With real servers killed for real: RestartingVectorEnvSidecarTest and, through a whole
 * training run, the agent's ServerRestartTest.)
 */
class RestartingVectorEnvTest {

  /** A vector of one-number observations: made k-th by the factory, env i shows k*1000 + 10*t + i at its t-th step. */
  static final class Fake implements VectorEnv {
    final int id;
    final int n;
    final Deque<RuntimeException> failures; // thrown by the next calls, shared with the factory
    final List<Long> resetSeeds = new ArrayList<>();
    final List<Perturbation> applied = new ArrayList<>();
    int t;
    boolean closed;

    Fake(int id, int n, Deque<RuntimeException> failures) {
      this.id = id;
      this.n = n;
      this.failures = failures;
    }

    float[] obs() {
      float[] o = new float[n];
      for (int i = 0; i < n; i++) {
        o[i] = id * 1000 + 10 * t + i;
      }
      return o;
    }

    void maybeFail() {
      if (!failures.isEmpty()) {
        throw failures.poll();
      }
    }

    @Override
    public String envId() {
      return "Fake-v0";
    }

    @Override
    public int numEnvs() {
      return n;
    }

    @Override
    public Space observationSpace() {
      return Box.uniform(-1e9, 1e9, DType.FLOAT32, 1);
    }

    @Override
    public Space actionSpace() {
      return new Discrete(2);
    }

    @Override
    public float[] reset(long seed) {
      maybeFail();
      resetSeeds.add(seed);
      t = 0;
      return obs();
    }

    @Override
    public float[] reset() {
      return reset(Long.MIN_VALUE);
    }

    @Override
    public StepResult step(double[] actions) {
      return stepAsync(actions).await();
    }

    @Override
    public PendingStep stepAsync(double[] actions) {
      maybeFail();
      return () -> {
        maybeFail();
        t++;
        return new StepResult(obs(), filled(n, 1.0), new boolean[n], new boolean[n], new int[0], new float[0],
            new double[0], new long[0]);
      };
    }

    @Override
    public Perturbation reconfigure(Perturbation p) {
      maybeFail();
      applied.add(p);
      return p;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  final Deque<RuntimeException> failures = new ArrayDeque<>();
  final Deque<RuntimeException> makeFailures = new ArrayDeque<>(); // thrown by the factory's next makes
  final List<Fake> made = new ArrayList<>();
  final List<String> told = new ArrayList<>();
  final List<RuntimeException> lastWords = new ArrayList<>();
  int restarterCalls;
  RuntimeException restarterFailure; // thrown by every restart while set
  final EnvServerClient nowhere = EnvServerClient.connect("127.0.0.1:9", null); // never called: the fakes do the work
  final EnvServerPool pool = EnvServerPool.of(nowhere);

  final RestartingVectorEnv.Listener listener = new RestartingVectorEnv.Listener() {
    @Override
    public void onRestart(int restarts, String reason) {
      told.add(restarts + ": " + reason);
    }

    @Override
    public void beforeGivingUp(RuntimeException failure) {
      lastWords.add(failure);
    }
  };

  RestartingVectorEnv env(int n, int parts, int maxInARow) {
    pool.restartWith((k, c) -> {
      restarterCalls++;
      if (restarterFailure != null) {
        throw restarterFailure;
      }
      return c;
    }, maxInARow);
    return new RestartingVectorEnv(pool, servers -> {
      if (!makeFailures.isEmpty()) {
        throw makeFailures.poll();
      }
      if (parts == 1) {
        Fake f = new Fake(made.size(), n, failures);
        made.add(f);
        return f;
      }
      List<Fake> ps = new ArrayList<>();
      for (int k = 0; k < parts; k++) {
        Fake f = new Fake(made.size(), n / parts, failures);
        made.add(f);
        ps.add(f);
      }
      return new SplitVectorEnv(ps);
    }, 7, maxInARow, listener);
  }

  @AfterEach
  void close() {
    nowhere.close();
  }

  static EnvException status(Status s) {
    return EnvException.from(s.asRuntimeException(), "Step(Fake-v0, handle h1)", "127.0.0.1:9", "");
  }

  static double[] filled(int n, double v) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  @Test
  void aStepThatFindsTheServerGoneIsCutOffAndTheEnvsAreMadeAnewWithTheRestartSeedAndConfiguration() {
    RestartingVectorEnv env = env(3, 1, 3);
    assertArrayEquals(new float[] {0, 1, 2}, env.reset(7));
    Perturbation gravity = Perturbation.dynamics(Map.of("gravity", 20.0, "length", 0.5));
    Perturbation flip = new Perturbation(Map.of("length", 1.0), null, new double[] {-1}, null, null);
    env.reconfigure(gravity);
    env.reconfigure(flip);
    StepResult ok = env.step(new double[3]);
    assertArrayEquals(new float[] {10, 11, 12}, ok.observations());

    failures.add(status(Status.UNAVAILABLE.withDescription("Connection refused")));
    StepResult cut = env.step(new double[3]);

    assertEquals(2, made.size(), "made anew");
    assertTrue(made.get(0).closed, "the old vector closed");
    assertEquals(1, restarterCalls);
    assertEquals(1, pool.restarts());
    Fake fresh = made.get(1);
    assertEquals(List.of((7 + RestartingVectorEnv.RESTART_SEED_STEP) >>> 2), fresh.resetSeeds,
        "restart seed: (seed + 1 * step) >>> 2");
    assertEquals(2850178704830799623L, RestartingVectorEnv.restartSeed(7, 1), "by hand: (7 + 0x9E3779B97F4A7C15) >>> 2");
    assertEquals(1, fresh.applied.size(), "the configuration re-applied once, composed");
    Perturbation now = fresh.applied.get(0);
    assertEquals(Map.of("gravity", 20.0, "length", 1.0), now.dynamics());
    assertArrayEquals(new double[] {-1}, now.obsSignFlip());

    assertArrayEquals(new float[] {1000, 1001, 1002}, cut.observations(), "the fresh reset's observations");
    assertArrayEquals(new double[] {0, 0, 0}, cut.rewards());
    assertArrayEquals(new boolean[] {false, false, false}, cut.terminated());
    assertArrayEquals(new boolean[] {true, true, true}, cut.truncated());
    assertArrayEquals(new int[] {0, 1, 2}, cut.endedIndices());
    assertArrayEquals(new float[] {10, 11, 12}, cut.finalObservations(), "the last observations the caller saw");
    for (int k = 0; k < 3; k++) {
      assertFalse(cut.finished(k), "a cut-off episode has no statistics");
    }
    assertEquals(List.of("1: Step(Fake-v0, handle h1) failed: env server 127.0.0.1:9 is unreachable "
        + "(UNAVAILABLE: Connection refused)"), told);

    assertArrayEquals(new float[] {1010, 1011, 1012}, env.step(new double[3]).observations(), "carries on");
  }

  @Test
  void anUnknownHandleIsMadeAnewButAHungServerAndOtherErrorsAreThrown() {
    RestartingVectorEnv env = env(2, 1, 3);
    env.reset(7);
    failures.add(status(Status.NOT_FOUND.withDescription("unknown handle h1 (reaped for idleness)")));
    assertFalse(env.step(new double[2]).finished(0));
    assertEquals(2, made.size());

    EnvException hung = status(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 2s"));
    failures.add(hung);
    assertSame(hung, assertThrows(EnvException.ServerUnavailable.class, () -> env.step(new double[2])));
    EnvException invalid = status(Status.INVALID_ARGUMENT.withDescription("action 5 not in Discrete(2)"));
    failures.add(invalid);
    assertSame(invalid, assertThrows(EnvException.InvalidArgument.class, () -> env.step(new double[2])));
    assertEquals(2, made.size(), "no restart for either");
    assertEquals(1, pool.restarts());
  }

  @Test
  void aVectorMadeWhileItsServersAreDownWaitsForThemAsARestartDoes() {
    makeFailures.add(status(Status.UNAVAILABLE.withDescription("Connection refused")));
    makeFailures.add(status(Status.UNAVAILABLE.withDescription("Connection refused")));
    RestartingVectorEnv env = env(2, 1, 3);
    assertEquals(2, restarterCalls, "the servers were brought back once per failed make");
    assertEquals(1, made.size());
    assertArrayEquals(new float[] {0, 1}, env.reset(7));
    failures.add(status(Status.UNAVAILABLE.withDescription("gone again")));
    env.step(new double[2]); // the third restart in a row, before any successful step: still allowed
    assertEquals(3, restarterCalls);
    failures.add(status(Status.UNAVAILABLE.withDescription("and again")));
    assertThrows(EnvException.ServerUnavailable.class, () -> env.step(new double[2]), "three in a row, then no more");
  }

  @Test
  void aMakeThatKeepsFindingTheServersDownOrFailsOtherwiseIsThrown() {
    for (int i = 0; i < 4; i++) {
      makeFailures.add(status(Status.UNAVAILABLE.withDescription("Connection refused")));
    }
    EnvException e = assertThrows(EnvException.ServerUnavailable.class, () -> env(2, 1, 3));
    assertEquals("the env servers failed again while making the envs after 3 restarts in a row "
        + "(--max-server-restarts 3): " + firstLineOf(e.getCause()), e.getMessage());
    assertEquals(3, restarterCalls);
    makeFailures.clear();
    restarterCalls = 0;
    makeFailures.add(status(Status.INVALID_ARGUMENT.withDescription("unknown env")));
    assertThrows(EnvException.class, () -> env(2, 1, 3));
    assertEquals(0, restarterCalls, "a bad request is not waited for");
  }

  private static String firstLineOf(Throwable t) {
    return t.getMessage().lines().findFirst().orElse("");
  }

  @Test
  void afterKRestartsInARowWithoutASuccessfulStepTheLastFailureIsThrownInOneLine() {
    RestartingVectorEnv env = env(2, 1, 3);
    env.reset(7);
    failures.add(status(Status.UNAVAILABLE.withDescription("Connection refused")));
    restarterFailure = new IllegalStateException("the env server's Python is missing at /x/.venv/bin/python\nmore");
    EnvException e = assertThrows(EnvException.ServerUnavailable.class, () -> env.step(new double[2]));
    assertEquals(3, restarterCalls);
    assertEquals("the env servers of Fake-v0 x2 failed again after 3 restarts in a row (--max-server-restarts 3): "
        + "the env server's Python is missing at /x/.venv/bin/python", e.getMessage());
    assertEquals(List.of(e), lastWords, "told before giving up");
    assertEquals(List.of(), told);
  }

  @Test
  void aSuccessfulStepStartsTheCountAgainButRestartsWhoseStepsFailAgainCount() {
    RestartingVectorEnv env = env(2, 1, 2);
    env.reset(7);
    for (int i = 0; i < 5; i++) { // more restarts than K, each followed by a successful step
      failures.add(status(Status.UNAVAILABLE));
      assertFalse(env.step(new double[2]).finished(0));
      assertEquals(0, env.step(new double[2]).endedCount(), "a real step of the new envs");
    }
    assertEquals(5, pool.restarts());
    assertEquals(6, made.size());

    // the envs are made anew, but their first step fails again, and again: two restarts in a row, then give up
    failures.add(status(Status.UNAVAILABLE.withDescription("first")));
    env.step(new double[2]);
    failures.add(status(Status.UNAVAILABLE.withDescription("second")));
    env.step(new double[2]);
    failures.add(status(Status.UNAVAILABLE.withDescription("third")));
    EnvException e = assertThrows(EnvException.ServerUnavailable.class, () -> env.step(new double[2]));
    assertTrue(e.getMessage().contains("after 2 restarts in a row") && e.getMessage().endsWith("(UNAVAILABLE: third)"),
        e.getMessage());
  }

  @Test
  void aResetOrReconfigureThatFindsTheServerGoneIsDoneOnTheNewEnvs() {
    RestartingVectorEnv env = env(2, 1, 3);
    failures.add(status(Status.UNAVAILABLE));
    assertArrayEquals(new float[] {1000, 1001}, env.reset(42));
    assertEquals(List.of(RestartingVectorEnv.restartSeed(7, 1), 42L), made.get(1).resetSeeds,
        "reset with the restart seed (of the make seed 7) by the restart, then as asked");
    Perturbation p = Perturbation.dynamics(Map.of("gravity", 5.0));
    failures.add(status(Status.UNAVAILABLE));
    env.reconfigure(p);
    assertEquals(List.of(p), made.get(2).applied);
    // the caller holds observations of the vector made before: the next step is cut off, not stepped
    StepResult r = env.step(new double[2]);
    assertArrayEquals(new boolean[] {true, true}, r.truncated());
    assertArrayEquals(new float[] {1000, 1001}, r.finalObservations());
    assertArrayEquals(new float[] {2000, 2001}, r.observations());
    assertEquals(0, made.get(2).t, "the new envs did not step with actions chosen for the old ones");
  }

  @Test
  void theHalvesOfAVectorInPartsStepTheCurrentVectorAndAStepInFlightOnTheOldOneIsCutOff() {
    RestartingVectorEnv env = env(4, 2, 3);
    env.reset(7);
    List<VectorEnv> halves = env.halves();
    assertEquals(2, halves.get(0).numEnvs());
    // step t: send A, send B; A's reply finds the server gone
    PendingStep a = halves.get(0).stepAsync(new double[2]);
    PendingStep b = halves.get(1).stepAsync(new double[2]);
    failures.add(status(Status.UNAVAILABLE));
    StepResult ra = a.await();
    StepResult rb = b.await(); // answered by the old vector: its envs are gone
    assertEquals(4, made.size(), "two parts made anew");
    assertArrayEquals(new float[] {2000, 2001}, ra.observations());
    assertArrayEquals(new float[] {0, 1}, ra.finalObservations());
    assertArrayEquals(new float[] {3000, 3001}, rb.observations());
    assertArrayEquals(new float[] {1000, 1001}, rb.finalObservations());
    assertArrayEquals(new boolean[] {true, true}, rb.truncated());
    // step t + 1 runs on the new parts
    assertArrayEquals(new float[] {2010, 2011}, halves.get(0).step(new double[2]).observations());
    assertArrayEquals(new float[] {3010, 3011}, halves.get(1).step(new double[2]).observations());
    assertEquals(1, told.size());
  }
}
