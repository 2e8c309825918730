/**
 * The plasticity methods and what they act on (DESIGN.md §7, §13). {@link
 * dev.isoplast.plasticity.Learner} is the contract every learner (PPO, DQN, the supervised learner)
 * keeps for the methods and monitors: networks by role, parameters, optimizer, recent inputs,
 * update count. An {@link dev.isoplast.plasticity.Intervention} acts on a learner's networks after
 * each gradient step or update: Shrink &amp; Perturb, ReDo, Continual Backprop, resets and the
 * Björck projection that keeps an isometric body isometric, one class each with its formula,
 * source and defaults, and their state is restorable (a {@link dev.isoplast.config.Snapshot}).
 *
 * <p>{@link dev.isoplast.plasticity.Methods} is the registry: every method part (optimizer,
 * coupled regularizer, intervention; {@link dev.isoplast.config.Part}) and the presets they bring.
 * {@link dev.isoplast.plasticity.MethodConfig} is what every learner config holds of them: each
 * part's config record, and what the learner builds from them.
 *
 * <p>Adding a method: one class (here for an intervention, in {@code optim} for an optimizer or a
 * regularizer) with its config record and its {@code PART} (how it is built, its presets and their
 * tuning knob), one line in {@link dev.isoplast.plasticity.Methods#PARTS}, its row in
 * docs/methods.md and its test.
 */
package dev.isoplast.plasticity;
