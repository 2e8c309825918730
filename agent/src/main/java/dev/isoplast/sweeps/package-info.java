/**
 * Sweeps: many runs of one grid as child processes, one floor above {@code dev.isoplast.runs}. The
 * {@link dev.isoplast.sweeps.SweepSpec} (cells as a pure function of their index), the
 * {@code sweep.json} {@link dev.isoplast.sweeps.SweepIndex}, the {@link dev.isoplast.sweeps.SweepRunner}
 * that runs cells as child JVMs, the {@link dev.isoplast.sweeps.SweepShard} of a machine, the
 * {@link dev.isoplast.sweeps.TuningPlan} of {@code sweep --tune}, and {@link
 * dev.isoplast.sweeps.CommandLines}, the shell text of the cells' command lines. DESIGN.md §1, §14;
 * docs/sweeps.md.
 */
package dev.isoplast.sweeps;
