/**
 * Plasticity and isometry monitors (DESIGN.md §8), all measured on a fixed {@link
 * dev.isoplast.monitor.ProbeBatch} drawn from recent data: {@link dev.isoplast.monitor.Dormancy}
 * (dead and dormant units), {@link dev.isoplast.monitor.Ntk} (the empirical NTK, fast and brute
 * force), {@link dev.isoplast.monitor.SpectrumStats} (erank, srank, condition number, trace of a
 * spectrum), {@link dev.isoplast.monitor.FeatureRank} (rank of the penultimate features), {@link
 * dev.isoplast.monitor.JacobianSpectra} (singular values of hidden-layer and body Jacobians) and
 * {@link dev.isoplast.monitor.WeightStats} (weight and gradient norms, weight change since the phase
 * start) and {@link dev.isoplast.monitor.Revival} (units revived or newly dormant between two
 * dormancy measurements). Each result offers {@code metrics()} under the names that go into {@code metrics.jsonl}.
 *
 * <p>This package is the math only; scheduling (cadence) and logging are the callers' (the
 * {@code Monitors} callback of {@code dev.isoplast.runs}). Every
 * monitor that runs the network forward overwrites the layers' cached forward state and leaves the
 * parameter gradients as they were, so monitors run between updates. Spectra all go through {@link
 * dev.isoplast.linalg.Spectral}.
 */
package dev.isoplast.monitor;
