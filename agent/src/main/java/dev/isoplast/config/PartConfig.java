package dev.isoplast.config;

/**
 * The config record of one {@link Part}: its keys are its components ({@link RecordCodec}), its
 * checks are in its compact constructor, and the instance {@link Part#off()} holds its defaults.
 */
public interface PartConfig {

  /** Whether the part acts with these values (a coefficient above 0, a period set, ...). */
  boolean on();

  /**
   * Whether these values make the part use what a learner cannot know in general, the scenario's
   * phase boundaries (marked {@code oracle} in configs and reports).
   */
  default boolean oracle() {
    return false;
  }
}
