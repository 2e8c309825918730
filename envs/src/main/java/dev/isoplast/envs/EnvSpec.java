package dev.isoplast.envs;

import dev.isoplast.envs.spaces.Space;
import java.util.List;

/**
 * What a server says about one allowed env id: its spaces, the constructor kwargs it accepts and
 * the dynamics parameters {@link VectorEnv#reconfigure} may change.
 */
public record EnvSpec(
    String envId,
    Space observationSpace,
    Space actionSpace,
    long maxEpisodeSteps,
    List<Param> dynamics,
    List<Kwarg> kwargs) {

  /**
   * A dynamics parameter with its allowed closed range and Gymnasium's default; an {@code integer}
   * one (a switch env's game) takes whole numbers only.
   */
  public record Param(String name, double min, double max, double defaultValue, String description,
      boolean integer) {

    /** A parameter that takes any number in its range. */
    public Param(String name, double min, double max, double defaultValue, String description) {
      this(name, min, max, defaultValue, description, false);
    }
  }

  /** A constructor keyword argument ({@code float}, {@code int}, {@code bool} or {@code str}). */
  public record Kwarg(String name, String type, String description) {}
}
