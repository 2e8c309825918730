package dev.isoplast.monitor;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unit revival, the mechanism the isometry paper reports for its regularizer (arXiv 2606.09762:
 * the isometry step reactivates dormant ReLU units), measured between two successive {@link
 * Dormancy} measurements of the same layers. With D_prev, D_now the τ-dormant sets of a layer of H
 * units, A_prev its other units, and R the units a plasticity method re-initialised between the two
 * measurements (ReDo, Continual Backprop, resets: their revival is the method's doing, not the
 * network's, so they are left out of both fractions — issue 21):
 *
 * <pre>
 *   revived_frac       = |(D_prev \ R) \ D_now| / |D_prev \ R|      (0 when D_prev \ R is empty)
 *   newly_dormant_frac = |(A_prev \ R) ∩ D_now| / |A_prev \ R|      (0 when A_prev \ R is empty)
 *   reset_frac         = |R| / H
 * </pre>
 *
 * per layer and over all layers (unit-weighted: the counts are summed before dividing). With no
 * method resetting units (R = ∅) these are the fractions of D_prev and A_prev, as before. Names:
 * {@code plasticity/revived_frac/<layer>}, {@code plasticity/newly_dormant_frac/<layer>},
 * {@code plasticity/reset_frac/<layer>}, and the same without the layer over all layers. The two
 * measurements should use the same probe inputs; across a probe refresh a unit can also change
 * state because the inputs did.
 */
public final class Revival {

  private Revival() {}

  /** The metrics between {@code previous} and {@code current} (the same layers, in order) at threshold τ, no unit reset. */
  public static Map<String, Double> metrics(Dormancy.Result previous, Dormancy.Result current, double tau) {
    return metrics(previous, current, tau, Map.of());
  }

  /**
   * The metrics between {@code previous} and {@code current} (the same layers, in order) at threshold
   * τ, leaving out the units {@code reset} names (by layer name; a layer absent had none reset).
   */
  public static Map<String, Double> metrics(Dormancy.Result previous, Dormancy.Result current, double tau,
      Map<String, BitSet> reset) {
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
    long resetUnits = 0;
    long units = 0;
    for (int l = 0; l < now.size(); l++) {
      double[] s0 = before.get(l).scores();
      double[] s1 = now.get(l).scores();
      if (s0.length != s1.length || !before.get(l).layer().equals(now.get(l).layer())) {
        throw new IllegalArgumentException("revival compares the same layers: " + before.get(l).layer() + " ("
            + s0.length + " units) vs " + now.get(l).layer() + " (" + s1.length + ")");
      }
      String name = now.get(l).layer();
      BitSet r = reset.getOrDefault(name, new BitSet());
      int d0 = 0;
      int a0 = 0;
      int rev = 0;
      int nd = 0;
      int rs = 0;
      for (int i = 0; i < s0.length; i++) {
        if (r.get(i)) {
          rs++;
          continue;
        }
        boolean dormantBefore = s0[i] <= tau;
        boolean dormantNow = s1[i] <= tau;
        d0 += dormantBefore ? 1 : 0;
        a0 += dormantBefore ? 0 : 1;
        rev += dormantBefore && !dormantNow ? 1 : 0;
        nd += !dormantBefore && dormantNow ? 1 : 0;
      }
      m.put("plasticity/revived_frac/" + name, d0 == 0 ? 0.0 : (double) rev / d0);
      m.put("plasticity/newly_dormant_frac/" + name, a0 == 0 ? 0.0 : (double) nd / a0);
      m.put("plasticity/reset_frac/" + name, (double) rs / s0.length);
      wasDormant += d0;
      wasActive += a0;
      revived += rev;
      newlyDormant += nd;
      resetUnits += rs;
      units += s0.length;
    }
    m.put("plasticity/revived_frac", wasDormant == 0 ? 0.0 : (double) revived / wasDormant);
    m.put("plasticity/newly_dormant_frac", wasActive == 0 ? 0.0 : (double) newlyDormant / wasActive);
    m.put("plasticity/reset_frac", units == 0 ? 0.0 : (double) resetUnits / units);
    return m;
  }
}
