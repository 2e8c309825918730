/**
 * Runs: a run's specification ({@link dev.isoplast.runs.RunSpec}: resolved once by the CLI, held
 * whole by config.yaml, read back by {@code --resume}), the one {@link dev.isoplast.runs.RunEngine}
 * that the RL {@link dev.isoplast.runs.Trainer} and the supervised
 * {@link dev.isoplast.runs.ContinualTrainer} take a run through from start to summary,
 * run directories (the fully resolved {@code config.yaml}, {@code metrics.jsonl} with CleanRL's
 * metric names keyed by {@code global_step}, {@code summary.json}), checkpoints, the scenario's
 * {@link dev.isoplast.runs.PhaseSchedule}, the {@link dev.isoplast.runs.Monitors} callback (cadence,
 * probe batch, logging of the monitor math in {@code dev.isoplast.monitor}), the TensorBoard writer
 * and the progress bar. Sweeps of many runs are one floor up, in {@code dev.isoplast.sweeps}.
 * DESIGN.md §1, §11.
 */
package dev.isoplast.runs;
