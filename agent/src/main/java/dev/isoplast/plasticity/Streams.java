package dev.isoplast.plasticity;

import java.util.SplittableRandom;

/**
 * Random streams of the interventions, counter-based: event k of an intervention seeded with s
 * draws from {@code at(s, k)}, so its random state is just the event counter (restorable, and
 * independent of how many draws earlier events made).
 */
final class Streams {

  private Streams() {}

  /** The stream of event {@code k} of the intervention seeded {@code seed}. */
  static SplittableRandom at(long seed, long k) {
    long z = seed + (k + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return new SplittableRandom(z ^ (z >>> 31));
  }
}
