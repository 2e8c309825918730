package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plain progress lines for a file or pipe: one per interval, the rate of that interval, this session's steps only. */
class PlainProgressTest {

  private long now; // the fake clock, in ns

  @Test
  void oneLinePerIntervalWithTheRateOfThatIntervalAndAResumedRunCountsOnlyItsOwnSteps() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    PlainProgress p = new PlainProgress("CartPole-v1 ppo", 100_000, "steps", out, 10, () -> now);
    now = 5_000_000_000L;
    p.start(60_000); // resumed at 60,000 of 100,000
    for (int s = 1; s <= 250; s++) { // 25 s at 100 steps per 0.1 s (1,000 steps/s), then 2,000 steps/s
      now += 100_000_000L;
      p.stepTo(60_000 + 100L * s, () -> "return 42.0");
    }
    for (int s = 1; s <= 50; s++) {
      now += 100_000_000L;
      p.stepTo(85_000 + 200L * s, () -> "");
    }
    p.finish();
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertFalse(text.contains("\r"), "no carriage returns in a file");
    List<String> lines = text.lines().toList();
    // lines 10, 20 and 30 s after the start (1,000/s; then 5 s at 1,000/s and 5 s at 2,000/s = 1,500/s)
    assertEquals(4, lines.size(), text);
    assertEquals("CartPole-v1 ppo: 70000/100000 steps (70%), 1000 steps/s, ETA 0:00:30, return 42.0", lines.get(0));
    assertEquals("CartPole-v1 ppo: 80000/100000 steps (80%), 1000 steps/s, ETA 0:00:20, return 42.0", lines.get(1));
    assertEquals("CartPole-v1 ppo: 95000/100000 steps (95%), 1500 steps/s, ETA 0:00:03", lines.get(2));
    // the session: 35,000 steps in 30 s, not 95,000 (the steps before the resume are not this session's)
    assertEquals("CartPole-v1 ppo: stopped at 95000/100000 steps, 35000 steps in 30.0 s (1167 steps/s)", lines.get(3));
  }

  @Test
  void anIntervalWithoutAFinishedUnitTakesItsEtaFromTheSessionsMeanRate() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PlainProgress p = new PlainProgress("sweep", 8, "cells", new PrintStream(bytes, true, StandardCharsets.UTF_8), 10,
        () -> now);
    now = 0;
    p.start(0);
    now = 20_000_000_000L;
    p.stepTo(2, () -> ""); // 2 cells in 20 s
    now = 30_000_000_000L;
    p.stepTo(2, () -> ""); // none in the next 10 s: 2 cells in 30 s overall, 6 left -> 90 s
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals("sweep: 2/8 cells (25%), 0.100 cells/s, ETA 0:01:00", lines.get(0));
    assertEquals("sweep: 2/8 cells (25%), 0 cells/s, ETA 0:01:30", lines.get(1));
  }

  @Test
  void etaIsHoursMinutesSecondsAndUnknownWithoutARate() {
    assertEquals("1:01:01", PlainProgress.eta(3661, 1.0));
    assertEquals("?", PlainProgress.eta(10, 0.0));
    assertEquals("0:00:00", PlainProgress.eta(-5, 1.0));
    assertEquals("1167", PlainProgress.rate(1166.7));
    assertEquals("12.5", PlainProgress.rate(12.5));
    assertEquals("0.0463", PlainProgress.rate(4.6296e-2)); // a sweep's cells per second
    assertEquals("0", PlainProgress.rate(0));
  }

  @Test
  void progressCallbackOffATerminalWritesPlainLinesFromTheResumedStep() {
    PrintStream old = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try (ProgressCallback cb = new ProgressCallback("task", 1000, "examples", () -> "acc 0.5", false)) {
      cb.onStart(400);
      cb.onStep(1000);
    } finally {
      System.setErr(old);
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertFalse(text.contains("\r"), text);
    assertTrue(text.matches("task: done at 1000/1000 examples, 600 examples in [0-9.]+ s \\([0-9.]+ examples/s\\)\\R"),
        text);
  }
}
