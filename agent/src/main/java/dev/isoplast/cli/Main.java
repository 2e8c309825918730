package dev.isoplast.cli;

import dev.isoplast.envs.remote.EnvException;
import dev.isoplast.envs.sidecar.EnvServerProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code isoplast} command line. The {@code ./isoplast} launcher handles {@code setup},
 * {@code test}, {@code serve} and {@code demo} itself and passes every other word here.
 *
 * <p>Exit codes: 0 success, 1 a failure while running (the message says what), 2 bad usage or
 * bad configuration.
 */
@Command(name = "isoplast", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Continual RL on Gymnasium envs over gRPC, with plasticity monitors and isometry methods.",
    subcommands = {EnvsCommand.class, RolloutCommand.class, TrainCommand.class, ContinualCommand.class,
        SweepCommand.class, ReportCommand.class, ExportCommand.class, MethodsCommand.class, DemoCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {

  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of failures.")
  static boolean debug;

  public static void main(String[] args) {
    dev.isoplast.sweeps.SweepRunner.stopWithSweep();
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this). */
  public static int run(String... args) {
    debug = false; // picocli sets it only when --debug is given: a run in the same JVM must not inherit it
    dev.isoplast.runs.StopSignal.clear();
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      if (ex instanceof dev.isoplast.runs.RunStoppedException) {
        cmd.getErr().println("stopped: " + ex.getMessage());
        return 130; // as a shell reports a run ended by Ctrl-C
      }
      if (debug) {
        ex.printStackTrace(cmd.getErr());
      }
      cmd.getErr().println("error: " + message(ex));
      return isUsageError(ex) ? 2 : 1;
    });
    // bad usage (an unknown option, a value of the wrong type, a missing parameter): one line
    // saying what, and where the options are listed; the usage text only with --debug
    cl.setParameterExceptionHandler((ex, commandArgs) -> {
      CommandLine cmd = ex.getCommandLine();
      if (debug) {
        cmd.usage(cmd.getErr());
      }
      cmd.getErr().println("error: " + ex.getMessage().strip().replace('\n', ' ') + " (`" + cmd.getCommandSpec()
          .qualifiedName(" ") + " --help` lists the options)");
      return 2;
    });
    return cl.execute(args);
  }

  /**
   * Exit code 2: bad usage or configuration, including a request the env server refused as
   * invalid (an env id off its allow-list, an out-of-range dynamics value) before training began.
   */
  static boolean isUsageError(Throwable ex) {
    return ex instanceof IllegalArgumentException || ex instanceof CommandLine.ParameterException
        || ex instanceof EnvException.InvalidArgument;
  }

  static String message(Throwable ex) {
    if (ex instanceof EnvException || ex instanceof EnvServerProcess.EnvServerStartException
        || ex.getCause() == null || isUsageError(ex)
        || (ex.getMessage() != null && ex.getCause().getMessage() != null
            && ex.getMessage().contains(ex.getCause().getMessage()))) {
      return String.valueOf(ex.getMessage()); // (a cause whose message is already in it adds nothing)
    }
    return ex.getMessage() + " (caused by " + ex.getCause() + ")";
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"isoplast " + (v == null ? "dev" : v)};
    }
  }
}
