package dev.isoplast.cli;

import dev.isoplast.envs.sidecar.IsoplastHome;
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
 * {@code isoplast demo}: the main job's short form, the study's tuned answer in small. A sweep of
 * Adam, AdamO, Adam on the isometric body, AdamO on it, and spectral regularisation (the strongest
 * existing method there) on Random-Label MNIST as the study runs it (10 tasks of 2,400 digits ×
 * 10 epochs), each method at the setting its tuning selected (results/random-label-mnist-tuned,
 * {@code sweep --selection}), two seeds, two at a time; then the report, whose path and summary
 * table it prints.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Adam vs AdamO vs Adam and AdamO on the isometric body vs spectral regularisation on Random-Label "
        + "MNIST, each at the setting the study's tuning selected (2 seeds, about 2 minutes on two cores once set up), then the "
        + "report (report.html) and its summary table.",
        "Random-Label MNIST: 2,400 digits whose labels are redrawn every task, 10 epochs each; a learner that keeps its "
            + "plasticity fits every new labelling, one that loses it falls towards chance (0.1)."})
final class DemoCommand implements Callable<Integer> {

  /** The methods compared, and the benchmark with the study's settings. */
  static final String METHODS = "adam,adamo,isometric,adamo-isometric,spectral";
  static final String TASK = "random-label-mnist";
  static final List<String> TASK_SETTINGS = List.of("task_examples=2400", "epochs=10");

  /** The tuned sweep whose selected settings the demo runs (in the repository). */
  static final String SELECTION = "results/random-label-mnist-tuned";

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
    Path selection = IsoplastHome.locate().resolve(SELECTION);
    List<String> args = new ArrayList<>(List.of("--task", TASK, "--methods", METHODS, "--seeds", seeds, "--tasks",
        String.valueOf(tasks), "--workers", String.valueOf(workers), "--monitors", "dormancy", "--selection",
        selection.toString(), "--run-dir", dir.toString()));
    List<String> all = new ArrayList<>(TASK_SETTINGS);
    all.addAll(sets);
    for (String s : all) {
      args.add("--set");
      args.add(s);
    }
    if (noProgress) {
      args.add("--no-progress");
    }
    System.err.printf("demo: %s x seeds %s on %s (%d tasks each), at the settings selected in %s -> %s%n", METHODS,
        seeds, TASK, tasks, SELECTION, dir);
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
    System.out.printf("Random-Label MNIST, %d tasks with fresh random labels (%s); training accuracy at each task's "
        + "end (chance 0.1); each method at its tuned setting%n", tasks, String.join(", ", all));
    System.out.printf("%-16s %5s %28s %28s %22s%n", "method", "runs", "IQM over all tasks [95% CI]",
        "IQM of the last task [95% CI]", "P(better than adam)");
    for (Map.Entry<String, Figures.MethodFigures> e : data.figures().entrySet()) {
      Figures.MethodFigures f = e.getValue();
      System.out.printf("%-16s %5d %28s %28s %22s%n", e.getKey(), f.runs(), interval(f.overall()), interval(f.last()),
          Double.isNaN(f.improvement().point()) ? "-" : interval(f.improvement()));
    }
    System.out.println("report: " + html.toAbsolutePath());
    System.out.println("two seeds are a demonstration, not a result: the study (docs/results.md) tunes every method "
        + "and reports 10 held-out seeds.");
    return code;
  }

  private static String interval(StratifiedBootstrap.Interval i) {
    return String.format("%.3f [%.3f, %.3f]", i.point(), i.lower(), i.upper());
  }
}
