/**
 * The plasticity methods and what they act on (DESIGN.md §7, §13). {@link
 * dev.isoplast.plasticity.Learner} is the contract every learner (PPO, DQN, the supervised learner)
 * keeps for the methods and monitors: networks by role, parameters, optimizer, recent inputs,
 * update count. An {@link dev.isoplast.plasticity.Intervention} acts on a learner's networks after
 * each gradient step or update: Shrink &amp; Perturb, ReDo, Continual Backprop, resets and the
 * Björck projection that keeps an isometric body isometric, one class each with its formula,
 * source and defaults; {@link dev.isoplast.plasticity.InterventionConfig} holds their config keys
 * and builds them, and their state is restorable (a {@link dev.isoplast.config.Snapshot}).
 * {@link dev.isoplast.plasticity.Methods} names whole recipes (body, optimizer, regularizer,
 * intervention and hyper-parameters with their sources): the method presets.
 *
 * <p>Adding a method: one class here (an intervention) or in {@code optim} (an optimizer stage or
 * regularizer), its keys in {@link dev.isoplast.plasticity.InterventionConfig} (or {@code
 * OptimizerConfig}), and one entry in {@link dev.isoplast.plasticity.Methods}; docs/methods.md says
 * more.
 */
package dev.isoplast.plasticity;
