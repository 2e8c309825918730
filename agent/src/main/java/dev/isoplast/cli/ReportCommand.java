package dev.isoplast.cli;

import dev.isoplast.report.Report;
import dev.isoplast.report.StratifiedBootstrap;
import dev.isoplast.report.StudyTable;
import dev.isoplast.report.SweepResults;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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

  @Option(names = "--markdown", description = "Also write DIR/results.md and print it: per method the IQM of the late phases or tasks (the last 20%%) and of all of them with 95%% CIs, P(adamo better), and the monitors over the late stretch (the study's table, docs/results.md).")
  boolean markdown;

  @Override
  public Integer call() {
    System.setProperty("java.awt.headless", "true"); // plots are drawn off-screen
    SweepResults results = SweepResults.load(dir);
    Report.Data data = Report.compute(results, StratifiedBootstrap.withSeed(0));
    Path html = Report.write(data, dir);
    if (markdown) {
      String md = StudyTable.markdown(data, StudyTable.compute(data, StratifiedBootstrap.withSeed(0)));
      try {
        java.nio.file.Files.writeString(dir.resolve("results.md"), md);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot write " + dir.resolve("results.md") + ": " + e.getMessage(), e);
      }
      System.out.print(md);
    }
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
