package dev.isoplast.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.dqn.Dqn;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.plasticity.Intervention;
import dev.isoplast.plasticity.MethodPreset;
import dev.isoplast.plasticity.Methods;
import dev.isoplast.testing.RecordingSink;
import dev.isoplast.testing.Sidecar;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every method preset builds and trains: 2 PPO updates and 2 DQN gradient steps on CartPole through the real sidecar. */
class PresetsSidecarTest {

  private static final Map<String, String> INTERVENTION = Map.of("shrink-perturb", "shrink_perturb", "redo", "redo",
      "cbp", "cbp", "reset", "reset", "isometric-constrained", "orthonormalize");

  private static AgentConfig config(MethodPreset preset, String algo, Map<String, Object> extra) {
    Map<String, Object> m = new LinkedHashMap<>(preset.overrides(algo));
    m.putAll(extra);
    return AgentConfig.resolve(algo, new Discrete(2, 0), m);
  }

  @Test
  void everyPresetRunsTwoPpoUpdatesAndTwoDqnGradientSteps() {
    for (MethodPreset preset : Methods.all()) {
      AgentConfig ppo = config(preset, "ppo", Map.of("num_steps", 32));
      AgentConfig dqn = config(preset, "dqn", Map.of("learning_starts", 16, "train_frequency", 1, "buffer_size", 500,
          "batch_size", 16));
      for (AgentConfig c : List.of(ppo, dqn)) {
        List<String> expected = INTERVENTION.containsKey(preset.name()) ? List.of(INTERVENTION.get(preset.name()))
            : List.of();
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
        }
      }
    }
  }
}
