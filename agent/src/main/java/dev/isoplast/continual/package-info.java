/**
 * Supervised continual learning (DESIGN.md §10): the {@link dev.isoplast.continual.SupervisedLearner},
 * a {@link dev.isoplast.plasticity.Learner} that takes the same {@link
 * dev.isoplast.agents.GradientStep} as PPO and DQN, so every method preset and monitor acts on it
 * unchanged, with its {@link dev.isoplast.continual.SupervisedConfig}; and the benchmarks as
 * {@link dev.isoplast.continual.TaskSequence}s: {@link dev.isoplast.continual.PermutedImages}
 * (Permuted MNIST or CIFAR-10), {@link dev.isoplast.continual.RandomLabels} and {@link
 * dev.isoplast.continual.SlowlyChangingRegression}, named in {@link dev.isoplast.continual.Tasks}.
 * The data sets are in {@code continual.data}; the run loop is {@code runs.ContinualTrainer}.
 */
package dev.isoplast.continual;
