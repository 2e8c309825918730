package dev.isoplast.monitor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unit revival, the mechanism the isometry paper reports for its regularizer (arXiv 2606.09762:
 * the isometry step reactivates dormant ReLU units), measured between two successive {@link
 * Dormancy} measurements of the same layers. With D_prev, D_now the τ-dormant sets of a layer:
 *
 * <pre>
 *   revived_frac       = |D_prev \ D_now| / |D_prev|          (0 when D_prev is empty)
 *   newly_dormant_frac = |D_now \ D_prev| / (H − |D_prev|)    (0 when every unit was dormant)
 * </pre>
 *
 * per layer and over all layers (unit-weighted: the counts are summed before dividing). Names:
 * {@code plasticity/revived_frac/<layer>}, {@code plasticity/newly_dormant_frac/<layer>},
 * {@code plasticity/revived_frac}, {@code plasticity/newly_dormant_frac}. The two measurements
 * should use the same probe inputs; across a probe refresh a unit can also change state because
 * the inputs did.
 */
public final class Revival {

  private Revival() {}

  /** The metrics between {@code previous} and {@code current} (the same layers, in order) at threshold τ. */
  public static Map<String, Double> metrics(Dormancy.Result previous, Dormancy.Result current, double tau) {
    List<Dormancy.LayerResult> before = previous.layers();
    List<Dormancy.LayerResult> now = current.layers();
    if (before.size() != now.size()) {
      throw new IllegalArgumentException("revival compares the same layers: " + before.size() + " vs " + now.size());
    }
    Map<String, Double> m = new LinkedHashMap<>();
    long wasDormant = 0;
    long wasActive = 0;
    long revived = 0;
    long newlyDormant = 0;
    for (int l = 0; l < now.size(); l++) {
      double[] s0 = before.get(l).scores();
      double[] s1 = now.get(l).scores();
      if (s0.length != s1.length || !before.get(l).layer().equals(now.get(l).layer())) {
        throw new IllegalArgumentException("revival compares the same layers: " + before.get(l).layer() + " ("
            + s0.length + " units) vs " + now.get(l).layer() + " (" + s1.length + ")");
      }
      int d0 = 0;
      int rev = 0;
      int nd = 0;
      for (int i = 0; i < s0.length; i++) {
        boolean dormantBefore = s0[i] <= tau;
        boolean dormantNow = s1[i] <= tau;
        d0 += dormantBefore ? 1 : 0;
        rev += dormantBefore && !dormantNow ? 1 : 0;
        nd += !dormantBefore && dormantNow ? 1 : 0;
      }
      String name = now.get(l).layer();
      m.put("plasticity/revived_frac/" + name, d0 == 0 ? 0.0 : (double) rev / d0);
      m.put("plasticity/newly_dormant_frac/" + name, d0 == s0.length ? 0.0 : (double) nd / (s0.length - d0));
      wasDormant += d0;
      wasActive += s0.length - d0;
      revived += rev;
      newlyDormant += nd;
    }
    m.put("plasticity/revived_frac", wasDormant == 0 ? 0.0 : (double) revived / wasDormant);
    m.put("plasticity/newly_dormant_frac", wasActive == 0 ? 0.0 : (double) newlyDormant / wasActive);
    return m;
  }
}
