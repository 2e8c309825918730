package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.Sequential;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The intervention keys: defaults off, round trip, one-line errors, and the order the interventions act in. */
class InterventionConfigTest {

  @Test
  void defaultsAreOffAndTheMapRoundTrips() {
    InterventionConfig none = InterventionConfig.none();
    assertFalse(none.any());
    assertFalse(none.oracle());
    Map<String, Object> m = new LinkedHashMap<>();
    none.putInto(m);
    assertEquals(InterventionConfig.KEYS, List.copyOf(m.keySet()));
    assertEquals(none, InterventionConfig.from(m));
    Map<String, Object> cbp = RedoTest.withKeys(Map.of("cbp_rate", "1e-4", "cbp_maturity", "100"));
    InterventionConfig c = InterventionConfig.from(cbp);
    assertTrue(c.any());
    assertEquals(1e-4, c.cbpRate());
    assertTrue(InterventionConfig.from(RedoTest.withKeys(Map.of("reset_at_phase", "true"))).oracle());
  }

  @Test
  void badValuesGetOneLineNamingTheKey() {
    for (Map.Entry<Map<String, Object>, String> e : Map.<Map<String, Object>, String>of(
        Map.of("shrink_perturb", "sometimes"), "shrink_perturb must be one of",
        Map.of("shrink_p", 0.5), "need shrink_perturb=noise or fresh",
        Map.of("shrink_perturb", "fresh", "shrink_p", 0.5, "perturb_sigma", 0.1), "perturb_sigma is the noise form's",
        Map.of("shrink_perturb", "noise", "shrink_p", 1.5), "shrink_p must be in (0, 1]",
        Map.of("redo_tau", 2), "redo_tau must be in [0, 1]",
        Map.of("redo_every", -1), "redo_every must be >= 0",
        Map.of("cbp_rate", 1), "cbp_rate must be in [0, 1)",
        Map.of("orthonormalize_beta", 0), "orthonormalize_beta must be in (0, 1]",
        Map.of("reset_layers", "two"), "reset_layers must be a number").entrySet()) {
      IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
          () -> InterventionConfig.from(RedoTest.withKeys(e.getKey())), e.getValue());
      assertTrue(ex.getMessage().contains(e.getValue()), ex.getMessage());
      assertFalse(ex.getMessage().contains("\n"), "one line: " + ex.getMessage());
    }
  }

  @Test
  void interventionsActInTheDocumentedOrder() {
    Sequential net = RedoTest.reluNet(1, false);
    Interventions all = InterventionConfig.from(RedoTest.withKeys(Map.of("shrink_perturb", "noise", "shrink_p", 0.9,
        "redo_every", 5, "cbp_rate", 1e-4, "reset_every", 7, "orthonormalize_iters", 1))).build(Map.of("net", net), 1);
    assertEquals(List.of("shrink_perturb", "cbp", "orthonormalize", "redo", "reset"),
        all.list().stream().map(Intervention::name).toList());
    assertTrue(InterventionConfig.none().build(Map.of("net", net), 1).isEmpty());
    assertEquals(5L, all.state().getLong("count"));
    assertEquals("cbp", all.state().getTree("1").getString("kind"));
  }
}
