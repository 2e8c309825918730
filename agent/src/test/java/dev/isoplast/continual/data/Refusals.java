package dev.isoplast.continual.data;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** The one check every refusal in this package must pass: a DataException with one line naming the problem and the cure. */
final class Refusals {

  private Refusals() {}

  /**
   * Runs {@code call}, which must throw a {@link DataException} (hence an IllegalArgumentException,
   * exit code 2 in the CLI) whose message is one line containing every fragment; returns the message.
   */
  static String assertRefused(Executable call, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e instanceof DataException, "expected a DataException, got " + e);
    String m = e.getMessage();
    assertFalse(m.contains("\n") || m.contains("\r"), "the message must be one line: " + m);
    for (String f : fragments) {
      assertTrue(m.contains(f), "message lacks '" + f + "': " + m);
    }
    return m;
  }
}
