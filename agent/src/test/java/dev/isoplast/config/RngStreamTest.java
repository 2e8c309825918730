package dev.isoplast.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RngStreamTest {

  /** Every kind of draw the agents make, from streams split off a root, against the JDK's SplittableRandom. */
  @Test
  void drawsWhatSplittableRandomDraws() {
    for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE}) {
      SplittableRandom jdkRoot = new SplittableRandom(seed);
      RngStream root = new RngStream(seed);
      for (int s = 0; s < 4; s++) {
        SplittableRandom jdk = jdkRoot.split();
        RngStream ours = root.split();
        for (int i = 0; i < 20_000; i++) {
          int bound = 1 + (i % 97) * (i % 5 == 0 ? 1_000_003 : 1);
          assertEquals(jdk.nextLong(), ours.nextLong());
          assertEquals(jdk.nextInt(), ours.nextInt());
          assertEquals(jdk.nextInt(bound), ours.nextInt(bound), "nextInt(" + bound + ")");
          assertEquals(jdk.nextInt(i + 1), ours.nextInt(i + 1));
          assertEquals(Double.doubleToLongBits(jdk.nextDouble()), Double.doubleToLongBits(ours.nextDouble()));
          assertEquals(Float.floatToIntBits(jdk.nextFloat()), Float.floatToIntBits(ours.nextFloat()));
          assertEquals(Double.doubleToLongBits(jdk.nextGaussian()), Double.doubleToLongBits(ours.nextGaussian()));
          assertEquals(jdk.nextBoolean(), ours.nextBoolean());
        }
      }
      assertEquals(jdkRoot.nextLong(), root.nextLong());
    }
  }

  @Test
  void aStreamRestoredFromItsStateContinuesExactly() {
    RngStream a = new RngStream(9).split();
    for (int i = 0; i < 1000; i++) {
      a.nextGaussian();
    }
    Snapshot saved = Snapshot.fromBytes(a.state().toBytes());
    RngStream b = RngStream.of(saved);
    for (int i = 0; i < 10_000; i++) {
      assertEquals(a.nextLong(), b.nextLong());
      assertEquals(a.nextInt(13), b.nextInt(13));
    }
    assertThrows(IllegalArgumentException.class, () -> RngStream.of(new Snapshot().put("seed", 1L).put("gamma", 2L)));
  }
}
