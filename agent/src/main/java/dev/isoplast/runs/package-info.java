/**
 * Runs: the {@link dev.isoplast.runs.Trainer} that takes one training job from start to summary,
 * run directories (the fully resolved {@code config.yaml}, {@code metrics.jsonl} with CleanRL's
 * metric names keyed by {@code global_step}, {@code summary.json}), the scenario's {@link
 * dev.isoplast.runs.PhaseSchedule}, the {@link dev.isoplast.runs.Monitors} callback (cadence,
 * probe batch, logging of the monitor math in {@code dev.isoplast.monitor}), the progress bar, and
 * sweeps: the {@link dev.isoplast.runs.SweepSpec} (cells as a pure function of their index), the
 * {@code sweep.json} {@link dev.isoplast.runs.SweepIndex} and the {@link dev.isoplast.runs.SweepRunner}
 * that runs cells as child processes. DESIGN.md §11, §14; docs/sweeps.md.
 */
package dev.isoplast.runs;
