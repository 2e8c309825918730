package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.config.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint files: written whole, the last two kept, a damaged newest one skipped for its predecessor. */
class CheckpointsTest {

  private static Snapshot state(long k) {
    return new Snapshot().put("k", k).put("w", new double[] {k, k + 0.5});
  }

  @Test
  void keepsTheLastTwoAndReadsTheNewest(@TempDir Path run) throws Exception {
    Checkpoints c = new Checkpoints(run);
    assertTrue(c.latest().isEmpty());
    for (long step : new long[] {100, 200, 300}) {
      c.save(step, state(step));
    }
    assertEquals(2, c.files().size());
    assertTrue(c.files().get(0).getFileName().toString().endsWith("000000000000200.bin"), c.files().toString());
    Checkpoints.Loaded l = c.latest().orElseThrow();
    assertEquals(300, l.step());
    assertEquals(state(300), l.state());
    try (var s = Files.list(run.resolve(Checkpoints.DIR))) {
      assertTrue(s.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
    }
  }

  @Test
  void retentionKeepsMaxOneNWhileRunningThenTheFinalOneOrNone(@TempDir Path tmp) throws Exception {
    for (int keep : new int[] {0, 1, 2, 3}) {
      Path run = tmp.resolve("keep" + keep);
      Checkpoints c = new Checkpoints(run, keep);
      for (long step = 100; step <= 500; step += 100) {
        c.save(step, state(step));
        // while running: the last max(1, N), the newest always among them
        int expected = (int) Math.min(step / 100, Math.max(1, keep));
        assertEquals(expected, c.files().size(), "keep " + keep + " at " + step);
        assertEquals(step, c.latest().orElseThrow().step());
      }
      c.completed();
      if (keep == 0) {
        assertTrue(c.files().isEmpty());
        assertTrue(!Files.exists(run.resolve(Checkpoints.DIR)), "no empty folder left");
      } else {
        assertEquals(1, c.files().size(), "a completed run keeps its final checkpoint only");
        assertEquals(state(500), c.latest().orElseThrow().state());
      }
    }
    assertThrows(IllegalArgumentException.class, () -> new Checkpoints(tmp, -1));
  }

  @Test
  void aTruncatedOrAlteredNewestCheckpointFallsBackToThePreviousWithAWarning(@TempDir Path run) throws Exception {
    Checkpoints c = new Checkpoints(run);
    c.save(100, state(100));
    Path newest = c.save(200, state(200));
    byte[] b = Files.readAllBytes(newest);
    Files.write(newest, java.util.Arrays.copyOf(b, b.length - 40)); // cut short, as a crash mid-write would
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      Checkpoints.Loaded l = c.latest().orElseThrow();
      assertEquals(100, l.step());
    } finally {
      System.setErr(old);
    }
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("is damaged") && err.toString(StandardCharsets.UTF_8)
        .contains("using the one before it"), err.toString(StandardCharsets.UTF_8));
    // one flipped payload bit: the digest catches it
    Path again = c.save(300, state(300));
    byte[] d = Files.readAllBytes(again);
    d[d.length - 50] ^= 1;
    Files.write(again, d, StandardOpenOption.TRUNCATE_EXISTING);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoints.read(again));
    assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
  }
}
