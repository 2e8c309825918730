package dev.isoplast.runs;

/**
 * A run ended by Ctrl-C or SIGTERM ({@link StopSignal}), after writing its checkpoint when it could
 * ({@link RunEngine}); the CLI exits 130 with its message.
 */
public final class RunStoppedException extends RuntimeException {
  RunStoppedException(String message) {
    super(message);
  }
}
