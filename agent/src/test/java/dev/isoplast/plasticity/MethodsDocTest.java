package dev.isoplast.plasticity;

import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/methods.md lists every preset of the registry with its rule and source, and its tuning grid
 * with the range's source, as the registry says them.
 */
class MethodsDocTest {

  @Test
  void theMethodsTableMatchesTheRegistry() throws IOException {
    String doc = Files.readString(IsoplastHome.locate().resolve("docs/methods.md"));
    for (MethodPreset p : Methods.all()) {
      String row = "| `" + p.name() + "` | " + p.rule().replace("|", "\\|") + " | ";
      assertTrue(doc.contains(row), "docs/methods.md lacks the row of " + p.name() + ": " + row);
      assertTrue(doc.contains(p.source().replace("|", "\\|")), "docs/methods.md lacks the source of " + p.name());
      // the tuning grids' table: the method in a row with its knob, the grid's values and the range's source
      Knob k = p.knob();
      String grid = doc.lines().filter(l -> l.startsWith("| ") && l.contains("`" + p.name() + "`")
          && l.contains("| `" + k.key() + "` |")).findFirst().orElse("");
      assertTrue(grid.contains(" " + k.source() + " |"), "docs/methods.md lacks the tuning grid of " + p.name());
      for (String kind : MethodPreset.KINDS) {
        List<String> v = k.formatted(kind);
        assertTrue(grid.contains(v.get(0)) && grid.contains(v.get(v.size() - 1)), p.name() + " " + kind + ": " + grid);
      }
    }
  }
}
