/**
 * Machinery the agents share: {@link dev.isoplast.agents.Callback} (hooks for monitors,
 * checkpointing, evaluation), {@link dev.isoplast.agents.Gae} (advantages and returns with
 * same-step autoreset and truncation bootstrapping), {@link dev.isoplast.agents.TrainResult},
 * the config parsing both configs use ({@link dev.isoplast.agents.ConfigValues}), the optimizer
 * and regularizer options they both take ({@link dev.isoplast.agents.OptimizerConfig}) and
 * {@link dev.isoplast.agents.HostRows}. Each algorithm lives in its own subpackage ({@code ppo},
 * {@code dqn}).
 */
package dev.isoplast.agents;
