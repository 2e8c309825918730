package dev.isoplast.envs.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.envs.SharedSidecar;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Acceptance: stepping seeded envs through the real sidecar, over gRPC and through the local data
 * path, gives exactly what Gymnasium gives in-process in Python for the same seeds and actions. The reference is computed by a Python
 * script at test time (plain gymnasium.make, nothing of isoplast), never checked in.
 */
class ReferenceRolloutTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC", "UNIX"})
  void cartPoleMatchesGymnasiumInProcess(Transport transport) throws Exception {
    int n = 4;
    int steps = 300;
    double[][] actions = new double[steps][n];
    for (int t = 0; t < steps; t++) {
      for (int i = 0; i < n; i++) {
        actions[t][i] = ((t * 7 + i * 3) % 5) < 2 ? 0 : 1;
      }
    }
    int ended = compare(transport, "CartPole-v1", n, 7, actions, 1);
    assertTrue(ended >= 10, "the action pattern should end many episodes, ended " + ended);
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC", "UNIX"})
  void pendulumMatchesGymnasiumInProcessIncludingTruncation(Transport transport) throws Exception {
    int n = 3;
    int steps = 450; // Pendulum truncates at 200 steps: two truncations per env
    double[][] actions = new double[steps][n];
    for (int t = 0; t < steps; t++) {
      for (int i = 0; i < n; i++) {
        actions[t][i] = (float) (2.0 * Math.sin(0.3 * t + i));
      }
    }
    int ended = compare(transport, "Pendulum-v1", n, 11, actions, 1);
    assertEquals(2 * n, ended);
  }

  /** Runs both sides and asserts equality of every number; returns the number of ended episodes. */
  private static int compare(Transport transport, String envId, int n, long seed, double[][] actions, int actDim)
      throws Exception {
    JsonNode ref = reference(envId, n, seed, actions);
    int endedTotal = 0;
    EnvServerClient client = SharedSidecar.client(transport);
    assertEquals(transport == Transport.UNIX, client.usesDataPath());
    try (VectorEnv env = client.make(envId, n, seed)) {
      float[] obs = env.reset(seed);
      assertFloatsEqual(flatten(ref.get("reset_obs")), obs, envId + " reset");
      for (int t = 0; t < actions.length; t++) {
        StepResult r = env.step(actions[t]);
        JsonNode row = ref.get("steps").get(t);
        String at = envId + " step " + t;
        assertFloatsEqual(flatten(row.get("obs")), r.observations(), at + " observations");
        for (int i = 0; i < n; i++) {
          assertEquals(row.get("rewards").get(i).asDouble(), r.rewards()[i], 0.0, at + " reward " + i);
          assertEquals(row.get("terminated").get(i).asBoolean(), r.terminated()[i], at + " terminated " + i);
          assertEquals(row.get("truncated").get(i).asBoolean(), r.truncated()[i], at + " truncated " + i);
        }
        int[] endedRef = MAPPER.convertValue(row.get("ended"), int[].class);
        assertArrayEquals(endedRef, r.endedIndices(), at + " ended envs");
        assertFloatsEqual(flatten(row.get("final_obs")), r.finalObservations(), at + " final observations");
        for (int k = 0; k < endedRef.length; k++) {
          assertEquals(row.get("episode_returns").get(k).asDouble(), r.episodeReturns()[k], 1e-9, at + " episode return");
          assertEquals(row.get("episode_lengths").get(k).asLong(), r.episodeLengths()[k], at + " episode length");
        }
        endedTotal += endedRef.length;
      }
    }
    return endedTotal;
  }

  private static JsonNode reference(String envId, int n, long seed, double[][] actions) throws Exception {
    ObjectNode spec = MAPPER.createObjectNode();
    spec.put("env_id", envId).put("num_envs", n).put("seed", seed);
    ArrayNode acts = spec.putArray("actions");
    for (double[] row : actions) {
      ArrayNode a = acts.addArray();
      for (double v : row) {
        a.add(v);
      }
    }
    Path home = IsoplastHome.locate();
    Path script = Path.of(ReferenceRolloutTest.class.getResource("/reference_rollout.py").toURI());
    Process p = new ProcessBuilder(IsoplastHome.venvPython(home).toString(), script.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.getOutputStream().write(MAPPER.writeValueAsBytes(spec));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "reference script timed out");
    assertEquals(0, p.exitValue(), "reference script failed: " + out);
    return MAPPER.readTree(out);
  }

  private static double[] flatten(JsonNode rows) {
    int size = 0;
    for (JsonNode r : rows) {
      size += r.size();
    }
    double[] out = new double[size];
    int k = 0;
    for (JsonNode r : rows) {
      for (JsonNode v : r) {
        out[k++] = v.asDouble();
      }
    }
    return out;
  }

  private static void assertFloatsEqual(double[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      // float32 values widen exactly, so equality is exact, not approximate
      assertEquals(expected[i], (double) actual[i], 0.0, what + " [" + i + "]");
    }
  }
}
