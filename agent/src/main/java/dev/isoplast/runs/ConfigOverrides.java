package dev.isoplast.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hyper-parameter map from an optional YAML file ({@code --config}) and {@code key=value}
 * overrides ({@code --set}, applied after the file). Values are parsed as YAML scalars, so
 * {@code --set gae_lambda=0.9} gives a number, {@code --set anneal_lr=false} a boolean and
 * {@code --set hidden_sizes=[64,64]} a list. The algorithm's config record validates the keys.
 */
public final class ConfigOverrides {

  private ConfigOverrides() {}

  public static Map<String, Object> load(Path file, List<String> sets) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("config file " + file + " does not exist");
      }
      try {
        Map<String, Object> m = RunDirectory.YAML.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
        if (m != null) {
          out.putAll(m);
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("config file " + file + " is not a YAML mapping of key: value ("
            + e.getMessage().lines().findFirst().orElse("") + ")");
      }
    }
    for (String s : sets == null ? List.<String>of() : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set takes key=value, got '" + s + "'");
      }
      out.put(s.substring(0, eq).trim().replace('-', '_'), value(s.substring(eq + 1)));
    }
    return out;
  }

  /**
   * The value of {@code --set key=TEXT}: TEXT read as a YAML scalar or flow list ({@code 1e-3} a
   * number, {@code false} a boolean, {@code [64,64]} a list), empty as null, and as the text itself
   * when it is not YAML.
   */
  public static Object value(String text) {
    String raw = text.trim();
    try {
      return raw.isEmpty() ? null : RunDirectory.YAML.readValue(raw, Object.class);
    } catch (JsonProcessingException e) {
      return raw;
    }
  }
}
