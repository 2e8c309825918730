package dev.isoplast.cli;

import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.plasticity.Methods;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code isoplast methods}: the method presets, one line each; {@code methods show NAME}: one whole recipe. */
@Command(name = "methods", mixinStandardHelpOptions = true,
    description = {"List the plasticity method presets (use one with `train --method NAME`).",
        "Each is a whole recipe: body, optimizer, regularizer and intervention with the hyper-parameters of its "
            + "source; `methods show NAME` prints it. Update rules and sources: docs/methods.md."},
    subcommands = MethodsCommand.Show.class)
final class MethodsCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    int width = Methods.names().stream().mapToInt(String::length).max().orElse(10);
    for (MethodPreset p : Methods.all()) {
      System.out.printf("%-" + width + "s  %s%n", p.name(), p.summary());
    }
    return 0;
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print one preset: its update rule, its source, the config keys it sets for each learner, and "
          + "its knob's grid for `sweep --tune` with where the range comes from.")
  static final class Show implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", description = "A preset name (see `isoplast methods`).")
    String name;

    @Override
    public Integer call() {
      MethodPreset p = Methods.get(name);
      System.out.println(p.name() + ": " + p.summary());
      System.out.println("  rule:   " + p.rule());
      System.out.println("  source: " + p.source());
      System.out.println("  sets (train --method " + p.name() + "; --set KEY=VALUE goes on top):");
      for (String kind : MethodPreset.KINDS) {
        System.out.println("    " + kind + ": " + format(p.overrides(kind)));
      }
      Knob k = p.knob();
      System.out.println("  tuning grid (sweep --tune; " + Knob.SIZE + " settings for every method): " + k.key());
      boolean same = MethodPreset.KINDS.stream().map(k::values).distinct().count() == 1;
      for (String kind : same ? List.of("every learner") : MethodPreset.KINDS) {
        String of = same ? MethodPreset.KINDS.get(0) : kind;
        System.out.println("    " + kind + ": " + String.join(", ", k.formatted(of)));
      }
      System.out.println("    source: " + k.source());
      return 0;
    }

    private static String format(Map<String, Object> m) {
      StringBuilder b = new StringBuilder();
      m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v));
      return b.toString();
    }
  }
}
