package dev.isoplast.cli;

import dev.isoplast.report.Report;
import dev.isoplast.report.ResultsExport;
import dev.isoplast.report.Sensitivity;
import dev.isoplast.report.StratifiedBootstrap;
import dev.isoplast.report.StudyTable;
import dev.isoplast.report.SweepResults;
import dev.isoplast.sweeps.SweepIndex;
import dev.isoplast.sweeps.TuningPlan;
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
        + "curves per method (mean over seeds, 95%% band), per-phase IQM with 95%% CIs from resampling whole runs, "
        + "plasticity ratio, monitors, and a table of the final figures with the command lines that made them. The "
        + "page opens from file:// (no server, no network).",
        "For a tuned sweep (sweep --tune): the held-out runs are compared, the selection is named and the tuning "
            + "runs give a sensitivity plot per knob (score against the knob's values, IQM and 95%% CI)."})
final class ReportCommand implements Callable<Integer> {

  @Parameters(paramLabel = "DIR", description = "A sweep directory, a run directory, or a directory of run directories.")
  Path dir;

  @Option(names = "--markdown", description = "Also write DIR/results.md and print it: per method the IQM of the late phases or tasks (the last 20%%) and of all of them with 95%% CIs, P(adamo better), and the monitors over the late stretch (the study's table, docs/results.md); for a tuned sweep, the selection after it.")
  boolean markdown;

  @Option(names = "--export", paramLabel = "OUT", description = "Also copy the sweep into OUT small enough to commit (results/ in the repository): its index, each run's config.yaml, command.txt, summary.json and only the metric rows the report reads (metrics.jsonl.gz); 'report OUT' regenerates the same page and tables. Checkpoints, event files and logs stay behind.")
  Path export;

  @Override
  public Integer call() {
    System.setProperty("java.awt.headless", "true"); // plots are drawn off-screen
    Sensitivity.Data tuning = null;
    SweepResults results;
    if (Sensitivity.isTuned(dir)) { // sweep --tune: the held-out runs are compared, the tuning runs plotted
      Path heldout = dir.resolve(TuningPlan.HELDOUT_DIR);
      if (SweepIndex.readMerged(heldout) == null) {
        throw new IllegalArgumentException(dir + " is a tuned sweep whose held-out stage has not started (no "
            + heldout.resolve(SweepIndex.FILE) + "): finish the sweep first (repeat its command)");
      }
      tuning = Sensitivity.compute(dir, StratifiedBootstrap.withSeed(0));
      results = SweepResults.load(heldout);
    } else {
      results = SweepResults.load(dir);
    }
    Report.Data data = Report.compute(results, StratifiedBootstrap.withSeed(0));
    Path html = Report.write(data, dir, tuning);
    if (markdown) {
      String md = StudyTable.markdown(data, StudyTable.compute(data, StratifiedBootstrap.withSeed(0)));
      if (tuning != null) {
        md += Sensitivity.markdown(tuning, dev.isoplast.report.Selection.read(dir));
      }
      try {
        java.nio.file.Files.writeString(dir.resolve("results.md"), md);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot write " + dir.resolve("results.md") + ": " + e.getMessage(), e);
      }
      System.out.print(md);
    }
    if (export != null) {
      ResultsExport.Exported e = tuning != null ? ResultsExport.exportTuned(dir, export)
          : ResultsExport.export(dir, export);
      System.out.printf("report: exported %d runs of %d cells (%.1f MB) -> %s%n", e.runs(), e.cells(), e.bytes() / 1e6,
          export);
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
