package dev.isoplast.config;

import java.util.random.RandomGenerator;

/**
 * {@link java.util.SplittableRandom}'s generator (SplitMix64, Steele, Lea &amp; Flood 2014) with its
 * state in the open, so that a checkpoint can hold a stream and a resumed run draws exactly what
 * the uninterrupted one would have. Draw for draw the same numbers as a {@code SplittableRandom}
 * made from the same seed and split in the same order (RngStreamTest checks it against the JDK's):
 * {@link #nextLong} and {@link #nextInt} are SplittableRandom's, every other draw
 * ({@code nextInt(bound)}, {@code nextDouble}, {@code nextGaussian}, ...) is the
 * {@link RandomGenerator} default that SplittableRandom uses too.
 *
 * <p>Not thread-safe, like SplittableRandom.
 */
public final class RngStream implements RandomGenerator {

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long seed;
  private final long gamma;

  /** The stream {@code new SplittableRandom(seed)} gives. */
  public RngStream(long seed) {
    this(seed, GOLDEN_GAMMA);
  }

  private RngStream(long seed, long gamma) {
    this.seed = seed;
    this.gamma = gamma;
  }

  /** A new stream, as {@link java.util.SplittableRandom#split()}: draws from this one. */
  public RngStream split() {
    return new RngStream(nextLong(), mixGamma(nextSeed()));
  }

  @Override
  public long nextLong() {
    return mix64(nextSeed());
  }

  @Override
  public int nextInt() {
    return mix32(nextSeed());
  }

  /** Its state: the two words a checkpoint keeps. */
  public Snapshot state() {
    return new Snapshot().put("seed", seed).put("gamma", gamma);
  }

  /** A stream in the state {@link #state()} gave. */
  public static RngStream of(Snapshot state) {
    long g = state.getLong("gamma");
    if ((g & 1L) == 0) {
      throw new IllegalArgumentException("not a random stream's state: its gamma is even");
    }
    return new RngStream(state.getLong("seed"), g);
  }

  private long nextSeed() {
    return seed += gamma;
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static int mix32(long z) {
    z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
    return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
  }

  private static long mixGamma(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    z = (z ^ (z >>> 33)) | 1L;
    int n = Long.bitCount(z ^ (z >>> 1));
    return (n < 24) ? z ^ 0xaaaaaaaaaaaaaaaaL : z;
  }
}
