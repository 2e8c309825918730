package dev.isoplast.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.dqn.Dqn;
import dev.isoplast.agents.dqn.DqnConfig;
import dev.isoplast.agents.ppo.Ppo;
import dev.isoplast.agents.ppo.PpoConfig;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** Evaluation during training through the real sidecar: it is logged and leaves training unchanged. */
class EvalCallbackSidecarTest {

  private static RecordingSink run(BiFunction<VectorEnv, Long, Agent> make, int numEnvs, long steps, boolean evaluate) {
    RecordingSink rows = new RecordingSink();
    try (VectorEnv env = Sidecar.client().make("CartPole-v1", numEnvs, 3);
        VectorEnv evalEnv = Sidecar.client().make("CartPole-v1", 2, 99)) {
      Agent agent = make.apply(env, 3L);
      List<Callback> cbs = new ArrayList<>();
      if (evaluate) {
        cbs.add(new EvalCallback(agent, evalEnv, 3, 400, 99, rows));
      }
      agent.train(steps, rows, cbs);
    }
    return rows;
  }

  private static void check(BiFunction<VectorEnv, Long, Agent> make, int numEnvs, long steps) {
    RecordingSink plain = run(make, numEnvs, steps, false);
    RecordingSink withEval = run(make, numEnvs, steps, true);
    String eval = "eval/episodic_return";
    assertEquals(plain.deterministicRows(), withEval.deterministicRows(null, eval),
        "evaluating must not change the training run");
    assertTrue(plain.rows.size() > 10);
    List<Long> evalSteps = withEval.stepsOf(eval);
    List<Double> evalReturns = withEval.values(eval);
    // every 400 env steps: the first vector step at or past 400, 800, ...
    assertEquals(steps / 400, evalSteps.size(), evalSteps.toString());
    for (int k = 0; k < evalSteps.size(); k++) {
      long s = evalSteps.get(k);
      assertTrue(s >= 400L * (k + 1) && s < 400L * (k + 1) + numEnvs, "eval at " + s);
      double ret = evalReturns.get(k);
      assertTrue(ret >= 8 && ret <= 500, "a CartPole return: " + ret);
    }
  }

  @Test
  void ppoEvaluationIsLoggedAndDoesNotDisturbTraining() {
    check((env, seed) -> new Ppo(PpoConfig.defaults(), env, seed), 4, 1536);
  }

  @Test
  void dqnEvaluationIsLoggedAndDoesNotDisturbTraining() {
    check((env, seed) -> new Dqn(DqnConfig.defaults().withLearningStarts(200).with("buffer_size", 1000), env, seed),
        1, 1200);
  }
}
