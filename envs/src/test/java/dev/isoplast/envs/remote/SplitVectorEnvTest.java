package dev.isoplast.envs.remote;

import static dev.isoplast.envs.StepAssertions.assertSameStep;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.PendingStep;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.Rollouts;
import dev.isoplast.envs.SharedSidecar;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A vector spread over two real env servers gives, bit for bit, what one handle on one server
 * gives for the same seed and actions: observations, rewards, terminated/truncated, ended envs,
 * final observations, episode statistics, through resets, reseeding and perturbations.
 */
class SplitVectorEnvTest {

  private static EnvServerProcess second;

  @BeforeAll
  static void startSecondServer() {
    second = EnvServerProcess.start(EnvServerProcess.Options.defaults()
        .withLogFile(IsoplastHome.locate().resolve("envs/target/test-env-server-2.log")));
  }

  @AfterAll
  static void stopSecondServer() {
    second.close();
  }

  private static EnvServerPool twoServers() {
    return EnvServerPool.of(List.of(SharedSidecar.client(), second.client()));
  }

  @Test
  void blocksAreContiguousAsEqualAsPossibleAndNeverEmpty() {
    assertArrayEquals(new int[] {16, 16}, SplitVectorEnv.blockSizes(32, 2));
    assertArrayEquals(new int[] {3, 2}, SplitVectorEnv.blockSizes(5, 2));
    assertArrayEquals(new int[] {3, 3, 2, 2}, SplitVectorEnv.blockSizes(10, 4));
    assertArrayEquals(new int[] {1, 1}, SplitVectorEnv.blockSizes(2, 5), "no server gets an empty block");
    assertThrows(IllegalArgumentException.class, () -> SplitVectorEnv.blockSizes(0, 2));
  }

  @Test
  void cartPoleOverTwoServersEqualsOneServerStepForStep() {
    int n = 5; // blocks of 3 and 2: the seeds of the second block start at seed + 3
    long seed = 11;
    try (VectorEnv one = SharedSidecar.client().make("CartPole-v1", n, seed);
        VectorEnv two = twoServers().make("CartPole-v1", n, seed, Map.of())) {
      SplitVectorEnv split = assertInstanceOf(SplitVectorEnv.class, two);
      assertEquals(2, split.parts().size());
      assertEquals(3, split.offset(1));
      assertTrue(split.parts().get(1).toString().endsWith("@ " + second.client().target() + ")"),
          "the second block lives on the second server: " + split);
      assertArrayEquals(one.reset(), two.reset(), "first reset uses Make's seed, env i with seed + i");
      int ended = 0;
      for (int t = 0; t < 400; t++) {
        double[] actions = new double[n];
        for (int i = 0; i < n; i++) {
          actions[i] = ((t * 7 + i * 3) % 5) < 2 ? 0 : 1;
        }
        if (t == 150) {
          Perturbation p = new Perturbation(Map.of("gravity", 15.0, "length", 0.8), new int[] {2, 0, 3, 1},
              new double[] {1, -1, -1, 1}, new int[] {1, 0}, 2.0);
          Perturbation a = one.reconfigure(p);
          Perturbation b = two.reconfigure(p);
          assertEquals(a.dynamics(), b.dynamics());
          assertArrayEquals(a.obsPermutation(), b.obsPermutation());
        }
        if (t == 300) {
          assertArrayEquals(one.reset(99), two.reset(99), "reseeding: env i with 99 + i on both");
        }
        ended += assertSameStep(one.step(actions), two.step(actions), "step " + t);
      }
      assertTrue(ended > 30, "the pattern ends many episodes on both sides: " + ended);
    }
  }

  @Test
  void pendulumWithBoxActionsAndTruncationOverThreePartsEqualsOneServer() {
    int n = 4; // blocks 2 + 1 + 1 over three parts (the shared server twice: any two handles will do)
    long seed = 5;
    EnvServerPool three = EnvServerPool.of(List.of(SharedSidecar.client(), second.client(), SharedSidecar.client()));
    try (VectorEnv one = SharedSidecar.client().make("Pendulum-v1", n, seed);
        VectorEnv split = three.make("Pendulum-v1", n, seed, Map.of())) {
      assertArrayEquals(one.reset(seed), split.reset(seed));
      int ended = 0;
      for (int t = 0; t < 420; t++) {
        double[] actions = new double[n];
        for (int i = 0; i < n; i++) {
          actions[i] = 2.0 * Math.sin(0.3 * t + i);
        }
        ended += assertSameStep(one.step(actions), split.step(actions), "step " + t);
      }
      assertEquals(2 * n, ended, "two truncations per env at 200 steps");
    }
  }

