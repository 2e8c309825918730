package dev.isoplast.continual;

import java.util.random.RandomGenerator;

/** Seeded permutations: of pixels (Permuted MNIST), of example orders (each pass over a task). */
public final class Shuffles {

  private Shuffles() {}

  /** A uniform permutation of 0..n−1 (Fisher–Yates). */
  public static int[] permutation(int n, RandomGenerator rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    shuffle(p, rng);
    return p;
  }

  /** Fisher–Yates in place. */
  public static void shuffle(int[] a, RandomGenerator rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** The first {@code k} entries of a uniform permutation of 0..n−1: k distinct indices in random order. */
  public static int[] firstOfPermutation(int n, int k, RandomGenerator rng) {
    return java.util.Arrays.copyOf(permutation(n, rng), k);
  }
}
