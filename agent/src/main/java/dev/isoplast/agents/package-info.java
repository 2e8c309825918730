/**
 * The reinforcement learners and what they share. {@link dev.isoplast.agents.Agent} is a {@link
 * dev.isoplast.plasticity.Learner} with an env, a step budget and a policy; {@link
 * dev.isoplast.agents.GradientStep} is the one gradient-step path every learner takes (zero grads,
 * loss and backward, coupled regularizers, clipping, optimizer step, interventions); {@link
 * dev.isoplast.agents.AgentConfig} resolves a configuration once into its typed record; {@link
 * dev.isoplast.agents.MetricSink} is where learners log; {@link dev.isoplast.agents.Callback} the
 * hooks for monitors, checkpointing and evaluation; {@link dev.isoplast.agents.Gae} advantages and
 * returns with same-step autoreset and truncation bootstrapping; {@link
 * dev.isoplast.agents.Evaluation}, {@link dev.isoplast.agents.TrainResult} and {@link
 * dev.isoplast.agents.HostRows}. Each algorithm lives in its own subpackage ({@code ppo}, {@code
 * dqn}).
 */
package dev.isoplast.agents;
