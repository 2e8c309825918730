package dev.isoplast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The layout is the architecture (DESIGN.md §1): the agent's packages, measured by the JDK's own
 * {@code jdeps} on the compiled classes, form no import cycle, and every import points down the
 * documented order of layers.
 */
class ArchitectureTest {

  /** The layers from the bottom up; a package may import its own layer's packages and lower ones'. */
  private static final List<List<String>> LAYERS = List.of(
      List.of("config"),
      List.of("linalg"),
      List.of("nn"),
      List.of("optim"),
      List.of("monitor"),
      List.of("plasticity"),
      List.of("agents"),
      List.of("continual"),
      List.of("runs"),
      List.of("sweeps"),
      List.of("report", "export"),
      List.of("cli"));

  /** Package → the agent packages it imports, from jdeps. */
  static Map<String, Set<String>> imports() throws Exception {
    Path classes = Path.of(dev.isoplast.config.Snapshot.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI());
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none",
        classes.toString());
    assertEquals(0, rc, err.toString());
    Map<String, Set<String>> g = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && f[1].equals("->") && f[0].startsWith("dev.isoplast.") && f[2].startsWith("dev.isoplast.")
          && !f[0].equals(f[2]) && inAgent(f[0]) && inAgent(f[2])) {
        g.computeIfAbsent(f[0], k -> new TreeSet<>()).add(f[2]);
      }
    }
    return g;
  }

  private static boolean inAgent(String pkg) {
    return layer(pkg) >= 0;
  }

  private static String group(String pkg) {
    String rest = pkg.substring("dev.isoplast.".length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  private static int layer(String pkg) {
    if (!pkg.startsWith("dev.isoplast.")) {
      return -1;
    }
    for (int i = 0; i < LAYERS.size(); i++) {
      if (LAYERS.get(i).contains(group(pkg))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void importsPointDownAndFormNoCycle() throws Exception {
    Map<String, Set<String>> g = imports();
    assertTrue(g.containsKey("dev.isoplast.cli") && g.get("dev.isoplast.cli").contains("dev.isoplast.runs"),
        "jdeps saw the packages: " + g.keySet());
    List<String> up = new ArrayList<>();
    g.forEach((from, tos) -> tos.forEach(to -> {
      int a = layer(from);
      int b = layer(to);
      if (b > a || (b == a && !group(from).equals(group(to)))) {
        up.add(from + " -> " + to);
      }
    }));
    assertEquals(List.of(), up, "imports that point up or sideways (DESIGN.md §1)");
    assertEquals(List.of(), cycles(g), "import cycles between packages");
  }

  /** The strongly connected components of more than one package (Tarjan). */
  static List<List<String>> cycles(Map<String, Set<String>> g) {
    Map<String, Integer> index = new LinkedHashMap<>();
    Map<String, Integer> low = new LinkedHashMap<>();
    List<String> stack = new ArrayList<>();
    List<List<String>> out = new ArrayList<>();
    for (String v : g.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, g, index, low, stack, out);
      }
    }
    return out;
  }

  private static void connect(String v, Map<String, Set<String>> g, Map<String, Integer> index,
      Map<String, Integer> low, List<String> stack, List<List<String>> out) {
    index.put(v, index.size());
    low.put(v, index.get(v));
    stack.add(v);
    for (String w : g.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, g, index, low, stack, out);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (stack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      List<String> comp = new ArrayList<>();
      String w;
      do {
        w = stack.remove(stack.size() - 1);
        comp.add(w);
      } while (!w.equals(v));
      if (comp.size() > 1) {
        out.add(comp);
      }
    }
  }

  @Test
  void tarjanFindsACycleWhenThereIsOne() {
    Map<String, Set<String>> g = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"),
        "d", Set.of("a")));
    List<List<String>> c = cycles(g);
    assertEquals(1, c.size());
    assertEquals(Set.of("a", "b", "c"), new TreeSet<>(c.get(0)));
  }
}
