/**
 * Proximal Policy Optimization (Schulman et al. 2017) as CleanRL's {@code ppo.py}:
 * {@link dev.isoplast.agents.ppo.PpoConfig} (every hyper-parameter, CleanRL's names and defaults),
 * {@link dev.isoplast.agents.ppo.PpoLoss} (the loss terms and their gradients) and
 * {@link dev.isoplast.agents.ppo.Ppo} (rollout, GAE, minibatch epochs, metrics).
 */
package dev.isoplast.agents.ppo;
