package dev.isoplast.plasticity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** docs/methods.md lists every preset of the registry with its rule and source, as the registry says them. */
class MethodsDocTest {

  @Test
  void theMethodsTableMatchesTheRegistry() throws IOException {
    String doc = Files.readString(IsoplastHome.locate().resolve("docs/methods.md"));
    for (MethodPreset p : Methods.all()) {
      String row = "| `" + p.name() + "` | " + p.rule().replace("|", "\\|") + " | ";
      assertTrue(doc.contains(row), "docs/methods.md lacks the row of " + p.name() + ": " + row);
      assertTrue(doc.contains(p.source().replace("|", "\\|")), "docs/methods.md lacks the source of " + p.name());
    }
  }
}
