package dev.isoplast.cli;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Loads ND4J (its backend, the native libraries, OpenBLAS) on a daemon thread, for commands that
 * first start an embedded env server: that start (a Python process importing Gymnasium and gRPC,
 * ~0.9 s) and ND4J's first use (~0.6 s) overlap instead of following each other. The thread
 * touches nothing but ND4J's own initialisation: the first array of the command's own thread waits
 * for it (class initialisation is locked) and then finds ND4J loaded; random streams are seeded
 * per run as before, so results do not change.
 */
final class Nd4jWarmUp {

  private Nd4jWarmUp() {}

  static void start() {
    Thread t = new Thread(() -> {
      try {
        Nd4j.zeros(DataType.FLOAT, 1).close();
      } catch (Throwable e) {
        // the command's own first ND4J call meets the same failure and reports it
      }
    }, "isoplast-nd4j-warm-up");
    t.setDaemon(true);
    t.start();
  }
}
