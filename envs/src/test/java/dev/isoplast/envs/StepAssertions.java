package dev.isoplast.envs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Assertions on {@link StepResult}s, shared by the tests that compare two ways of stepping. */
public final class StepAssertions {

  private StepAssertions() {}

  /**
   * Every field equal, bit for bit (JUnit compares floats and doubles by their bits); returns the
   * number of episodes that ended.
   */
  public static int assertSameStep(StepResult a, StepResult b, String at) {
    assertArrayEquals(a.observations(), b.observations(), at + " observations");
    assertArrayEquals(a.rewards(), b.rewards(), at + " rewards");
    assertArrayEquals(a.terminated(), b.terminated(), at + " terminated");
    assertArrayEquals(a.truncated(), b.truncated(), at + " truncated");
    assertArrayEquals(a.endedIndices(), b.endedIndices(), at + " ended envs");
    assertArrayEquals(a.finalObservations(), b.finalObservations(), at + " final observations");
    assertArrayEquals(a.episodeReturns(), b.episodeReturns(), at + " episode returns");
    assertArrayEquals(a.episodeLengths(), b.episodeLengths(), at + " episode lengths");
    return a.endedCount();
  }
}
