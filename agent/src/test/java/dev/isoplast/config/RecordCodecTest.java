package dev.isoplast.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one map form of config records: snake_case keys in order, typed and string values, errors naming the key. */
class RecordCodecTest {

  enum Form { EXACT, SKETCHED }

  record Example(double isoCoef, Double isoLr, int l2InitEvery, long totalSteps, boolean resetAtPhase, String mode,
      Form form, List<Integer> hiddenSizes) {
    Example {
      if (isoCoef < 0) {
        throw new IllegalArgumentException("iso_coef must be >= 0, got " + isoCoef);
      }
    }
  }

  @Test
  void keysAreTheComponentsInSnakeCase() {
    assertEquals(List.of("iso_coef", "iso_lr", "l2_init_every", "total_steps", "reset_at_phase", "mode", "form",
        "hidden_sizes"), RecordCodec.keys(Example.class));
    assertEquals("adam_beta1", RecordCodec.snake("adamBeta1"));
  }

  @Test
  void typedAndStringValuesReadTheSame() {
    Example typed = new Example(1e-3, null, 5, 3_000_000_000L, true, "noise", Form.SKETCHED, List.of(64, 64));
    Map<String, Object> m = RecordCodec.toMap(typed);
    assertEquals("sketched", m.get("form"));
    assertEquals(typed, RecordCodec.fromMap(Example.class, m));
    Map<String, Object> strings = new LinkedHashMap<>(Map.of("iso_coef", "0.001", "iso_lr", "null",
        "l2_init_every", "5", "total_steps", "3e9", "reset_at_phase", "yes", "mode", " Noise ", "form", "SKETCHED",
        "hidden_sizes", "64,64"));
    assertEquals(typed, RecordCodec.fromMap(Example.class, strings));
    strings.put("iso_lr", "0.5");
    assertEquals(0.5, RecordCodec.fromMap(Example.class, strings).isoLr());
    assertNull(RecordCodec.with(typed, Map.of("iso_lr", "~", "unrelated", 1)).isoLr());
    assertEquals(7, RecordCodec.with(typed, Map.of("l2_init_every", 7)).l2InitEvery());
  }

  @Test
  void errorsNameTheKeyOnOneLine() {
    Map<String, Object> m = RecordCodec.toMap(new Example(0, null, 1, 1, false, "x", Form.EXACT, List.of(1)));
    for (Map.Entry<Map<String, Object>, String> e : Map.<Map<String, Object>, String>of(
        Map.of("iso_coef", "-1"), "iso_coef must be >= 0, got -1.0",
        Map.of("iso_coef", "a lot"), "iso_coef must be a number, got 'a lot'",
        Map.of("l2_init_every", 1.5), "l2_init_every must be an integer, got '1.5'",
        Map.of("reset_at_phase", "maybe"), "reset_at_phase must be true or false, got 'maybe'",
        Map.of("form", "fast"), "form must be one of [exact, sketched], got 'fast'").entrySet()) {
      Map<String, Object> bad = new LinkedHashMap<>(m);
      bad.putAll(e.getKey());
      assertEquals(e.getValue(), assertThrows(IllegalArgumentException.class,
          () -> RecordCodec.fromMap(Example.class, bad)).getMessage());
    }
    Map<String, Object> missing = new LinkedHashMap<>(m);
    missing.remove("mode");
    assertEquals("mode must be given", assertThrows(IllegalArgumentException.class,
        () -> RecordCodec.fromMap(Example.class, missing)).getMessage());
  }
}
