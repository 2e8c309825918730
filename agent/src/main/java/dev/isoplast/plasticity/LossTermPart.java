package dev.isoplast.plasticity;

import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.Part;
import dev.isoplast.config.PartConfig;
import java.util.List;

/**
 * A loss term with its own forward pass ({@link LossTerm}) as a method part ({@link Part}): on when
 * its config record says so ({@link PartConfig#on()}), then built for a learner; the shared gradient
 * step calls it with the learner.
 *
 * @param name its name ({@code cchain}, ...)
 * @param off its config record with it off
 * @param factory builds it
 * @param presets the presets it brings
 */
public record LossTermPart<C extends Record & PartConfig>(String name, C off, Factory<C> factory,
    List<MethodPreset> presets) implements Part<C> {

  /** Builds the loss term. */
  @FunctionalInterface
  public interface Factory<C> {
    /**
     * @param output the learner's output network and what its outputs are ({@link Learner#output()})
     * @param seed the learner's method seed (the interventions'): each term derives its own stream
     *     from it ({@code Seeds.stream(seed ^ SALT, counter)})
     */
    LossTerm build(C config, Learner.Output output, long seed);
  }

  public LossTermPart {
    presets = List.copyOf(presets);
  }

  /** Builds it from {@code config} (of {@link #type()}). */
  public LossTerm build(Record config, Learner.Output output, long seed) {
    return factory.build(type().cast(config), output, seed);
  }
}
