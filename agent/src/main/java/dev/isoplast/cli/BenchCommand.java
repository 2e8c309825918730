package dev.isoplast.cli;

import picocli.CommandLine.Command;

/** {@code isoplast bench ...}: benchmark commands that print figures (speed goals live here, not in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures as JSON or a table.",
    subcommands = {BenchEnvCommand.class, BenchOptimCommand.class, BenchMonitorsCommand.class,
        BenchContinualCommand.class})
final class BenchCommand {}
