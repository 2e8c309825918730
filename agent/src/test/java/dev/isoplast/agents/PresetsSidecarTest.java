package dev.isoplast.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.dqn.Dqn;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.config.Part;
import dev.isoplast.config.PartConfig;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.plasticity.Intervention;
import dev.isoplast.plasticity.InterventionPart;
import dev.isoplast.plasticity.MethodConfig;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every method preset builds and trains: 2 PPO updates and 2 DQN gradient steps on CartPole through
 * the real sidecar, and 3 supervised gradient steps; each learner holds the interventions the preset
 * turns on and its optimizer is the preset's.
 */
class PresetsSidecarTest {

  /** The names of the interventions {@code c} turns on, in registry order. */
  private static List<String> interventions(MethodConfig c) {
    List<String> out = new ArrayList<>();
    for (Part<?> p : Methods.PARTS) {
      if (p instanceof InterventionPart<?> && ((PartConfig) c.parts().get(p.name())).on()) {
        out.add(p.name());
      }
    }
    return out;
  }

  private static AgentConfig config(MethodPreset preset, String algo, Map<String, Object> extra) {
    Map<String, Object> m = new LinkedHashMap<>(preset.overrides(algo));
    m.putAll(extra);
    return dev.isoplast.runs.Learners.resolve(algo, new Discrete(2, 0), m);
  }

  @Test
  void everyPresetRunsTwoPpoUpdatesAndTwoDqnGradientSteps() {
    for (MethodPreset preset : Methods.all()) {
      AgentConfig ppo = config(preset, "ppo", Map.of("num_steps", 32));
      AgentConfig dqn = config(preset, "dqn", Map.of("learning_starts", 16, "train_frequency", 1, "buffer_size", 500,
          "batch_size", 16));
      for (AgentConfig c : List.of(ppo, dqn)) {
        List<String> expected = interventions(c.methods());
        try (VectorEnv env = Sidecar.client().make("CartPole-v1", c.numEnvs(), 3)) {
          Agent agent = c.build(env, 3);
          assertEquals(expected, agent.interventions().list().stream().map(Intervention::name).toList(),
              preset.name() + " " + c.algo());
          RecordingSink rows = new RecordingSink();
          if (c.algo().equals("ppo")) {
            agent.train(2 * 4 * 32, rows, List.of());
            assertEquals(2, agent.updates(), preset.name() + " ppo updates");
            for (Map<String, Double> r : rows.rows) {
              r.values().forEach(v -> assertTrue(Double.isFinite(v), preset.name() + ": " + r));
            }
            if (preset.name().equals("redo")) {
              assertTrue(rows.names().contains("plasticity/redo_recycled"), rows.names().toString());
            }
          } else {
            agent.train(19, rows, List.of());
            assertEquals(2, ((Dqn) agent).gradientSteps(), preset.name() + " dqn gradient steps");
          }
          assertTrue(agent.optimizer().stepCount() > 0, preset.name());
          assertEquals(c.methods().optim().optimizer(), agent.optimizer().kind(), preset.name());
        }
      }
    }
  }

  @Test
  void everyPresetTakesThreeSupervisedSteps() {
    SplittableRandom rng = new SplittableRandom(5);
    int in = 6;
    int b = 8;
    float[] x = new float[b * in];
    int[] y = new int[b];
    for (MethodPreset preset : Methods.all()) {
      Map<String, Object> m = new LinkedHashMap<>(preset.overrides("supervised"));
      m.put("hidden_sizes", "16,16");
      SupervisedConfig c = SupervisedConfig.fromMap(SupervisedConfig.small(), m);
      SupervisedLearner learner = new SupervisedLearner(c, in, 3, 7);
      assertEquals(interventions(c.methods()), learner.interventions().list().stream().map(Intervention::name)
          .toList(), preset.name());
      for (int step = 0; step < 3; step++) {
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < b; i++) {
          y[i] = rng.nextInt(3);
        }
        learner.step(x, y, b);
        assertTrue(Double.isFinite(learner.lastLoss()), preset.name() + " loss " + learner.lastLoss());
      }
      assertEquals(3, learner.optimizer().stepCount(), preset.name());
      assertEquals(c.methods().optim().optimizer(), learner.optimizer().kind(), preset.name());
    }
  }
}
