package dev.isoplast.envs.spaces;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A Gymnasium space, mirrored one to one ({@code gymnasium.spaces}). Elements are handled
 * flattened (row-major): a Box element is a {@code float[]} of {@link #flatSize()} values, a
 * Discrete element one {@code long}, MultiDiscrete and MultiBinary elements {@code long[]}.
 *
 * <p>Batched values (one element per env of a vector) are flat arrays of
 * {@code numEnvs * flatSize()} entries; {@link #sampleBatch} and {@link #containsBatch} work on
 * those.
 */
public sealed interface Space permits Box, Discrete, MultiDiscrete, MultiBinary {

  /** Shape of one element (empty for Discrete). */
  int[] shape();

  /** Number of scalars in one element: the product of {@link #shape()}. */
  default int flatSize() {
    int n = 1;
    for (int d : shape()) {
      n *= d;
    }
    return n;
  }

  /** True when elements are floating point (Box); false for the integer spaces. */
  boolean isContinuous();

  /**
   * Whether a batch of {@code numEnvs} flattened elements lies in the space. For integer spaces
   * pass the values as doubles; they must be integral.
   */
  boolean containsBatch(double[] batch, int numEnvs);

  /** Draws {@code numEnvs} elements uniformly (Box: as Gymnasium does, per bound type) into a flat array. */
  double[] sampleBatch(RandomGenerator rng, int numEnvs);

  static int[] checkedShape(int[] shape, String what) {
    for (int d : shape) {
      if (d <= 0) {
        throw new IllegalArgumentException(
            what + " dimensions have to be positive, actual shape: " + Arrays.toString(shape));
      }
    }
    return shape.clone();
  }
}
