package dev.isoplast.cli;

import dev.isoplast.report.Report;
import dev.isoplast.report.StratifiedBootstrap;
import dev.isoplast.report.SweepResults;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code isoplast report DIR}: report.html with PNG plots for a sweep directory (its shards'
 * indexes merged), a run directory or a directory of run directories (docs/sweeps.md says what it
 * shows and how it computes it).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Write DIR/report.html and DIR/plots/*.png for a sweep directory (sweep.json, or the "
        + "sweep.shard-i-of-N.json files of its shards, merged), a run directory or a directory of run directories: "
        + "curves per method (mean over seeds, 95%% band), per-phase IQM with 95%% stratified-bootstrap CIs, "
        + "plasticity ratio, monitors, and a table of the final figures with the command lines that made them. The "
        + "page opens from file:// (no server, no network)."})
final class ReportCommand implements Callable<Integer> {

  @Parameters(paramLabel = "DIR", description = "A sweep directory, a run directory, or a directory of run directories.")
  Path dir;

  @Override
  public Integer call() {
    System.setProperty("java.awt.headless", "true"); // plots are drawn off-screen
    SweepResults results = SweepResults.load(dir);
    Report.Data data = Report.compute(results, StratifiedBootstrap.withSeed(0));
    Path html = Report.write(data, dir);
    long completed = data.runs().stream().filter(r -> r.completed()).count();
    System.out.printf("report: %d runs (%d completed), %d methods -> %s%n", data.runs().size(), completed,
        data.methods().size(), html);
    if (!data.notes().isEmpty()) {
      System.out.println("report: " + data.notes().size() + " note" + (data.notes().size() > 1 ? "s" : "")
          + " on runs not counted or damaged (listed at the top of the page)");
    }
    return 0;
  }
}
