package dev.isoplast.monitor;

import dev.isoplast.nn.Dense;
import dev.isoplast.nn.NetworkParts;
import dev.isoplast.nn.Sequential;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The rank of the penultimate features Φ [B, d] on the probe batch: the body's output, i.e. the
 * input of the head Dense (Kumar, Agarwal, Ghosh &amp; Levine 2021, "Implicit under-parameterization
 * inhibits data-efficient deep reinforcement learning"). Both ranks are computed on the singular
 * values σ_i of Φ (not on the eigenvalues σ_i² of ΦᵀΦ), as Kumar et al. define
 * {@code srank_δ(Φ) = min k : Σ_{i≤k} σ_i / Σ_i σ_i ≥ 1 − δ}, δ = 0.01; erank is Roy &amp; Vetterli's
 * on the same σ (see {@link SpectrumStats}). Φ is not centred.
 *
 * <p>Metrics: {@code plasticity/feature_srank}, {@code plasticity/feature_erank}.
 */
public final class FeatureRank {

  private FeatureRank() {}

  /**
   * Runs {@code net} forward on the probes and summarises the singular values of its penultimate
   * features (the output itself for a network without a head). Side effect: the layers' cached
   * forward state for batch size B is overwritten.
   */
  public static SpectrumStats measure(Sequential net, INDArray probes) {
    INDArray out = net.forward(probes);
    int head = NetworkParts.headIndex(net);
    INDArray phi = head < net.layers().size() ? ((Dense) net.layer(head)).lastInput() : out;
    return SpectrumStats.ofSingularValues(phi);
  }

  /** {@code plasticity/feature_srank} and {@code plasticity/feature_erank}. */
  public static Map<String, Double> metrics(SpectrumStats stats) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("plasticity/feature_srank", (double) stats.srank());
    m.put("plasticity/feature_erank", stats.erank());
    return m;
  }
}
