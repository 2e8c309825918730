package dev.isoplast.config;

import java.util.SplittableRandom;

/**
 * Seeds derived from a run's seed, counter-based: the stream of event (or task) k of something
 * seeded s is {@code stream(s, k)}, so its random state is just k (restorable, and independent of
 * how many draws other events made). The mixing is SplitMix64's finaliser (Steele, Lea &amp; Flood
 * 2014) applied to s + (k + 1)·γ.
 */
public final class Seeds {

  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private Seeds() {}

  /** A well-mixed seed for item {@code k} of what is seeded {@code seed}. */
  public static long mix(long seed, long k) {
    long z = seed + (k + 1) * GOLDEN_GAMMA;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The random stream of item {@code k}. */
  public static SplittableRandom stream(long seed, long k) {
    return new SplittableRandom(mix(seed, k));
  }
}
