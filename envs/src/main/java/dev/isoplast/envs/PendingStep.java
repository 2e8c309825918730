package dev.isoplast.envs;

/**
 * A step in flight, started by {@link VectorEnv#stepAsync}: {@link #await()} returns its result
 * (what {@link VectorEnv#step} would have returned) once, blocking until it is there.
 */
@FunctionalInterface
public interface PendingStep {

  StepResult await();
}
