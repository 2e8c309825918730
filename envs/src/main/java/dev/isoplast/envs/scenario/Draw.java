package dev.isoplast.envs.scenario;

import java.util.random.RandomGenerator;

/**
 * A dynamics value in a scenario phase: a number, or a distribution drawn anew for every phase
 * instance from the run seed ({@code {uniform: [a, b]}}, {@code {log_uniform: [a, b]}}).
 */
public sealed interface Draw {

  /** The value for one phase instance. */
  double draw(RandomGenerator rng);

  /** The smallest value it can take. */
  double low();

  /** The largest value it can take. */
  double high();

  /** A fixed value. */
  record Fixed(double value) implements Draw {
    @Override
    public double draw(RandomGenerator rng) {
      return value;
    }

    @Override
    public double low() {
      return value;
    }

    @Override
    public double high() {
      return value;
    }
  }

  /** Uniform in [low, high). */
  record Uniform(double low, double high) implements Draw {
    @Override
    public double draw(RandomGenerator rng) {
      return low + (high - low) * rng.nextDouble();
    }
  }

  /** exp(uniform(ln low, ln high)): equal mass per factor, as Slippery Ant's friction (0 < low). */
  record LogUniform(double low, double high) implements Draw {
    @Override
    public double draw(RandomGenerator rng) {
      double a = Math.log(low);
      double b = Math.log(high);
      return Math.exp(a + (b - a) * rng.nextDouble());
    }
  }
}
