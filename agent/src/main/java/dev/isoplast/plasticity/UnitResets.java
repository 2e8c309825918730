package dev.isoplast.plasticity;

import dev.isoplast.config.Snapshot;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which hidden units the interventions have re-initialised since the monitors last asked: ReDo and
 * Continual Backprop record the units they replace ({@link UnitSurgery}), resets every unit of a
 * hidden layer whose incoming Dense they re-initialise. Keyed by the layer's activation name, the
 * name the dormancy monitor gives the layer ({@code actor.body.1}). The monitors {@link #drain} it
 * at every dormancy measurement, so that unit revival counts only the units the method did not
 * reset (monitor.Revival). Its content is part of the interventions' checkpoint state.
 */
public final class UnitResets {

  private final Map<String, BitSet> units = new LinkedHashMap<>();

  /** Records that unit {@code i} of layer {@code layer} was re-initialised. */
  void add(String layer, int i) {
    units.computeIfAbsent(layer, k -> new BitSet()).set(i);
  }

  /** Records that all {@code size} units of {@code layer} were re-initialised. */
  void addAll(String layer, int size) {
    units.computeIfAbsent(layer, k -> new BitSet()).set(0, size);
  }

  /** The units recorded since the previous call, by layer (each reset unit once), and forgets them. */
  public Map<String, BitSet> drain() {
    Map<String, BitSet> out = new LinkedHashMap<>(units);
    units.clear();
    return out;
  }

  Snapshot state() {
    Snapshot s = new Snapshot().put("layers", (long) units.size());
    int l = 0;
    for (Map.Entry<String, BitSet> e : units.entrySet()) {
      s.put(l + "/name", e.getKey()).put(l + "/units", e.getValue().stream().toArray());
      l++;
    }
    return s;
  }

  void restore(Snapshot s) {
    units.clear();
    for (int l = 0; l < s.getInt("layers"); l++) {
      for (int i : s.getInts(l + "/units")) {
        add(s.getString(l + "/name"), i);
      }
    }
  }
}
