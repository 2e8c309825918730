package dev.isoplast.envs.scenario;

import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.Discrete;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A {@link Scenario} made concrete for one env and one run seed: each phase instance of the
 * sequence with its start step and the full {@link Perturbation} to apply at its start (every
 * dynamics parameter of the env, Gymnasium's default where the phase names none; identity
 * wrappers where it names none). Random values come from one stream seeded by the run seed, drawn
 * phase by phase in a fixed order (dynamics in file order, observation permutation, sign flip,
 * action permutation), so the same seed gives the same plan.
 *
 * <p><b>No phase repeats the previous phase's transform</b> (issue 21). The transform of a phase is
 * its wrapper chain: the observation map x ↦ s ⊙ x[π] (permutation π, sign flip s) and the action
 * permutation; identity wrappers count as transforms. Two chains are the same map exactly when π, s
 * and the action permutation are all equal. When a phase instance k ≥ 1 with a {@code random}
 * wrapper draws the transform of instance k − 1, its random wrappers are drawn again, in the same
 * order from the same stream, until the transform differs. So a plan changes only where a repeat
 * would have occurred, and from there on. A phase whose random wrappers have a single outcome (a
 * random permutation of one entry, and no random sign flip) cannot be redrawn: that is an error
 * when the sequence has more than one phase instance. Dynamics draws are not part of the
 * transform and are never redrawn.
 *
 * <p>{@code obs_permutation: channels} draws a permutation σ of the C channels of a channels-first
 * observation [C, H, W] (Fisher–Yates, like {@code random}) and sends the flat permutation the env
 * server applies, {@code obs'[i] = obs[perm[i]]}, with {@code perm[c·HW + k] = σ[c]·HW + k}:
 * channel c of what the agent sees is channel σ[c] of the env's, each pixel where it was
 * ({@link #channelPermutation}).
 *
 * @param phases the phase instances in order
 */
public record ScenarioPlan(Scenario scenario, EnvSpec env, List<Phase> phases) {

  /** Mixed into the run seed so the scenario's stream differs from the agent's streams. */
  private static final long STREAM = 0x5CE9A210F00DL;

  /**
   * One phase instance.
   *
   * @param index position in the expanded sequence (the {@code phase} metric), from 0
   * @param specIndex the phase's position in the file's list
   * @param startStep env step at which it starts
   * @param steps env steps it lasts
   * @param perturbation what Reconfigure is sent at its start
   */
  public record Phase(int index, int specIndex, long startStep, long steps, Perturbation perturbation) {

    /** Env step at which the next phase starts. */
    public long endStep() {
      return startStep + steps;
    }
  }

  public ScenarioPlan {
    phases = List.copyOf(phases);
  }

  /** Env steps over all phases. */
  public long totalSteps() {
    return phases.isEmpty() ? 0 : phases.get(phases.size() - 1).endStep();
  }

  /** The phase that env step {@code globalStep} (counted from 0) belongs to; the last one past the end. */
  public Phase phaseAt(long globalStep) {
    for (Phase p : phases) {
      if (globalStep < p.endStep()) {
        return p;
      }
    }
    return phases.get(phases.size() - 1);
  }

  /**
   * Checks {@code scenario} against the env's declared dynamics and spaces and draws its random
   * values from {@code seed}.
   *
   * @throws IllegalArgumentException naming the scenario, phase and key of anything invalid
   */
  public static ScenarioPlan resolve(Scenario scenario, EnvSpec env, long seed) {
    Scenario.Errors err = new Scenario.Errors(scenario.source());
    if (!env.envId().equals(scenario.envId())) {
      throw err.at("", "is for " + scenario.envId() + ", not " + env.envId());
    }
    Map<String, EnvSpec.Param> declared = new LinkedHashMap<>();
    env.dynamics().forEach(p -> declared.put(p.name(), p));
    int obsSize = env.observationSpace().flatSize();
    int channels = env.observationSpace() instanceof Box b && b.shape().length >= 2 ? b.shape()[0] : 0;
    Integer actionN = env.actionSpace() instanceof Discrete d ? Math.toIntExact(d.n()) : null;
    int n = scenario.phases().size();
    for (int i = 0; i < n; i++) {
      check(scenario.phases().get(i), declared, obsSize, channels, actionN, err, "phases[" + i + "]", env);
      checkRedrawable(scenario.phases().get(i), obsSize, channels, actionN, scenario.sequence().size(), err,
          "phases[" + i + "]");
    }
    RandomGenerator rng = new SplittableRandom(seed ^ STREAM);
    List<Phase> out = new ArrayList<>();
    long start = 0;
    List<Scenario.PhaseSpec> seq = scenario.sequence();
    for (int k = 0; k < seq.size(); k++) {
      Scenario.PhaseSpec p = seq.get(k);
      Map<String, Double> dyn = new LinkedHashMap<>();
      declared.values().forEach(d -> dyn.put(d.name(), d.defaultValue()));
      p.dynamics().forEach((key, draw) -> dyn.put(key, draw.draw(rng)));
      Perturbation previous = out.isEmpty() ? null : out.get(out.size() - 1).perturbation();
      Perturbation pert;
      do {
        int[] obsPerm = p.obsPermutation() instanceof Scenario.Permutation.Channels
            ? channelPermutation(permutation(new Scenario.Permutation.Random(), channels, rng), obsSize / channels)
            : permutation(p.obsPermutation(), obsSize, rng);
        double[] sign = signs(p.obsSignFlip(), obsSize, rng);
        int[] actPerm = actionN == null ? null : permutation(p.actionPermutation(), actionN, rng);
        pert = new Perturbation(dyn, obsPerm, sign, actPerm, p.rewardScale() == null ? 1.0 : p.rewardScale());
      } while (previous != null && hasRandomWrapper(p) && sameTransform(pert, previous));
      out.add(new Phase(k, k % n, start, p.steps(), pert));
      start += p.steps();
    }
    return new ScenarioPlan(scenario, env, out);
  }

  private static void check(Scenario.PhaseSpec p, Map<String, EnvSpec.Param> declared, int obsSize, int channels,
      Integer actionN, Scenario.Errors err, String where, EnvSpec env) {
    String envId = env.envId();
    if (p.obsPermutation() instanceof Scenario.Permutation.Channels && channels == 0) {
      String shape = env.observationSpace() instanceof Box b ? "of shape " + Arrays.toString(b.shape())
          : env.observationSpace().toString();
      throw err.at(where, "obs_permutation: channels needs an image observation [C, H, W]; " + envId + "'s is "
          + shape);
    }
    for (Map.Entry<String, Draw> e : p.dynamics().entrySet()) {
      EnvSpec.Param d = declared.get(e.getKey());
      String key = "dynamics." + e.getKey();
      if (d == null) {
        throw err.at(where, key + ": " + envId + " has no dynamics parameter '" + e.getKey() + "' (valid: "
            + (declared.isEmpty() ? "none" : String.join(", ", declared.keySet())) + ")");
      }
      double lo = e.getValue().low();
      double hi = e.getValue().high();
      if (d.integer() && !(lo == hi && lo == Math.rint(lo))) {
        throw err.at(where, key + ": " + envId + "'s " + e.getKey() + " takes whole numbers only ("
            + d.description() + "), got " + (lo == hi ? String.valueOf(lo) : "a random draw in [" + lo + ", " + hi + "]"));
      }
      if (lo < d.min() || hi > d.max()) {
        throw err.at(where, key + ": " + (lo == hi ? "value " + lo : "range [" + lo + ", " + hi + "]")
            + " is outside the allowed [" + d.min() + ", " + d.max() + "]");
      }
    }
    if (p.obsPermutation() instanceof Scenario.Permutation.Fixed f) {
      checkPermutation(f.values(), obsSize, err, where, "obs_permutation");
    }
    if (p.obsSignFlip() instanceof Scenario.SignFlip.Fixed f && f.values().length != obsSize) {
      throw err.at(where, "obs_sign_flip has " + f.values().length + " entries; the observation has " + obsSize);
    }
    if (!(p.actionPermutation() instanceof Scenario.Permutation.Identity)) {
      if (actionN == null) {
        throw err.at(where, "action_permutation needs a Discrete action space; " + envId + "'s is not");
      }
      if (p.actionPermutation() instanceof Scenario.Permutation.Fixed f) {
        checkPermutation(f.values(), actionN, err, where, "action_permutation");
      }
    }
  }

  /** Whether two perturbations' wrapper chains are the same map (equal permutations and signs). */
  static boolean sameTransform(Perturbation a, Perturbation b) {
    return Arrays.equals(a.obsPermutation(), b.obsPermutation()) && Arrays.equals(a.obsSignFlip(), b.obsSignFlip())
        && Arrays.equals(a.actionPermutation(), b.actionPermutation());
  }

  private static boolean hasRandomWrapper(Scenario.PhaseSpec p) {
    return p.obsPermutation() instanceof Scenario.Permutation.Random
        || p.obsPermutation() instanceof Scenario.Permutation.Channels
        || p.obsSignFlip() instanceof Scenario.SignFlip.Random || p.actionPermutation() instanceof Scenario.Permutation.Random;
  }

  /** A phase with random wrappers must be able to draw another transform than the previous phase's. */
  private static void checkRedrawable(Scenario.PhaseSpec p, int obsSize, int channels, Integer actionN, int instances,
      Scenario.Errors err, String where) {
    boolean moreThanOne = p.obsSignFlip() instanceof Scenario.SignFlip.Random
        || (p.obsPermutation() instanceof Scenario.Permutation.Random && obsSize > 1)
        || (p.obsPermutation() instanceof Scenario.Permutation.Channels && channels > 1)
        || (p.actionPermutation() instanceof Scenario.Permutation.Random && actionN != null && actionN > 1);
    if (hasRandomWrapper(p) && !moreThanOne && instances > 1) {
      throw err.at(where, "its random wrappers have a single outcome (a permutation of one entry), so it cannot draw "
          + "a transform other than the previous phase's; write identity instead of random");
    }
  }

  private static void checkPermutation(int[] p, int size, Scenario.Errors err, String where, String key) {
    int[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      if (sorted[i] != i) {
        sorted = null;
        break;
      }
    }
    if (p.length != size || sorted == null) {
      throw err.at(where, key + " must be a permutation of 0.." + (size - 1) + ", got " + Arrays.toString(p));
    }
  }

  private static int[] permutation(Scenario.Permutation spec, int size, RandomGenerator rng) {
    int[] p = new int[size];
    for (int i = 0; i < size; i++) {
      p[i] = i;
    }
    if (spec instanceof Scenario.Permutation.Fixed f) {
      return f.values().clone();
    }
    if (spec instanceof Scenario.Permutation.Random) {
      for (int i = size - 1; i > 0; i--) { // Fisher-Yates
        int j = rng.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
    }
    return p;
  }

  /**
   * The flat permutation of a channels-first observation of {@code sigma.length} channels of
   * {@code pixels} entries each that puts channel {@code sigma[c]} in place of channel c:
   * {@code perm[c·pixels + k] = sigma[c]·pixels + k}.
   */
  static int[] channelPermutation(int[] sigma, int pixels) {
    int[] perm = new int[sigma.length * pixels];
    for (int c = 0; c < sigma.length; c++) {
      for (int k = 0; k < pixels; k++) {
        perm[c * pixels + k] = sigma[c] * pixels + k;
      }
    }
    return perm;
  }

  private static double[] signs(Scenario.SignFlip spec, int size, RandomGenerator rng) {
    double[] s = new double[size];
    Arrays.fill(s, 1.0);
    if (spec instanceof Scenario.SignFlip.Fixed f) {
      return f.values().clone();
    }
    if (spec instanceof Scenario.SignFlip.Random) {
      for (int i = 0; i < size; i++) {
        s[i] = rng.nextBoolean() ? -1.0 : 1.0;
      }
    }
    return s;
  }
}
