/**
 * Neural networks on ND4J with one backward contract ({@link dev.isoplast.nn.Layer}): trainable
 * {@link dev.isoplast.nn.Param}s; the layers {@link dev.isoplast.nn.Dense}, {@link
 * dev.isoplast.nn.ReLU}, {@link dev.isoplast.nn.Tanh}, {@link dev.isoplast.nn.LeakyReLU}, {@link
 * dev.isoplast.nn.GroupSort} (MaxMin) and {@link dev.isoplast.nn.LayerNorm}; {@link
 * dev.isoplast.nn.Sequential} chains them. {@link dev.isoplast.nn.Init} initialises Dense layers,
 * {@link dev.isoplast.nn.BodyConfig} describes an mlp or isometric body and {@link
 * dev.isoplast.nn.Networks} builds body + head from it; {@link dev.isoplast.nn.NetworkParts} says
 * where the body ends and how hidden units are wired (for monitors and unit-replacing methods). {@link dev.isoplast.nn.Jacobians} computes a
 * layer's input–output Jacobian through backward; {@link dev.isoplast.nn.HostArrays} moves data
 * between INDArrays and Java arrays in bulk.
 *
 * <p>Losses live in {@code nn.loss}, action distributions in {@code nn.dist}.
 *
 * <p>Performance: nd4j-native charges ~13 µs per op and ~150 µs per off-heap allocation, so every
 * layer keeps its buffers per batch size and works in place (gemm into preallocated arrays), and
 * cheap elementwise or permutation steps run as Java loops over the arrays' memory. Float32 by
 * default; the dtype of the parameters (Dense, LayerNorm) or of the input (activations) decides.
 * Layers hold per-call state and are not thread-safe.
 */
package dev.isoplast.nn;
