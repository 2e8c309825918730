package dev.isoplast.optim;

import dev.isoplast.config.MethodPreset;
import dev.isoplast.config.Part;
import dev.isoplast.config.PartConfig;
import dev.isoplast.nn.Param;
import java.util.List;

/**
 * An optimizer as a method part ({@link Part}): chosen by the {@code optimizer} key (its
 * {@link #name()}), its own keys in its config record ({@link PartConfig#on()}: set away from their
 * defaults, which is an error unless it is the chosen one), and how it is built.
 *
 * @param name the value of {@code optimizer} that chooses it
 * @param off its config record at its defaults
 * @param factory builds it over a learner's parameters
 * @param presets the presets it brings
 */
public record OptimizerPart<C extends Record & PartConfig>(String name, C off, Factory<C> factory,
    List<MethodPreset> presets) implements Part<C> {

  /** Builds the optimizer. */
  @FunctionalInterface
  public interface Factory<C> {
    /**
     * @param config its own keys
     * @param shared the keys every optimizer has (Adam's β1, β2, ε)
     * @param seed for optimizers that draw (AdamO's sketches); the others ignore it
     */
    Optimizer build(C config, OptimizerConfig shared, List<Param> params, double learningRate, long seed);
  }

  public OptimizerPart {
    presets = List.copyOf(presets);
  }

  /** Builds it from {@code config} (of {@link #type()}). */
  public Optimizer build(Record config, OptimizerConfig shared, List<Param> params, double learningRate, long seed) {
    return factory.build(type().cast(config), shared, params, learningRate, seed);
  }
}
