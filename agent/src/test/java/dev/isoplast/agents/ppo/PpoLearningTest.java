package dev.isoplast.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.TrainResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A broken update cannot pass this: CleanRL's defaults must learn CartPole within a small budget. */
class PpoLearningTest {

  @Test
  void cartPoleLearnsWithCleanRlDefaults() {
    long t0 = System.nanoTime();
    TrainResult r = PpoSidecarTest.run("CartPole-v1", PpoConfig.defaults(), 1, 60_000, new dev.isoplast.testing.RecordingSink(),
        List.of());
    double mean = r.meanLastReturns(20);
    System.out.printf("PPO CartPole-v1 seed 1: %d steps, %d episodes, mean return (last 20) %.1f, SPS %.0f, %.1f s%n",
        r.globalSteps(), r.episodeReturns().size(), mean, r.sps(), (System.nanoTime() - t0) / 1e9);
    assertTrue(mean >= 150, "mean return over the last 20 episodes " + mean + " < 150");
  }
}
