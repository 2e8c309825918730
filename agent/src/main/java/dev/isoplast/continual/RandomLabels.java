package dev.isoplast.continual;

import dev.isoplast.config.Seeds;
import dev.isoplast.continual.data.Dataset;
import java.util.SplittableRandom;

/**
 * Random-label MNIST (or CIFAR-10), the memorisation benchmark of Kumar et al. 2023 and Lyle et
 * al. 2023: a fixed set of {@code examples} images (drawn once from the seed) whose labels are
 * redrawn uniformly at random for every task, trained for {@code epochs} passes per task. There is
 * nothing to generalise, only to fit: a learner that loses plasticity memorises each new labelling
 * less well. The reported figure is the training accuracy on the task's examples at its end.
 */
public final class RandomLabels extends ImageTasks {

  public RandomLabels(String name, Dataset data, int examples, int epochs, long seed) {
    super(name, data, examples, epochs, seed);
  }

  /** Task k's labels, uniform over the classes, from (seed, k). */
  public int[] labels(int k) {
    SplittableRandom rng = Seeds.stream(seed, k);
    int[] y = new int[subset.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = rng.nextInt(data.numClasses());
    }
    return y;
  }

  @Override
  public Measure measure() {
    return Measure.FINAL;
  }

  @Override
  public Task task(int k) {
    int[] y = labels(k);
    float[] x = data.x();
    int d = data.dim();
    return new Task() {
      @Override
      public int size() {
        return subset.length;
      }

      @Override
      public void input(int i, float[] dst, int offset) {
        System.arraycopy(x, subset[i] * d, dst, offset, d);
      }

      @Override
      public int label(int i) {
        return y[i];
      }

      @Override
      public float target(int i) {
        throw new UnsupportedOperationException("random labels are a classification task");
      }
    };
  }
}
