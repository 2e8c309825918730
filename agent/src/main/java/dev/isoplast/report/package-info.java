/**
 * Reporting: the statistics that turn many runs into a claim (DESIGN.md §14). {@link
 * dev.isoplast.report.Statistics} holds the point estimates of Agarwal et al. 2021 ("Deep RL at the
 * Edge of the Statistical Precipice"): the interquartile mean (IQM), the mean of task means and the
 * average probability of improvement, exactly as their library {@code rliable} computes them;
 * {@link dev.isoplast.report.StratifiedBootstrap} their 95% percentile intervals by stratified
 * bootstrap, including the interval of a ratio of two aggregates (the plasticity ratio over runs).
 * A run is the unit of replication: the report and the study's tables reduce each run to its mean
 * over a window of tasks or phases ({@link dev.isoplast.report.Statistics#runMeans}), so intervals
 * resample whole runs, and strata are benchmarks only when several are aggregated;
 * {@link dev.isoplast.report.MannWhitney} and {@link dev.isoplast.report.Power} give each comparison
 * its p-value and minimum detectable difference.
 * {@link dev.isoplast.report.StatisticsTool} answers the same questions for JSON on standard
 * input, the entry point by which agent/src/test/python checks them against rliable itself.
 *
 * <p>The report itself ({@code isoplast report}, docs/sweeps.md): {@link dev.isoplast.report.SweepResults}
 * and {@link dev.isoplast.report.RunRecord} read sweep and run directories (tolerating NaN written
 * as strings and runs cut short), {@link dev.isoplast.report.Figures} computes the final figures,
 * {@link dev.isoplast.report.Curves} the curves with their bands, {@link dev.isoplast.report.Charts}
 * draws them with JFreeChart, and {@link dev.isoplast.report.Report} writes report.html.
 *
 * <p>Scores are {@code double[run][task]} matrices, one per method. Nothing here depends on
 * training: the package reads numbers and run directories, never runs.
 */
package dev.isoplast.report;