  @Test
  void halvesSteppedInTurnThroughBothTransportsEqualOneHandle() {
    int n = 6;
    long seed = 21;
    // one server asked for two parts (PPO's overlap_rollout): two handles on it, envs 0-2 and 3-5
    EnvServerPool oneServer = EnvServerPool.of(SharedSidecar.client(Transport.UNIX));
    // three parts over the data path, gRPC and the data path again: halves of one part and of two
    EnvServerPool three = EnvServerPool.of(List.of(SharedSidecar.client(Transport.UNIX),
        second.client(Transport.GRPC), SharedSidecar.client(Transport.GRPC)));
    for (EnvServerPool pool : List.of(oneServer, three)) {
      try (VectorEnv one = SharedSidecar.client().make("CartPole-v1", n, seed);
          VectorEnv whole = pool.make("CartPole-v1", n, seed, Map.of(), 2)) {
        SplitVectorEnv split = assertInstanceOf(SplitVectorEnv.class, whole);
        assertEquals(pool.size() == 1 ? 2 : 3, split.parts().size());
        List<VectorEnv> halves = split.halves();
        int h = halves.get(0).numEnvs();
        assertEquals(n, h + halves.get(1).numEnvs());
        assertArrayEquals(one.reset(), whole.reset());
        int ended = 0;
        for (int t = 0; t < 300; t++) {
          double[] actions = new double[n];
          for (int i = 0; i < n; i++) {
            actions[i] = ((t * 5 + i * 3) % 7) < 3 ? 0 : 1;
          }
          PendingStep a = halves.get(0).stepAsync(Arrays.copyOfRange(actions, 0, h));
          PendingStep b = halves.get(1).stepAsync(Arrays.copyOfRange(actions, h, n));
          StepResult joined = StepResult.concat(List.of(a.await(), b.await()));
          ended += assertSameStep(one.step(actions), joined, pool + " step " + t);
        }
        assertTrue(ended > 20, "episodes ended: " + ended);
      }
    }
  }

  @Test
  void aSplitVectorSavesAndLoadsItsPartsStatesOverTwoServers() {
    EnvServerPool pool = EnvServerPool.of(List.of(SharedSidecar.client(Transport.UNIX), second.client(Transport.GRPC)));
    try (VectorEnv split = pool.make("CartPole-v1", 5, 9L, Map.of());
        VectorEnv other = pool.make("CartPole-v1", 5, 1234L, Map.of());
        VectorEnv single = SharedSidecar.client().make("CartPole-v1", 5, 9L)) {
      split.reset();
      Rollouts.rollout(split, Rollouts.actions(split, 30, 1));
      Rollouts.Saved saved = Rollouts.Saved.take(split, Rollouts.actions(split, 40, 2));
      byte[] state = saved.state();
      assertTrue(saved.assertReplayedBy(split, "same split") >= 2);
      saved.assertReplayedBy(other, "another split"); // the same layout, each part on its own server

      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> split.loadState(single.saveState()));
      assertTrue(e.getMessage().contains("ISVS") && e.getMessage().contains("[3, 2]"), e.getMessage());
      byte[] cut = Arrays.copyOf(state, state.length - 1);
      e = assertThrows(IllegalArgumentException.class, () -> split.loadState(cut));
      assertTrue(e.getMessage().contains("part 1 claims"), e.getMessage());
      byte[] longer = Arrays.copyOf(state, state.length + 1);
      assertTrue(assertThrows(IllegalArgumentException.class, () -> split.loadState(longer)).getMessage()
          .contains("1 bytes follow"));
      assertTrue(assertThrows(IllegalArgumentException.class, () -> split.loadState(new byte[5])).getMessage()
          .contains("magic"));
      byte[] swapped = state.clone(); // part 0's bytes altered: that part's server refuses them
      swapped[40] ^= 1;
      EnvException refused = assertThrows(EnvException.InvalidArgument.class, () -> split.loadState(swapped));
      assertTrue(refused.getMessage().contains("part 0"), refused.getMessage());
    }
  }

  @Test
  void aBadActionOnOnePartFailsTheStepWithTheServersOwnError() {
    try (VectorEnv split = twoServers().make("CartPole-v1", 4, 1L, Map.of())) {
      split.reset();
      EnvException e = assertThrows(EnvException.class, () -> split.step(new double[] {0, 1, 0, 7}));
      assertInstanceOf(EnvException.InvalidArgument.class, e);
      assertTrue(e.getMessage().contains(second.client().target()), "names the server that refused: " + e.getMessage());
      assertEquals(4, split.reset(3).length / 4, "the vector still works after a refused step");
    }
  }

  @Test
  void serverListsParseAndANameWithSeveralAddressesIsOneServerPerAddress() throws Exception {
    EnvServerPool.Resolver dns = host -> switch (host) {
      case "env-server" -> new InetAddress[] {addr(host, 10, 0, 0, 3), addr(host, 10, 0, 0, 2), addr(host, 10, 0, 0, 3)};
      case "localhost" -> new InetAddress[] {addr(host, 127, 0, 0, 1), InetAddress.getByName("::1")};
      case "single" -> new InetAddress[] {addr(host, 10, 0, 0, 9)};
      default -> throw new UnknownHostException(host);
    };
    assertEquals(List.of("10.0.0.2:50051", "10.0.0.3:50051"), EnvServerPool.targets("env-server:50051", dns),
        "a scaled service: every address once, sorted");
    assertEquals(List.of("localhost:7"), EnvServerPool.targets("localhost:7", dns), "IPv4 and IPv6 of one host: one server");
    assertEquals(List.of("single:1", "127.0.0.1:2", "nowhere:3"), EnvServerPool.targets("single:1, 127.0.0.1:2,nowhere:3", dns));
    assertEquals(List.of("[::1]:5"), EnvServerPool.targets("[::1]:5", dns));
    for (String bad : new String[] {"host", "host:", ":80", "h:0", "h:70000", "a:1,,b:2", "h:p"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnvServerPool.targets(bad, dns), bad);
      assertTrue(e.getMessage().startsWith("--env-server takes HOST:PORT[,HOST:PORT...]"), e.getMessage());
      assertEquals(1, e.getMessage().lines().count());
    }
  }

  private static InetAddress addr(String host, int a, int b, int c, int d) throws UnknownHostException {
    return InetAddress.getByAddress(host, new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
  }
}
