/**
 * Optimizers, their decoupled stages and learning-rate schedules, plus the coupled weight
 * regularizers and gradient clipping.
 *
 * <p>Optimizers ({@link dev.isoplast.optim.Sgd}, {@link dev.isoplast.optim.Adam},
 * {@link dev.isoplast.optim.AdamW}, {@link dev.isoplast.optim.AdamO}) read each
 * {@link dev.isoplast.nn.Param#grad()} and update {@link dev.isoplast.nn.Param#value()} in place;
 * their state (step count and per-parameter slots such as Adam's moments) is explicit,
 * copyable and restorable ({@link dev.isoplast.optim.OptimizerState}), so it goes into
 * checkpoints. Decoupled stages (AdamW's weight decay, AdamO's isometry step) act on the
 * parameters a {@link dev.isoplast.optim.ParamMask} selects, and never enter the moments.
 *
 * <p>Each optimizer and regularizer declares its config record and its method part
 * ({@link dev.isoplast.optim.OptimizerPart}, {@link dev.isoplast.optim.RegularizerPart});
 * {@link dev.isoplast.optim.OptimizerConfig} holds the keys every optimizer shares (which one,
 * Adam's β1, β2, ε).
 *
 * <p>Regularizers ({@link dev.isoplast.optim.Regularizer}) are coupled: they add their gradient to
 * the task gradient before the optimizer step, so it passes through Adam's normalisation. The
 * exact equations and their sources are in each class's Javadoc and in {@code docs/optimizers.md}.
 */
package dev.isoplast.optim;
