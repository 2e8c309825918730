package dev.isoplast.plasticity;

import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.Part;
import dev.isoplast.config.PartConfig;
import dev.isoplast.nn.Sequential;
import java.util.List;
import java.util.Map;

/**
 * An intervention as a method part ({@link Part}): on when its config record says so
 * ({@link PartConfig#on()}), then built over a learner's networks.
 *
 * @param name its name ({@code redo}, {@code cbp}, ...)
 * @param off its config record with it off
 * @param factory builds it
 * @param presets the presets it brings
 */
public record InterventionPart<C extends Record & PartConfig>(String name, C off, Factory<C> factory,
    List<MethodPreset> presets) implements Part<C> {

  /** Builds the intervention. */
  @FunctionalInterface
  public interface Factory<C> {
    /**
     * @param networks the learner's networks by role
     * @param seed the learner's intervention seed: each intervention derives its own stream from it
     */
    Intervention build(C config, Map<String, Sequential> networks, long seed);
  }

  public InterventionPart {
    presets = List.copyOf(presets);
  }

  /** Builds it from {@code config} (of {@link #type()}). */
  public Intervention build(Record config, Map<String, Sequential> networks, long seed) {
    return factory.build(type().cast(config), networks, seed);
  }
}
