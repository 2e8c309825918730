package dev.isoplast.envs.scenario;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An environment-switch scenario (DESIGN.md §4), as written in YAML:
 *
 * <pre>
 * name: cartpole-gravity
 * description: what the scenario is meant to provoke   # optional
 * env: CartPole-v1
 * num_envs: 8                                          # optional: the agent's num_envs
 * phases:
 *   - {steps: 100000, dynamics: {gravity: 9.8, length: 0.5}}
 *   - {steps: 100000, dynamics: {gravity: {uniform: [5, 25]}}}
 *   - {steps: 100000, obs_permutation: random, obs_sign_flip: random}
 * repeat: 3                                            # optional, default 1: cycles the list
 * </pre>
 *
 * <p>A phase is absolute, not a diff: it sets every dynamics parameter it names and leaves the
 * others at Gymnasium's defaults, and a wrapper it does not name is the identity. So a phase means
 * the same thing wherever it stands in the sequence. Phase keys: {@code steps} (required),
 * {@code dynamics} (name → number, {@code {uniform: [a, b]}} or {@code {log_uniform: [a, b]}}),
 * {@code obs_permutation} and {@code action_permutation} ({@code random}, {@code identity} or a
 * list; {@code obs_permutation} also {@code channels}: a random permutation of the channels of a
 * channels-first image observation [C, H, W], each channel's pixels kept in place), {@code obs_sign_flip} ({@code random}, {@code none} or a list of ±1),
 * {@code reward_scale} (a number in [1e-6, 1e6], the env server's range). Random values are drawn for every phase instance
 * (every repeat draws anew) from the run seed, never repeating the previous phase's transform
 * ({@link ScenarioPlan}).
 *
 * <p>Every error names the file, the phase and the key: {@code scenario F: phases[2]: ...}.
 */
public record Scenario(String name, String description, String envId, Integer numEnvs, List<PhaseSpec> phases,
    int repeat, String source) {

  /** The range [{@code REWARD_SCALE_MIN}, {@link #REWARD_SCALE_MAX}] of {@code reward_scale} the env server accepts (env.proto's ReconfigureRequest). */
  public static final double REWARD_SCALE_MIN = 1e-6;

  /** The upper end of {@code reward_scale}'s range ({@link #REWARD_SCALE_MIN}). */
  public static final double REWARD_SCALE_MAX = 1e6;

  /** The built-in scenarios (files {@code scenarios/NAME.yaml} in the repository and the jar). */
  public static final List<String> BUILT_INS = List.of("cartpole-gravity", "cartpole-permute", "acrobot-dynamics",
      "pendulum-dynamics", "pendulum-permute", "slippery-ant", "minatar-switch", "minatar-breakout-permute",
      "atari-switch");

  private static final Set<String> TOP_KEYS = Set.of("name", "description", "env", "num_envs", "phases", "repeat");
  private static final List<String> PHASE_KEYS = List.of("steps", "dynamics", "obs_permutation", "obs_sign_flip",
      "action_permutation", "reward_scale");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /**
   * How a permutation is given: the identity, drawn at random, a random permutation of an image's
   * channels (observations only), or a fixed list.
   */
  public sealed interface Permutation {
    record Identity() implements Permutation {}

    record Random() implements Permutation {}

    /** A random order of the channels of a channels-first observation [C, ...], pixels kept in place. */
    record Channels() implements Permutation {}

    record Fixed(int[] values) implements Permutation {}
  }

  /** How a sign flip is given: none (all +1), drawn at random (each ±1 with probability 1/2), or fixed. */
  public sealed interface SignFlip {
    record None() implements SignFlip {}

    record Random() implements SignFlip {}

    record Fixed(double[] values) implements SignFlip {}
  }

  /**
   * One phase as written.
   *
   * @param steps env steps (over all envs) the phase lasts
   * @param dynamics the parameters it sets (others: Gymnasium's defaults), in file order
   * @param rewardScale null = 1
   */
  public record PhaseSpec(long steps, Map<String, Draw> dynamics, Permutation obsPermutation, SignFlip obsSignFlip,
      Permutation actionPermutation, Double rewardScale) {

    public PhaseSpec {
      dynamics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dynamics));
    }

    PhaseSpec withSteps(long s) {
      return new PhaseSpec(s, dynamics, obsPermutation, obsSignFlip, actionPermutation, rewardScale);
    }
  }

  public Scenario {
    phases = List.copyOf(phases);
  }

  /** The phases in order with {@code repeat} expanded: what a run goes through. */
  public List<PhaseSpec> sequence() {
    List<PhaseSpec> out = new ArrayList<>();
    for (int r = 0; r < repeat; r++) {
      out.addAll(phases);
    }
    return out;
  }

  /** Env steps over the whole sequence. */
  public long totalSteps() {
    long s = 0;
    for (PhaseSpec p : sequence()) {
      s += p.steps();
    }
    return s;
  }

  /** A copy where every phase lasts {@code steps} env steps ({@code --phase-steps}). */
  public Scenario withPhaseSteps(long steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("phase steps must be positive, got " + steps);
    }
    return new Scenario(name, description, envId, numEnvs, phases.stream().map(p -> p.withSteps(steps)).toList(),
        repeat, source);
  }

  /** A copy with {@code repeat} cycles. */
  public Scenario withRepeat(int r) {
    if (r < 1) {
      throw new IllegalArgumentException("repeat must be positive, got " + r);
    }
    return new Scenario(name, description, envId, numEnvs, phases, r, source);
  }

  // ---- loading ----

  /**
   * A built-in scenario by name ({@link #BUILT_INS}) or a YAML file by path.
   *
   * @throws IllegalArgumentException naming the file, phase and key of anything wrong
   */
  public static Scenario load(String nameOrFile) {
    Path file = Path.of(nameOrFile);
    if (Files.isRegularFile(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        return parse(in, file.toString());
      } catch (IOException e) {
        throw new IllegalArgumentException("scenario " + file + ": cannot read: " + e.getMessage(), e);
      }
    }
    if (BUILT_INS.contains(nameOrFile)) {
      String resource = "/scenarios/" + nameOrFile + ".yaml";
      try (InputStream in = Scenario.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("built-in scenario " + resource + " is missing from the jar");
        }
        return parse(in, nameOrFile);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read built-in scenario " + resource, e);
      }
    }
    throw new IllegalArgumentException("scenario " + nameOrFile + ": no such file and not a built-in scenario "
        + "(built-ins: " + String.join(", ", BUILT_INS) + ")");
  }

  /** Parses and validates YAML; {@code source} names it in errors. */
  public static Scenario parse(InputStream yaml, String source) {
    Map<String, Object> m;
    try {
      m = YAML.readValue(yaml, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException("scenario " + source + ": not a YAML mapping ("
          + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    if (m == null) {
      throw new IllegalArgumentException("scenario " + source + ": empty file");
    }
    return fromMap(m, source);
  }

  /** Validates a parsed YAML mapping; {@code source} names it in errors. */
  public static Scenario fromMap(Map<String, Object> m, String source) {
    Errors err = new Errors(source);
    for (String k : m.keySet()) {
      if (!TOP_KEYS.contains(k)) {
        throw err.at("", "unknown key '" + k + "' (valid: " + String.join(", ", sortedTop()) + ")");
      }
    }
    String env = text(m.get("env"), err, "", "env");
    if (env == null) {
      throw err.at("", "env is required (a Gymnasium id such as CartPole-v1)");
    }
    String name = m.containsKey("name") ? text(m.get("name"), err, "", "name") : source;
    String description = m.containsKey("description") ? text(m.get("description"), err, "", "description") : "";
    Integer numEnvs = m.containsKey("num_envs") ? (int) positiveLong(m.get("num_envs"), err, "", "num_envs") : null;
    int repeat = m.containsKey("repeat") ? (int) positiveLong(m.get("repeat"), err, "", "repeat") : 1;
    if (!(m.get("phases") instanceof List<?> list) || list.isEmpty()) {
      throw err.at("", "phases must be a non-empty list of {steps: N, ...}");
    }
    List<PhaseSpec> phases = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      phases.add(phase(list.get(i), err, "phases[" + i + "]"));
    }
    return new Scenario(name, description, env, numEnvs, phases, repeat, source);
  }

  private static List<String> sortedTop() {
    return List.of("name", "description", "env", "num_envs", "phases", "repeat");
  }

  private static PhaseSpec phase(Object o, Errors err, String where) {
    if (!(o instanceof Map<?, ?> pm)) {
      throw err.at(where, "a phase must be a mapping such as {steps: 100000, dynamics: {...}}, got " + o);
    }
    for (Object k : pm.keySet()) {
      if (!PHASE_KEYS.contains(String.valueOf(k))) {
        throw err.at(where, "unknown key '" + k + "' (valid: " + String.join(", ", PHASE_KEYS) + ")");
      }
    }
    if (!pm.containsKey("steps")) {
      throw err.at(where, "steps is required");
    }
    long steps = positiveLong(pm.get("steps"), err, where, "steps");
    Map<String, Draw> dynamics = new LinkedHashMap<>();
    Object dyn = pm.get("dynamics");
    if (dyn != null) {
      if (!(dyn instanceof Map<?, ?> dm)) {
        throw err.at(where, "dynamics must be a mapping of parameter: value, got " + dyn);
      }
      for (Map.Entry<?, ?> e : dm.entrySet()) {
        String key = String.valueOf(e.getKey());
        dynamics.put(key, draw(e.getValue(), err, where, "dynamics." + key));
      }
    }
    Permutation obsPerm = permutation(pm.get("obs_permutation"), err, where, "obs_permutation");
    Permutation actPerm = permutation(pm.get("action_permutation"), err, where, "action_permutation");
    if (actPerm instanceof Permutation.Channels) {
      throw err.at(where, "action_permutation must be random, identity or a list of indices, got 'channels' "
          + "(channels applies to obs_permutation)");
    }
    SignFlip sign = signFlip(pm.get("obs_sign_flip"), err, where);
    Double rewardScale = null;
    if (pm.get("reward_scale") != null) {
      rewardScale = number(pm.get("reward_scale"), err, where, "reward_scale");
      if (!(rewardScale >= REWARD_SCALE_MIN && rewardScale <= REWARD_SCALE_MAX)) {
        throw err.at(where, "reward_scale must be in [" + REWARD_SCALE_MIN + ", " + REWARD_SCALE_MAX + "] (the env "
            + "server's range, env.proto), got " + pm.get("reward_scale"));
      }
    }
    return new PhaseSpec(steps, dynamics, obsPerm, sign, actPerm, rewardScale);
  }

  private static Draw draw(Object v, Errors err, String where, String key) {
    if (v instanceof Map<?, ?> dm) {
      if (dm.size() != 1) {
        throw err.at(where, key + " must be a number, {uniform: [a, b]} or {log_uniform: [a, b]}, got " + v);
      }
      Map.Entry<?, ?> e = dm.entrySet().iterator().next();
      String kind = String.valueOf(e.getKey());
      if (!(e.getValue() instanceof List<?> range) || range.size() != 2) {
        throw err.at(where, key + "." + kind + " must be a list [low, high], got " + e.getValue());
      }
      double lo = number(range.get(0), err, where, key + "." + kind);
      double hi = number(range.get(1), err, where, key + "." + kind);
      if (!(lo <= hi)) {
        throw err.at(where, key + "." + kind + ": low " + lo + " must not exceed high " + hi);
      }
      return switch (kind) {
        case "uniform" -> new Draw.Uniform(lo, hi);
        case "log_uniform" -> {
          if (!(lo > 0)) {
            throw err.at(where, key + ".log_uniform needs 0 < low, got " + lo);
          }
          yield new Draw.LogUniform(lo, hi);
        }
        default -> throw err.at(where, key + ": unknown distribution '" + kind + "' (valid: uniform, log_uniform)");
      };
    }
    return new Draw.Fixed(number(v, err, where, key));
  }

  private static Permutation permutation(Object v, Errors err, String where, String key) {
    if (v == null) {
      return new Permutation.Identity();
    }
    if (v instanceof List<?> list) {
      int[] p = new int[list.size()];
      for (int i = 0; i < p.length; i++) {
        p[i] = (int) integer(list.get(i), err, where, key);
      }
      return new Permutation.Fixed(p);
    }
    return switch (String.valueOf(v).trim().toLowerCase(Locale.ROOT)) {
      case "random" -> new Permutation.Random();
      case "channels" -> new Permutation.Channels();
      case "identity", "none" -> new Permutation.Identity();
      default -> throw err.at(where, key + " must be random, " + (key.equals("obs_permutation") ? "channels, " : "")
          + "identity or a list of indices, got '" + v + "'");
    };
  }

  private static SignFlip signFlip(Object v, Errors err, String where) {
    if (v == null) {
      return new SignFlip.None();
    }
    if (v instanceof List<?> list) {
      double[] s = new double[list.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = number(list.get(i), err, where, "obs_sign_flip");
        if (Math.abs(s[i]) != 1.0) {
          throw err.at(where, "obs_sign_flip entries must be +1 or -1, got " + list.get(i));
        }
      }
      return new SignFlip.Fixed(s);
    }
    return switch (String.valueOf(v).trim().toLowerCase(Locale.ROOT)) {
      case "random" -> new SignFlip.Random();
      case "none", "identity" -> new SignFlip.None();
      default -> throw err.at(where, "obs_sign_flip must be random, none or a list of +1/-1, got '" + v + "'");
    };
  }

  private static String text(Object v, Errors err, String where, String key) {
    if (v == null || v instanceof Map || v instanceof List) {
      throw err.at(where, key + " must be a string, got " + v);
    }
    return String.valueOf(v).trim();
  }

  private static double number(Object v, Errors err, String where, String key) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    try {
      double d = Double.parseDouble(String.valueOf(v).trim());
      if (Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException ignored) {
      // below
    }
    throw err.at(where, key + " must be a number, got '" + v + "'");
  }

  private static long integer(Object v, Errors err, String where, String key) {
    double d = number(v, err, where, key);
    if (d != Math.rint(d) || Math.abs(d) > 1e15) {
      throw err.at(where, key + " must be an integer, got '" + v + "'");
    }
    return (long) d;
  }

  private static long positiveLong(Object v, Errors err, String where, String key) {
    long l = integer(v, err, where, key);
    if (l < 1) {
      throw err.at(where, key + " must be positive, got " + v);
    }
    return l;
  }

  /** Builds the one-line messages: {@code scenario SOURCE: WHERE: problem}. */
  record Errors(String source) {
    IllegalArgumentException at(String where, String problem) {
      return new IllegalArgumentException("scenario " + source + ": " + (where.isEmpty() ? "" : where + ": ")
          + problem);
    }
  }
}
