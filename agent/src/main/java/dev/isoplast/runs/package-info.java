/**
 * Runs: the {@link dev.isoplast.runs.Trainer} that takes one training job from start to summary,
 * run directories (the fully resolved {@code config.yaml}, {@code metrics.jsonl} with CleanRL's
 * metric names keyed by {@code global_step}, {@code summary.json}), checkpoints, the scenario's
 * {@link dev.isoplast.runs.PhaseSchedule}, the {@link dev.isoplast.runs.Monitors} callback (cadence,
 * probe batch, logging of the monitor math in {@code dev.isoplast.monitor}), the TensorBoard writer
 * and the progress bar. Sweeps of many runs are one floor up, in {@code dev.isoplast.sweeps}.
 * DESIGN.md §1, §11.
 */
package dev.isoplast.runs;
