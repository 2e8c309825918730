/**
 * Trained networks out of the JVM (DESIGN.md §18): {@link dev.isoplast.export.RunNetwork} rebuilds
 * a run directory's acting network (PPO actor, DQN Q-network, supervised net) from its config.yaml
 * and a checkpoint, {@link dev.isoplast.export.OnnxModel} turns a network into an ONNX model
 * (opset 17, layer by layer) and {@link dev.isoplast.export.OnnxExport} writes it, with an optional
 * sample of inputs and the Java outputs to check a runtime against. Reads run directories; never
 * trains. docs/export.md.
 */
package dev.isoplast.export;
