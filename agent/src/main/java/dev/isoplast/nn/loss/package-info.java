/**
 * Training losses with their gradients with respect to the network output: {@link
 * dev.isoplast.nn.loss.Mse} (value regression), {@link dev.isoplast.nn.loss.Huber} (DQN's smooth L1)
 * and {@link dev.isoplast.nn.loss.SoftmaxCrossEntropy} (supervised classification). Each returns the
 * mean loss and writes dL/dpred into a caller's buffer, ready for {@code Layer.backward}.
 */
package dev.isoplast.nn.loss;
