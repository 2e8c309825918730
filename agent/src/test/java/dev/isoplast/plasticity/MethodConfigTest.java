package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.config.Part;
import dev.isoplast.config.PartConfig;
import dev.isoplast.config.RecordCodec;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.AdamW;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The method keys: defaults off, round trip, one-line errors, optimizers' own keys, and the order the interventions act in. */
class MethodConfigTest {

  @Test
  void defaultsAreOffAndTheMapRoundTrips() {
    MethodConfig none = MethodConfig.adam(1e-8);
    assertFalse(none.any());
    assertFalse(none.oracle());
    Map<String, Object> m = new LinkedHashMap<>();
    none.putInto(m);
    assertEquals(MethodConfig.keys(), List.copyOf(m.keySet()));
    assertEquals(none, MethodConfig.from(m));
    Map<String, Object> cbp = RedoTest.withKeys(Map.of("cbp_rate", "1e-4", "cbp_maturity", "100"));
    MethodConfig c = MethodConfig.from(cbp);
    assertTrue(c.any());
    assertEquals(1e-4, c.get(ContinualBackprop.PART).cbpRate());
    assertEquals(100, c.get(ContinualBackprop.PART).cbpMaturity());
    assertTrue(MethodConfig.from(RedoTest.withKeys(Map.of("reset_at_phase", "true"))).oracle());
  }

  @Test
  void everyPartIsOffAtItsDefaultsAndRoundTripsThroughItsKeys() {
    for (Part<?> p : Methods.PARTS) {
      Record off = p.off();
      assertFalse(((PartConfig) off).on(), p.name() + " is off at its defaults");
      assertEquals(off, p.read(RecordCodec.toMap(off)), p.name());
      assertEquals(p.keys(), List.copyOf(RecordCodec.toMap(off).keySet()), p.name());
    }
    // the keys are each part's, once: no two parts share one
    List<String> keys = MethodConfig.keys();
    assertEquals(keys.size(), keys.stream().distinct().count(), keys.toString());
  }

  @Test
  void anOptimizersKeysNeedThatOptimizer() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MethodConfig.from(RedoTest.withKeys(Map.of("weight_decay", 1e-2))));
    assertEquals("weight_decay belongs to optimizer adamw; it needs optimizer adamw (got adam)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MethodConfig.from(RedoTest.withKeys(Map.of("optimizer", "nadam"))));
    assertTrue(e.getMessage().startsWith("optimizer must be one of [adam, adamw, adamo, sgd")
        && e.getMessage().endsWith("], got 'nadam'"), e.getMessage());
    MethodConfig w = MethodConfig.from(RedoTest.withKeys(Map.of("optimizer", "adamw", "weight_decay", 1e-2)));
    assertEquals(0.0, w.withOptimizer("adamo").get(AdamW.PART).weightDecay(), "switching clears AdamW's key");
    assertEquals("adamo", w.withOptimizer("adamo").optim().optimizer());
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
          () -> MethodConfig.from(RedoTest.withKeys(e.getKey())), e.getValue());
      assertTrue(ex.getMessage().contains(e.getValue()), ex.getMessage());
      assertFalse(ex.getMessage().contains("\n"), "one line: " + ex.getMessage());
    }
  }

  @Test
  void interventionsActInTheDocumentedOrder() {
    Sequential net = RedoTest.reluNet(1, false);
    Interventions all = MethodConfig.from(RedoTest.withKeys(Map.of("shrink_perturb", "noise", "shrink_p", 0.9,
        "redo_every", 5, "cbp_rate", 1e-4, "reset_every", 7, "orthonormalize_iters", 1))).interventions(Map.of("net", net), 1);
    assertEquals(List.of("shrink_perturb", "cbp", "orthonormalize", "redo", "reset"),
        all.list().stream().map(Intervention::name).toList());
    assertTrue(MethodConfig.adam(1e-8).interventions(Map.of("net", net), 1).isEmpty());
    assertEquals(5L, all.state().getLong("count"));
    assertEquals("cbp", all.state().getTree("1").getString("kind"));
  }
}
