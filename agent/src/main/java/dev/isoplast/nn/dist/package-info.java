/**
 * Action distributions of the policies, with log-probabilities, entropies and their gradients with
 * respect to the network outputs: {@link dev.isoplast.nn.dist.Categorical} (discrete actions, from
 * logits) and {@link dev.isoplast.nn.dist.DiagGaussian} (continuous actions, state-independent
 * log-std).
 */
package dev.isoplast.nn.dist;
