package dev.isoplast.optim;

import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.Part;
import dev.isoplast.config.PartConfig;
import dev.isoplast.nn.Param;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A coupled regularizer as a method part ({@link Part}): on when its config record says so
 * ({@link PartConfig#on()}, e.g. a coefficient above 0), then built over a learner's parameters.
 *
 * @param name its name ({@code l2}, {@code parseval}, ...)
 * @param off its config record with it off
 * @param factory builds it
 * @param presets the presets it brings
 */
public record RegularizerPart<C extends Record & PartConfig>(String name, C off, Factory<C> factory,
    List<MethodPreset> presets) implements Part<C> {

  /** Builds the regularizer. */
  @FunctionalInterface
  public interface Factory<C> {
    /**
     * @param params the learner's parameters as at init
     * @param rng the learner's regularizer stream (shared by its regularizers, in registry order)
     */
    Regularizer build(C config, List<Param> params, RandomGenerator rng);
  }

  public RegularizerPart {
    presets = List.copyOf(presets);
  }

  /** Builds it from {@code config} (of {@link #type()}). */
  public Regularizer build(Record config, List<Param> params, RandomGenerator rng) {
    return factory.build(type().cast(config), params, rng);
  }
}
