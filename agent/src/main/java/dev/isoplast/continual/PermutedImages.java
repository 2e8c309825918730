package dev.isoplast.continual;

import dev.isoplast.config.Seeds;
import dev.isoplast.continual.data.Dataset;

/**
 * Permuted MNIST (Goodfellow et al. 2014; the plasticity benchmark of Dohare et al. 2024 and Kumar
 * et al. 2023), or permuted CIFAR-10: task k shows the same images with their pixels (all values of
 * an example) reordered by a fixed permutation π_k drawn from (seed, k), x'_j = x_{π_k(j)}, with the
 * same labels. Every task is the same problem seen through new inputs, so a learner that keeps its
 * plasticity learns each as fast as the first. One pass per task (online): the reported figure is
 * the online accuracy, predictions made on each batch before it is learned from.
 */
public final class PermutedImages extends ImageTasks {

  /**
   * @param examples the examples of each task: the first {@code examples} of {@code data}'s
   *     seeded shuffle (all of them by default)
   */
  public PermutedImages(String name, Dataset data, int examples, int epochs, long seed) {
    super(name, data, examples, epochs, seed);
  }

  /** π_k: a uniform permutation of the pixel indices, from (seed, k). */
  public int[] permutation(int k) {
    return Shuffles.permutation(data.dim(), Seeds.stream(seed, k));
  }

  @Override
  public Measure measure() {
    return epochs() == 1 ? Measure.ONLINE : Measure.FINAL;
  }

  @Override
  public Task task(int k) {
    int[] perm = permutation(k);
    float[] x = data.x();
    int d = data.dim();
    return new Task() {
      @Override
      public int size() {
        return subset.length;
      }

      @Override
      public void input(int i, float[] dst, int offset) {
        int base = subset[i] * d;
        for (int j = 0; j < d; j++) {
          dst[offset + j] = x[base + perm[j]];
        }
      }

      @Override
      public int label(int i) {
        return data.labels()[subset[i]];
      }

      @Override
      public float target(int i) {
        throw new UnsupportedOperationException("permuted images are a classification task");
      }
    };
  }
}
