/**
 * Deep Q-Network as CleanRL's {@code dqn.py}: {@link dev.isoplast.agents.dqn.Dqn},
 * its configuration {@link dev.isoplast.agents.dqn.DqnConfig}, the replay memory
 * {@link dev.isoplast.agents.dqn.ReplayBuffer} and the update's pieces
 * {@link dev.isoplast.agents.dqn.DqnLoss} (TD targets, plain and Double, losses, Polyak update).
 */
package dev.isoplast.agents.dqn;
