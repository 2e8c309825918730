/**
 * Machinery the agents share: {@link dev.isoplast.agents.Callback} (hooks for monitors,
 * checkpointing, evaluation), {@link dev.isoplast.agents.Gae} (advantages and returns with
 * same-step autoreset and truncation bootstrapping) and {@link dev.isoplast.agents.TrainResult}.
 * Each algorithm lives in its own subpackage ({@code ppo}, ...).
 */
package dev.isoplast.agents;
