package dev.isoplast.plasticity;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.Knob;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.PartConfig;
import static dev.isoplast.config.MethodPreset.kv;

import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.AffineLayer;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Layer;
import dev.isoplast.nn.LayerNorm;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Shrink &amp; Perturb (Ash &amp; Adams 2020, "On warm-starting neural network training"), applied
 * every {@code every} gradient steps to every parameter of the learner's networks (Dense and
 * Conv2D weights and biases, a kernel as a whole; LayerNorm gains and biases; not PPO's free log-std):
 *
 * <pre>
 *   noise:  θ ← p θ + σ ε,              ε ~ N(0, I)
 *   fresh:  θ ← p θ + (1 − p) θ_fresh,  θ_fresh a new draw of each layer's own initialisation
 *           (LayerNorm: γ = 1, β = 0)
 * </pre>
 *
 * Continual-learning studies apply the noise form after every step: Dohare et al. 2024 ("Loss of
 * plasticity in deep continual learning", lop/algos/bp.py) use weight decay 1e-4 with Gaussian
 * noise σ ∈ {1e-4, 1e-5, 1e-6} after each SGD step; here the shrink is the decoupled p. The
 * interpolation form is Ash &amp; Adams' shrink towards a fresh initialisation. The noise of event
 * k comes from its own stream ({@link dev.isoplast.config.Seeds}); the state is the event count.
 */
public final class ShrinkPerturb implements Intervention {

  /** The forms {@code shrink_perturb} can name. */
  public static final List<String> FORMS = List.of("none", "noise", "fresh");

  /**
   * Its keys.
   *
   * @param shrinkPerturb {@code shrink_perturb}: none | noise (θ ← pθ + σε) | fresh (θ ← pθ + (1 − p)θ_fresh)
   * @param shrinkP {@code shrink_p}: the shrink factor p ∈ (0, 1]
   * @param perturbSigma {@code perturb_sigma}: the noise scale σ (noise only)
   * @param shrinkPerturbEvery {@code shrink_perturb_every}: gradient steps between applications
   */
  public record Config(String shrinkPerturb, double shrinkP, double perturbSigma, int shrinkPerturbEvery)
      implements PartConfig {
    public Config {
      if (shrinkPerturb == null || !FORMS.contains(shrinkPerturb)) {
        throw new IllegalArgumentException("shrink_perturb must be one of " + FORMS + ", got '" + shrinkPerturb + "'");
      }
      if (!(shrinkP > 0 && shrinkP <= 1)) {
        throw new IllegalArgumentException("shrink_p must be in (0, 1], got " + shrinkP);
      }
      ConfigValues.nonNegative("perturb_sigma", perturbSigma);
      ConfigValues.positive("shrink_perturb_every", shrinkPerturbEvery);
      if (shrinkPerturb.equals("none") && (shrinkP != 1 || perturbSigma != 0)) {
        throw new IllegalArgumentException("shrink_p / perturb_sigma need shrink_perturb=noise or fresh (got none)");
      }
      if (shrinkPerturb.equals("fresh") && perturbSigma != 0) {
        throw new IllegalArgumentException("perturb_sigma is the noise form's; shrink_perturb=fresh interpolates "
            + "towards a fresh init instead");
      }
    }

    @Override
    public boolean on() {
      return !shrinkPerturb.equals("none");
    }
  }

  /** Shrink &amp; Perturb as a method part, with its preset (after every gradient step). */
  public static final InterventionPart<Config> PART = new InterventionPart<>("shrink_perturb",
      new Config("none", 1.0, 0.0, 1),
      (c, networks, seed) -> new ShrinkPerturb(List.copyOf(networks.values()),
          c.shrinkPerturb().equals("noise") ? Mode.NOISE : Mode.FRESH, c.shrinkP(), c.perturbSigma(),
          c.shrinkPerturbEvery(), seed ^ 0x5A11L),
      List.of(new MethodPreset("shrink-perturb", "Shrink & Perturb after every gradient step",
          "θ ← pθ + σε, p = 1 − 1e-5, σ = 1e-4",
          "Ash & Adams 2020; per step as Dohare et al. 2024 (noise σ ∈ {1e-4, 1e-5, 1e-6} after each step); "
              + "p = 1 − 1e-5 chosen here (≈ AdamW's η·λ at η = 1e-3, λ = 1e-2)",
          kv("optimizer", "adam", "shrink_perturb", "noise", "shrink_p", 1 - 1e-5, "perturb_sigma", 1e-4), kv(),
          Knob.of("perturb_sigma", "Dohare et al. 2024's σ ∈ {1e-6, 1e-5, 1e-4} and two decades above",
              1e-6, 1e-5, 1e-4, 1e-3, 1e-2))));

  /** Which form. */
  enum Mode {
    NOISE,
    FRESH
  }

  private final List<Sequential> networks;
  private final Mode mode;
  private final double p;
  private final double sigma;
  private final long every;
  private final long seed;
  private long events;

  ShrinkPerturb(List<Sequential> networks, Mode mode, double p, double sigma, long every, long seed) {
    this.networks = List.copyOf(networks);
    this.mode = mode;
    this.p = p;
    this.sigma = sigma;
    this.every = every;
    this.seed = seed;
    if (mode == Mode.FRESH) {
      for (Sequential net : networks) {
        for (AffineLayer d : net.layersOf(AffineLayer.class)) {
          if (d.init() == null) {
            throw new IllegalArgumentException("shrink_perturb=fresh draws each layer's init, but " + d.name()
                + " was not initialised by an Init");
          }
        }
      }
    }
  }

  @Override
  public String name() {
    return "shrink_perturb";
  }

  @Override
  public void afterStep(Learner learner, long step) {
    if (step % every == 0) {
      apply(Seeds.stream(seed, events++));
    }
  }

  /** One application with {@code rng}. */
  void apply(RandomGenerator rng) {
    for (Sequential net : networks) {
      for (Layer layer : net.layers()) {
        if (mode == Mode.NOISE) {
          for (Param q : layer.params()) {
            noise(q.value(), rng);
          }
        } else if (layer instanceof AffineLayer d) {
          double[][] w = d.init().weights(d, rng);
          double[] b = d.init().biases(d.units(), d.fanIn(), rng);
          double[] flat = new double[d.units() * d.fanIn()];
          for (int i = 0; i < w.length; i++) {
            System.arraycopy(w[i], 0, flat, i * d.fanIn(), d.fanIn());
          }
          interpolate(d.weight().value(), flat);
          interpolate(d.bias().value(), b);
        } else if (layer instanceof LayerNorm ln) {
          double[] ones = new double[ln.outSize()];
          java.util.Arrays.fill(ones, 1.0);
          interpolate(ln.gain().value(), ones);
          interpolate(ln.bias().value(), new double[ln.outSize()]);
        }
      }
    }
  }

  private void noise(INDArray a, RandomGenerator rng) {
    double[] v = HostArrays.toDoubles(a, null);
    for (int i = 0; i < v.length; i++) {
      v[i] = p * v[i] + sigma * rng.nextGaussian();
    }
    HostArrays.fromDoubles(v, a);
  }

  private void interpolate(INDArray a, double[] fresh) {
    double[] v = HostArrays.toDoubles(a, null);
    for (int i = 0; i < v.length; i++) {
      v[i] = p * v[i] + (1 - p) * fresh[i];
    }
    HostArrays.fromDoubles(v, a);
  }

  @Override
  public Snapshot state() {
    return Intervention.counterState(name(), events);
  }

  @Override
  public void restore(Snapshot state) {
    Intervention.checkKind(state, name());
    events = state.getLong("events");
  }
}
