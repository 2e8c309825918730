package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigOverridesTest {

  @TempDir
  Path tmp;

  @Test
  void setOverridesTheFileAndParsesYamlScalars() throws Exception {
    Path f = tmp.resolve("c.yaml");
    Files.writeString(f, "gae_lambda: 0.95\nnum_envs: 4\n");
    Map<String, Object> m = ConfigOverrides.load(f, List.of("gae-lambda=0.9", "anneal_lr=false", "hidden_sizes=[32, 32]",
        "optimizer=adamo"));
    assertEquals(0.9, ((Number) m.get("gae_lambda")).doubleValue());
    assertEquals(4, ((Number) m.get("num_envs")).intValue());
    assertEquals(false, m.get("anneal_lr"));
    assertEquals(List.of(32, 32), m.get("hidden_sizes"));
    assertEquals("adamo", m.get("optimizer"));
  }

  @Test
  void badInputsSayWhatIsWrong() throws Exception {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigOverrides.load(tmp.resolve("none.yaml"), List.of()))
        .getMessage().contains("does not exist"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigOverrides.load(null, List.of("novalue")))
        .getMessage().contains("key=value"));
    Path f = tmp.resolve("list.yaml");
    Files.writeString(f, "- a\n- b\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigOverrides.load(f, List.of()))
        .getMessage().contains("not a YAML mapping"));
  }
}
