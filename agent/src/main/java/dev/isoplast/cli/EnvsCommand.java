package dev.isoplast.cli;

import dev.isoplast.envs.EnvSpec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isoplast envs}: the env ids the server allows, with their spaces and dynamics parameters. */
@Command(name = "envs", mixinStandardHelpOptions = true,
    description = "List the env ids the env server allows, with observation and action spaces.")
final class EnvsCommand implements Callable<Integer> {

  @Mixin
  EnvServerOptions server;

  @Option(names = {"-v", "--verbose"}, description = "Also list constructor kwargs and dynamics parameters with ranges.")
  boolean verbose;

  @Override
  public Integer call() {
    try (EnvServerOptions.Connection c = server.open()) {
      for (EnvSpec s : c.client().listEnvs()) {
        System.out.printf("%-26s obs %s%n%-26s act %s%n", s.envId(), s.observationSpace(), "", s.actionSpace());
        if (verbose) {
          for (EnvSpec.Kwarg k : s.kwargs()) {
            System.out.printf("%-26s kwarg %s: %s  %s%n", "", k.name(), k.type(), k.description());
          }
          for (EnvSpec.Param p : s.dynamics()) {
            System.out.printf("%-26s dynamics %s in [%g, %g], default %g  %s%n", "", p.name(), p.min(), p.max(),
                p.defaultValue(), p.description());
          }
        }
      }
    }
    return 0;
  }
}
