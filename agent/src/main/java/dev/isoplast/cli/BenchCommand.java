package dev.isoplast.cli;

import picocli.CommandLine.Command;

/** {@code isoplast bench ...}: benchmark commands that print figures (speed goals live here, not in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures as JSON or a table.",
    footer = {"", "vs-torch: isoplast beside plain PyTorch loops of the same shape (continual, PPO, DQN), timed "
        + "interleaved. A Python driver (bench/vs_torch.py) that the launcher runs, not a Java command:",
        "  ./isoplast bench vs-torch --help"},
    subcommands = {BenchEnvCommand.class, BenchOptimCommand.class, BenchMonitorsCommand.class,
        BenchContinualCommand.class, BenchSoakCommand.class})
final class BenchCommand {}
