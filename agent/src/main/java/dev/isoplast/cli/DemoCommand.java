package dev.isoplast.cli;

import dev.isoplast.report.Figures;
import dev.isoplast.report.Report;
import dev.isoplast.report.StratifiedBootstrap;
import dev.isoplast.report.SweepResults;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code isoplast demo}: the main job's short form. A sweep of Adam, AdamO, AdamO on an isometric
 * body and the strongest baseline (LayerNorm) on Random-Label MNIST, the benchmark that shows
 * plasticity loss most clearly at this budget (Adam falls from ≈ 0.95 training accuracy on its
 * first labelling to chance within ten tasks; docs/results.md), two seeds, two at a time; then the
 * report, whose path and summary table it prints.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Adam vs AdamO vs AdamO + isometric body vs LayerNorm on Random-Label MNIST (2 seeds, about "
        + "5 minutes on two cores), then the report (report.html) and its summary table.",
        "Random-Label MNIST: 1,200 digits whose labels are redrawn every task; a learner that keeps its plasticity "
            + "memorises every new labelling, one that loses it falls to chance (0.1)."})
final class DemoCommand implements Callable<Integer> {

  /** The methods compared, and the benchmark. */
  static final String METHODS = "adam,adamo,adamo-isometric,layernorm";
  static final String TASK = "random-label-mnist";

  @Option(names = "--seeds", defaultValue = "1-2", description = "Seeds (default: ${DEFAULT-VALUE}).")
  String seeds;

  @Option(names = "--tasks", defaultValue = "10", description = "Tasks per run (default: ${DEFAULT-VALUE}).")
  int tasks;

  @Option(names = "--workers", defaultValue = "2", description = "Runs at once (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A learner or task key for every run (e.g. task_examples=600 for a quicker demo).")
  List<String> sets = new ArrayList<>();

  @Option(names = "--runs-dir", paramLabel = "DIR", description = "The sweep directory (default: runs/demo__<epochSeconds>); an existing one is resumed.")
  Path runsDir;

  @Option(names = "--no-progress", description = "No progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    Path dir = runsDir != null ? runsDir : Path.of("runs", "demo__" + System.currentTimeMillis() / 1000);
    List<String> args = new ArrayList<>(List.of("--task", TASK, "--methods", METHODS, "--seeds", seeds, "--tasks",
        String.valueOf(tasks), "--workers", String.valueOf(workers), "--monitors", "dormancy", "--run-dir",
        dir.toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    if (noProgress) {
      args.add("--no-progress");
    }
    System.err.printf("demo: %s x seeds %s on %s (%d tasks each) -> %s%n", METHODS, seeds, TASK, tasks, dir);
    CommandLine sweep = new CommandLine(new SweepCommand());
    sweep.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      throw ex;
    });
    int code = sweep.execute(args.toArray(String[]::new));
    if (code == 2) {
      return 2;
    }
    System.setProperty("java.awt.headless", "true");
    Report.Data data = Report.compute(SweepResults.load(dir), StratifiedBootstrap.withSeed(0));
    Path html = Report.write(data, dir);
    System.out.println();
    System.out.printf("Random-Label MNIST, %d tasks of 1,200 digits with fresh random labels; training accuracy at "
        + "each task's end (chance 0.1)%n", tasks);
    System.out.printf("%-16s %5s %28s %28s %22s%n", "method", "runs", "IQM over all tasks [95% CI]",
        "IQM of the last task [95% CI]", "P(better than adam)");
    for (Map.Entry<String, Figures.MethodFigures> e : data.figures().entrySet()) {
      Figures.MethodFigures f = e.getValue();
      System.out.printf("%-16s %5d %28s %28s %22s%n", e.getKey(), f.runs(), interval(f.overall()), interval(f.last()),
          Double.isNaN(f.improvement().point()) ? "-" : interval(f.improvement()));
    }
    System.out.println("report: " + html.toAbsolutePath());
    System.out.println("two seeds are a demonstration, not a result: the study (docs/results.md) uses more.");
    return code;
  }

  private static String interval(StratifiedBootstrap.Interval i) {
    return String.format("%.3f [%.3f, %.3f]", i.point(), i.lower(), i.upper());
  }
}
