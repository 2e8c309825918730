package dev.isoplast.plasticity;

import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.Dense;
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
 * every {@code every} gradient steps to every parameter of the learner's networks (Dense weights
 * and biases, LayerNorm gains and biases; not PPO's free log-std):
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
final class ShrinkPerturb implements Intervention {

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
        for (Dense d : net.layersOf(Dense.class)) {
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
        } else if (layer instanceof Dense d) {
          double[][] w = d.init().weights(d.outSize(), d.inSize(), rng);
          double[] b = d.init().biases(d.outSize(), d.inSize(), rng);
          double[] flat = new double[d.outSize() * d.inSize()];
          for (int i = 0; i < w.length; i++) {
            System.arraycopy(w[i], 0, flat, i * d.inSize(), d.inSize());
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
