package dev.isoplast.envs;

import java.util.List;

/**
 * A vector whose two halves can be stepped in turn, each as a {@link VectorEnv} of its own over
 * the same envs: envs {@code 0 .. n-1} and {@code n .. numEnvs-1}, where {@code n} is the first
 * half's {@link VectorEnv#numEnvs()}. PPO's {@code overlap_rollout} computes one half's actions
 * while the other half steps. Reset and reconfigure the whole; closing a half closes nothing.
 */
public interface TwoHalves extends VectorEnv {

  /** The two halves, in env order. */
  List<VectorEnv> halves();
}
