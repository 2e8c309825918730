package dev.isoplast.plasticity;

import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The method registry: the design's 16 presets (and any added since), their per-learner values, and a clear error for an unknown name. */
class MethodsTest {

  @Test
  void theSixteenPresetsOfTheDesign() {
    List<String> design = List.of("adam", "adamw", "l2", "l2-init", "shrink-perturb", "redo", "cbp", "parseval",
        "spectral", "layernorm", "layernorm-wd", "reset", "isometric", "isometric-constrained", "adamo",
        "adamo-isometric");
    assertTrue(Methods.names().containsAll(design), Methods.names().toString());
    assertEquals(Methods.names().size(), Methods.names().stream().distinct().count());
    for (MethodPreset p : Methods.all()) {
      assertTrue(!p.summary().isBlank() && !p.rule().isBlank() && !p.source().isBlank(), p.name());
      for (String kind : MethodPreset.KINDS) {
        assertTrue(p.overrides(kind).containsKey("optimizer"), p.name() + " names its optimizer for " + kind);
      }
    }
  }

  @Test
  void learnerKindsGetTheirOwnScheduleFromTheSources() {
    assertEquals(10, Methods.get("redo").overrides("ppo").get("redo_every"), "10 PPO iterations");
    assertEquals(1000, Methods.get("redo").overrides("dqn").get("redo_every"), "1000 gradient steps");
    assertEquals(0.025, Methods.get("redo").overrides("dqn").get("redo_tau"));
    assertEquals(100, Methods.get("cbp").overrides("supervised").get("cbp_maturity"));
    assertEquals(10_000, Methods.get("cbp").overrides("ppo").get("cbp_maturity"));
    Map<String, Object> adamoIso = Methods.get("adamo-isometric").overrides("ppo");
    assertEquals(Map.of("optimizer", "adamo", "iso_coef", 1e-3, "body", "isometric"), adamoIso);
    assertEquals(2, Methods.get("isometric-constrained").overrides("dqn").get("orthonormalize_iters"));
  }

  @Test
  void anUnknownNameListsTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Methods.get("dropout"));
    assertTrue(e.getMessage().contains("unknown method 'dropout'") && e.getMessage().contains("adamo-isometric"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Methods.get("adam").overrides("sac"));
  }
}
