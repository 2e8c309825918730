package dev.isoplast.continual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.continual.data.Dataset;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The task sequences: what changes between tasks, what stays, and the regression target by its definition. */
class TasksTest {

  /** 50 "images" of 6 pixels whose values encode (example, pixel), labels i mod 10. */
  private static Dataset tiny() {
    int n = 50;
    int d = 6;
    float[] x = new float[n * d];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        x[i * d + j] = (i * d + j) / (float) (n * d);
      }
      y[i] = i % 10;
    }
    return new Dataset("tiny", x, y, new int[] {2, 3}, 10);
  }

  private static float[] input(TaskSequence.Task t, int i, int d) {
    float[] x = new float[d];
    t.input(i, x, 0);
    return x;
  }

  @Test
  void permutationsAreFixedPerSeedAndTaskAndDifferBetweenTasks() {
    Dataset data = tiny();
    PermutedImages a = new PermutedImages("p", data, 50, 1, 7);
    PermutedImages again = new PermutedImages("p", data, 50, 1, 7);
    PermutedImages other = new PermutedImages("p", data, 50, 1, 8);
    assertArrayEquals(a.permutation(3), again.permutation(3), "same seed and task: same permutation");
    assertFalse(Arrays.equals(a.permutation(3), a.permutation(4)), "tasks differ");
    assertFalse(Arrays.equals(a.permutation(3), other.permutation(3)), "seeds differ");
    Set<Integer> values = new HashSet<>();
    for (int p : a.permutation(0)) {
      values.add(p);
    }
    assertEquals(6, values.size(), "a permutation of the 6 pixels");
    // task k's example i is the data's example permuted: x'_j = x_{π_k(j)}, same label
    TaskSequence.Task t = a.task(2);
    int[] perm = a.permutation(2);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < t.size(); i++) {
      float[] x = input(t, i, 6);
      // pixel j of example e holds (6e + j)/300, so x'_0 = (6e + π(0))/300 gives back e
      int src = Math.round(x[0] * 300) - perm[0];
      assertEquals(0, src % 6, "pixel values come from one example");
      int e = src / 6;
      seen.add(e);
      for (int j = 0; j < 6; j++) {
        assertEquals(data.x()[e * 6 + perm[j]], x[j], 0f);
      }
      assertEquals(data.labels()[e], t.label(i));
    }
    assertEquals(50, seen.size(), "every example once");
  }

  @Test
  void randomLabelTasksKeepTheInputsAndRedrawOnlyTheLabels() {
    Dataset data = tiny();
    RandomLabels r = new RandomLabels("r", data, 30, 5, 3);
    TaskSequence.Task t0 = r.task(0);
    TaskSequence.Task t1 = r.task(1);
    assertEquals(30, t0.size());
    int same = 0;
    for (int i = 0; i < 30; i++) {
      assertArrayEquals(input(t0, i, 6), input(t1, i, 6), 0f, "inputs stay");
      same += t0.label(i) == t1.label(i) ? 1 : 0;
    }
    assertTrue(same < 10, "labels are redrawn: " + same + " of 30 agree (≈ 3 expected by chance)");
    assertArrayEquals(r.labels(4), new RandomLabels("r", data, 30, 5, 3).labels(4), "fixed per (seed, task)");
    assertEquals(TaskSequence.Measure.FINAL, r.measure());
    assertEquals(5, r.epochs());
  }

  @Test
  void theRegressionTargetIsDohareEtAlsLtuNetwork() {
    SlowlyChangingRegression s = new SlowlyChangingRegression(64, 4, 2, 3, 0.7, 11);
    double[][] p = s.targetParameters();
    double[] w = p[0];
    double[] b = p[1];
    double[] v = p[2];
    double c = p[3][0];
    for (double x : w) {
      assertTrue(x == 1 || x == -1, "weights in {−1, +1}");
    }
    // all 16 bit patterns, by the definition: S_i = (m − Σ_j W_ij + b_i)/2, τ_i = β(m + 1) − S_i
    for (int bits = 0; bits < 16; bits++) {
      float[] x = new float[4];
      for (int j = 0; j < 4; j++) {
        x[j] = (bits >> j) & 1;
      }
      double y = c;
      for (int i = 0; i < 3; i++) {
        double sum = 0;
        double z = b[i];
        for (int j = 0; j < 4; j++) {
          sum += w[i * 4 + j];
          z += w[i * 4 + j] * x[j];
        }
        double tau = 0.7 * 5 - (4 - sum + b[i]) / 2;
        y += z > tau ? v[i] : 0;
      }
      assertEquals(y, s.target(x, 0), 0.0, "bits " + Integer.toBinaryString(bits));
    }
    // windows: the flipping bits change in exactly one place per window; the others are random per example
    for (int k = 0; k < 5; k++) {
      int[] now = s.flippingBits(k);
      int[] next = s.flippingBits(k + 1);
      int diff = 0;
      for (int j = 0; j < 2; j++) {
        diff += now[j] != next[j] ? 1 : 0;
      }
      assertEquals(1, diff, "window " + k + " → " + (k + 1));
      TaskSequence.Task t = s.task(k);
      Set<String> rest = new HashSet<>();
      for (int e = 0; e < t.size(); e++) {
        float[] x = input(t, e, 4);
        assertEquals(now[0], (int) x[0]);
        assertEquals(now[1], (int) x[1]);
        rest.add(x[2] + "," + x[3]);
        assertEquals((float) s.target(x, 0), t.target(e), 0f);
      }
      assertEquals(4, rest.size(), "the 2 random bits take all 4 values over 64 examples");
    }
  }

  @Test
  void unknownTasksAndKeysGetOneLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tasks.resolve("permuted-fashion", null, Map.of(), null, null, 1));
    assertTrue(e.getMessage().contains("known tasks: permuted-mnist"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Tasks.resolve("slowly-changing-regression", null, Map.of("epochs", 3), null, null, 1));
    assertTrue(e.getMessage().contains("epochs"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Tasks.resolve("permuted-cifar10", null, Map.of(), null, null, 1));
    assertTrue(e.getMessage().contains("--cifar-dir"), e.getMessage());
    assertNotEquals(Tasks.keys("permuted-mnist"), Tasks.keys("slowly-changing-regression"));
  }

  @Test
  void theOfficialIdxFilesFeedTheSameBenchmarks(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    int n = 40;
    byte[] pixels = new byte[n * 28 * 28];
    byte[] labels = new byte[n];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 7);
    }
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i % 10);
    }
    java.nio.file.Files.write(dir.resolve("train-images-idx3-ubyte.gz"),
        dev.isoplast.continual.data.IdxReaderTest.idx(new int[] {n, 28, 28}, pixels, true));
    java.nio.file.Files.write(dir.resolve("train-labels-idx1-ubyte"),
        dev.isoplast.continual.data.IdxReaderTest.idx(new int[] {n}, labels, false));
    Tasks.Resolved r = Tasks.resolve("permuted-mnist", null, Map.of("task_examples", n), dir, null, 3);
    TaskSequence.Task t = r.tasks().task(1);
    int[] perm = ((PermutedImages) r.tasks()).permutation(1);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      float[] x = input(t, i, 784);
      // find the source example by its label and pixels
      int e = -1;
      for (int c = 0; c < n && e < 0; c++) {
        boolean same = labels[c] == t.label(i);
        for (int j = 0; j < 784 && same; j++) {
          same = x[j] == (pixels[c * 784 + perm[j]] & 0xff) / 255f;
        }
        e = same ? c : -1;
      }
      assertTrue(e >= 0, "example " + i + " of task 1 is a permuted IDX image");
      seen.add(e);
    }
    assertEquals(n, seen.size());
    assertThrows(IllegalArgumentException.class,
        () -> Tasks.resolve("random-label-mnist", null, Map.of(), dir.resolve("missing"), null, 3));
  }
}
