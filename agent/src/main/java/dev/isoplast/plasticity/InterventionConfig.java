package dev.isoplast.plasticity;

import static dev.isoplast.config.ConfigValues.asBool;
import static dev.isoplast.config.ConfigValues.asDouble;
import static dev.isoplast.config.ConfigValues.asInt;
import static dev.isoplast.config.ConfigValues.asString;
import static dev.isoplast.config.ConfigValues.atLeast;
import static dev.isoplast.config.ConfigValues.nonNegative;
import static dev.isoplast.config.ConfigValues.positive;

import dev.isoplast.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The intervention options every learner config has, with the same flat keys in each
 * ({@link #KEYS}); all off by default. Schedules count gradient steps ({@code *_every} of
 * Shrink &amp; Perturb) or updates ({@code redo_every}, {@code reset_every}: PPO iterations, DQN and
 * supervised gradient steps; see {@link Learner#updates()}).
 *
 * @param shrinkPerturb {@code shrink_perturb}: none | noise (θ ← pθ + σε) | fresh (θ ← pθ + (1 − p)θ_fresh)
 * @param shrinkP {@code shrink_p}: the shrink factor p ∈ (0, 1]
 * @param perturbSigma {@code perturb_sigma}: the noise scale σ (noise only)
 * @param shrinkPerturbEvery {@code shrink_perturb_every}: gradient steps between applications
 * @param redoEvery {@code redo_every}: updates between ReDo recycles (0 = off)
 * @param redoTau {@code redo_tau}: the dormancy threshold τ
 * @param redoBatch {@code redo_batch}: recent inputs the dormancy scores are measured on
 * @param cbpRate {@code cbp_rate}: Continual Backprop's replacement rate ρ (0 = off)
 * @param cbpMaturity {@code cbp_maturity}: the maturity threshold m in gradient steps
 * @param cbpDecay {@code cbp_decay}: the utility decay η
 * @param resetEvery {@code reset_every}: updates between resets (0 = off)
 * @param resetLayers {@code reset_layers}: Dense layers reset, counted from the output (0 = all)
 * @param resetAtPhase {@code reset_at_phase}: also reset at every scenario phase start (an oracle)
 * @param orthonormalizeIters {@code orthonormalize_iters}: Björck iterations on each hidden weight
 *     after every gradient step (0 = off)
 * @param orthonormalizeBeta {@code orthonormalize_beta}: the Björck step β
 */
public record InterventionConfig(String shrinkPerturb, double shrinkP, double perturbSigma, int shrinkPerturbEvery,
    int redoEvery, double redoTau, int redoBatch, double cbpRate, int cbpMaturity, double cbpDecay, int resetEvery,
    int resetLayers, boolean resetAtPhase, int orthonormalizeIters, double orthonormalizeBeta) {

  /** The forms {@link #shrinkPerturb} can name. */
  public static final List<String> SHRINK_PERTURB = List.of("none", "noise", "fresh");

  /** The keys of this record in a learner config, in the order {@link #putInto} writes them. */
  public static final List<String> KEYS = List.of("shrink_perturb", "shrink_p", "perturb_sigma",
      "shrink_perturb_every", "redo_every", "redo_tau", "redo_batch", "cbp_rate", "cbp_maturity", "cbp_decay",
      "reset_every", "reset_layers", "reset_at_phase", "orthonormalize_iters", "orthonormalize_beta");

  public InterventionConfig {
    if (shrinkPerturb == null || !SHRINK_PERTURB.contains(shrinkPerturb)) {
      throw new IllegalArgumentException("shrink_perturb must be one of " + SHRINK_PERTURB + ", got '" + shrinkPerturb
          + "'");
    }
    if (!(shrinkP > 0 && shrinkP <= 1)) {
      throw new IllegalArgumentException("shrink_p must be in (0, 1], got " + shrinkP);
    }
    nonNegative("perturb_sigma", perturbSigma);
    positive("shrink_perturb_every", shrinkPerturbEvery);
    if (shrinkPerturb.equals("none") && (shrinkP != 1 || perturbSigma != 0)) {
      throw new IllegalArgumentException("shrink_p / perturb_sigma need shrink_perturb=noise or fresh (got none)");
    }
    if (shrinkPerturb.equals("fresh") && perturbSigma != 0) {
      throw new IllegalArgumentException("perturb_sigma is the noise form's; shrink_perturb=fresh interpolates "
          + "towards a fresh init instead");
    }
    atLeast("redo_every", redoEvery, 0);
    if (!(redoTau >= 0 && redoTau <= 1)) {
      throw new IllegalArgumentException("redo_tau must be in [0, 1], got " + redoTau);
    }
    atLeast("redo_batch", redoBatch, 2);
    if (!(cbpRate >= 0 && cbpRate < 1)) {
      throw new IllegalArgumentException("cbp_rate must be in [0, 1), got " + cbpRate);
    }
    atLeast("cbp_maturity", cbpMaturity, 0);
    if (!(cbpDecay >= 0 && cbpDecay < 1)) {
      throw new IllegalArgumentException("cbp_decay must be in [0, 1), got " + cbpDecay);
    }
    atLeast("reset_every", resetEvery, 0);
    atLeast("reset_layers", resetLayers, 0);
    atLeast("orthonormalize_iters", orthonormalizeIters, 0);
    if (!(orthonormalizeBeta > 0 && orthonormalizeBeta <= 1)) {
      throw new IllegalArgumentException("orthonormalize_beta must be in (0, 1], got " + orthonormalizeBeta);
    }
  }

  /** Every intervention off. */
  public static InterventionConfig none() {
    return new InterventionConfig("none", 1.0, 0.0, 1, 0, 0.025, 256, 0.0, 100, 0.99, 0, 1, false, 0, 0.5);
  }

  /** Whether some intervention is on. */
  public boolean any() {
    return !shrinkPerturb.equals("none") || redoEvery > 0 || cbpRate > 0 || resetEvery > 0 || resetAtPhase
        || orthonormalizeIters > 0;
  }

  /** Whether a run with it is told of phase boundaries (an oracle, marked in configs and reports). */
  public boolean oracle() {
    return resetAtPhase;
  }

  /** Writes the keys of {@link #KEYS} into {@code m}. */
  public void putInto(Map<String, Object> m) {
    m.put("shrink_perturb", shrinkPerturb);
    m.put("shrink_p", shrinkP);
    m.put("perturb_sigma", perturbSigma);
    m.put("shrink_perturb_every", shrinkPerturbEvery);
    m.put("redo_every", redoEvery);
    m.put("redo_tau", redoTau);
    m.put("redo_batch", redoBatch);
    m.put("cbp_rate", cbpRate);
    m.put("cbp_maturity", cbpMaturity);
    m.put("cbp_decay", cbpDecay);
    m.put("reset_every", resetEvery);
    m.put("reset_layers", resetLayers);
    m.put("reset_at_phase", resetAtPhase);
    m.put("orthonormalize_iters", orthonormalizeIters);
    m.put("orthonormalize_beta", orthonormalizeBeta);
  }

  /** Reads the keys of {@link #KEYS} from a complete config map (values typed or as strings). */
  public static InterventionConfig from(Map<String, Object> m) {
    return new InterventionConfig(asString(m, "shrink_perturb"), asDouble(m, "shrink_p"), asDouble(m, "perturb_sigma"),
        asInt(m, "shrink_perturb_every"), asInt(m, "redo_every"), asDouble(m, "redo_tau"), asInt(m, "redo_batch"),
        asDouble(m, "cbp_rate"), asInt(m, "cbp_maturity"), asDouble(m, "cbp_decay"), asInt(m, "reset_every"),
        asInt(m, "reset_layers"), asBool(m, "reset_at_phase"), asInt(m, "orthonormalize_iters"),
        asDouble(m, "orthonormalize_beta"));
  }

  /**
   * The configured interventions over {@code networks} (the learner's, by role), each with its own
   * random stream derived from {@code seed}. Fails with a one-line message if a method cannot act on
   * these networks (e.g. ReDo on a MaxMin body).
   */
  public Interventions build(Map<String, Sequential> networks, long seed) {
    List<Intervention> out = new ArrayList<>();
    if (!shrinkPerturb.equals("none")) {
      out.add(new ShrinkPerturb(List.copyOf(networks.values()),
          shrinkPerturb.equals("noise") ? ShrinkPerturb.Mode.NOISE : ShrinkPerturb.Mode.FRESH, shrinkP, perturbSigma,
          shrinkPerturbEvery, seed ^ 0x5A11L));
    }
    if (cbpRate > 0) {
      out.add(new ContinualBackprop(networks, cbpRate, cbpMaturity, cbpDecay, seed ^ 0xCB9L));
    }
    if (orthonormalizeIters > 0) {
      out.add(new Orthonormalize(networks, orthonormalizeIters, orthonormalizeBeta));
    }
    if (redoEvery > 0) {
      out.add(new Redo(networks, redoEvery, redoTau, redoBatch, seed ^ 0x4ED0L));
    }
    if (resetEvery > 0 || resetAtPhase) {
      out.add(new Reset(networks, resetEvery, resetLayers, resetAtPhase, seed ^ 0x4E5E7L));
    }
    return new Interventions(out);
  }
}
