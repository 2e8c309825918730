package dev.isoplast.continual;

import dev.isoplast.config.Seeds;
import dev.isoplast.continual.data.Dataset;

/**
 * What the image benchmarks share: a labelled data set, a fixed subset of it (the first
 * {@code examples} of a seeded shuffle: all of it when {@code examples} is its size) and the passes
 * per task, each in a fresh order.
 */
abstract class ImageTasks implements TaskSequence {

  private final String name;
  protected final Dataset data;
  /** The data set's examples every task uses, in a seeded order. */
  protected final int[] subset;
  private final int epochs;
  protected final long seed;

  ImageTasks(String name, Dataset data, int examples, int epochs, long seed) {
    if (examples < 1 || examples > data.size()) {
      throw new IllegalArgumentException("task_examples must be in [1, " + data.size() + "] for " + name + ", got "
          + examples);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    this.name = name;
    this.data = data;
    this.subset = Shuffles.firstOfPermutation(data.size(), examples, Seeds.stream(seed, -1));
    this.epochs = epochs;
    this.seed = seed;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int inSize() {
    return data.dim();
  }

  /** The images' {@code [C, H, W]}: MNIST's 28 × 28 as one channel, CIFAR's 3 × 32 × 32 as they are. */
  @Override
  public int[] inShape() {
    int[] s = data.shape();
    return s.length == 2 ? new int[] {1, s[0], s[1]} : s.clone();
  }

  @Override
  public int outSize() {
    return data.numClasses();
  }

  @Override
  public boolean regression() {
    return false;
  }

  @Override
  public int epochs() {
    return epochs;
  }

  @Override
  public boolean shuffle() {
    return true;
  }
}
