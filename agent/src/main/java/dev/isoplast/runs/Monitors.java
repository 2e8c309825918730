package dev.isoplast.runs;

import dev.isoplast.config.LearnerKind;
import dev.isoplast.agents.Callback;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.config.Seeds;
import dev.isoplast.config.Snapshot;
import dev.isoplast.monitor.Dormancy;
import dev.isoplast.monitor.FeatureRank;
import dev.isoplast.monitor.JacobianSpectra;
import dev.isoplast.monitor.Ntk;
import dev.isoplast.monitor.ProbeBatch;
import dev.isoplast.monitor.Revival;
import dev.isoplast.monitor.WeightStats;
import dev.isoplast.nn.Sequential;
import dev.isoplast.plasticity.Learner;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The monitors (the math of {@code dev.isoplast.monitor}) as a training {@link Callback}: after
 * every {@code cadence(kind)}-th update each enabled monitor measures every network of the learner
 * on the probe batch and logs its metrics. The probe batch is drawn from the learner's recent
 * inputs ({@link Learner#recentInputs}) at the first update, at every
 * phase start and every {@link #refreshEvery} updates after that, and held fixed in between so that
 * successive measurements see the same inputs.
 *
 * <p>Names. Per layer, the layer's name carries the network ({@code plasticity/dead_frac/actor.body.1},
 * {@code isometry/critic.body.0/gap}, {@code weights/actor.head/norm}); the totals over all networks
 * are {@code plasticity/dead_frac} and {@code plasticity/dormant_frac}. Per network:
 * {@code plasticity/ntk_*}{@code /NET}, {@code plasticity/feature_*}{@code /NET},
 * {@code isometry/NET.body/*}, {@code weights/NET/*}; the policy network's NTK and feature metrics
 * (PPO's actor, DQN's q_network) are also logged without the suffix ({@code plasticity/ntk_cond},
 * ...). With dormancy, each measurement after the first also logs unit revival against the
 * previous one ({@link Revival}: {@code plasticity/revived_frac}, {@code plasticity/newly_dormant_frac},
 * {@code plasticity/reset_frac}, per layer and overall), leaving out of revival the units the
 * interventions re-initialised in between ({@link dev.isoplast.plasticity.UnitResets}).
 * {@code monitors/ms} is the wall time the measurement took.
 *
 * <p>Monitors run between updates; they change no parameter, gradient or random stream of the
 * learner, so a run's training metrics are the same with monitors on or off.
 */
public final class Monitors implements Callback {

  /** The monitors {@code --monitors} can name. */
  public enum Kind {
    DORMANCY, NTK, ISOMETRY, FEATURES, WEIGHTS;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Default cadences in updates. PPO: one update = all epochs of one iteration (CartPole: 512 env
   * steps, ≈ 100 ms); DQN: one gradient step (every 10 env steps, ≈ 5–10 ms), hence 100× longer;
   * supervised learners ({@code supervised}): one gradient step (≈ 1 ms), with the heavy monitors
   * once per 625 steps (one Permuted-MNIST task at batch 16). Chosen so that all monitors together
   * cost ≤ 3% of training (measured by {@code bench monitors} for PPO).
   */
  public static Map<Kind, Integer> defaultCadence(LearnerKind learner) {
    Map<Kind, Integer> m = new EnumMap<>(Kind.class);
    if (learner == LearnerKind.SUPERVISED) {
      m.put(Kind.WEIGHTS, 125);
      m.put(Kind.DORMANCY, 125);
      m.put(Kind.FEATURES, 625);
      m.put(Kind.NTK, 625);
      m.put(Kind.ISOMETRY, 625);
      return m;
    }
    int f = learner == LearnerKind.DQN ? 100 : 1;
    m.put(Kind.WEIGHTS, 5 * f);
    m.put(Kind.DORMANCY, 10 * f);
    m.put(Kind.FEATURES, 25 * f);
    m.put(Kind.NTK, 50 * f);
    m.put(Kind.ISOMETRY, 50 * f);
    return m;
  }

  /** Updates between probe refreshes for a cadence: four NTK intervals. */
  public static int refreshInterval(Map<Kind, Integer> cadence) {
    return 4 * cadence.get(Kind.NTK);
  }

  /** {@code all}, {@code none} or a comma-separated list of {@link Kind} names. */
  public static Set<Kind> parse(String spec) {
    String s = spec == null ? "all" : spec.trim().toLowerCase(Locale.ROOT);
    if (s.equals("all")) {
      return EnumSet.allOf(Kind.class);
    }
    Set<Kind> out = EnumSet.noneOf(Kind.class);
    if (s.equals("none") || s.isEmpty()) {
      return out;
    }
    for (String part : s.split(",")) {
      out.add(kind(part.trim()));
    }
    return out;
  }

  /** {@code KIND=N,...} overrides of the default cadences. */
  public static Map<Kind, Integer> parseCadence(String spec, Map<Kind, Integer> defaults) {
    Map<Kind, Integer> out = new EnumMap<>(defaults);
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String part : spec.split(",")) {
      String[] kv = part.split("=");
      if (kv.length != 2) {
        throw new IllegalArgumentException("monitor cadence takes KIND=N[,KIND=N...], got '" + part + "'");
      }
      int n;
      try {
        n = Integer.parseInt(kv[1].trim());
      } catch (NumberFormatException e) {
        n = 0;
      }
      if (n < 1) {
        throw new IllegalArgumentException("monitor cadence for " + kv[0].trim() + " must be a positive number of "
            + "updates, got '" + kv[1].trim() + "'");
      }
      out.put(kind(kv[0].trim()), n);
    }
    return out;
  }

  private static Kind kind(String name) {
    for (Kind k : Kind.values()) {
      if (k.configName().equals(name)) {
        return k;
      }
    }
    List<String> names = new ArrayList<>();
    for (Kind k : Kind.values()) {
      names.add(k.configName());
    }
    throw new IllegalArgumentException("unknown monitor '" + name + "'; valid: all, none or a list of "
        + String.join(", ", names));
  }

  private final Learner learner;
  private final Set<Kind> kinds;
  private final Map<Kind, Integer> cadence;
  private final int refreshEvery;
  private final MetricSink sink;
  private final long probeSeed;
  private final Map<String, Sequential> networks;
  private final String policyNetwork;
  private final Map<String, Ntk> ntks = new LinkedHashMap<>();
  private final Map<String, WeightStats> weights = new LinkedHashMap<>();
  private final ProbeBatch probe;
  private long updates;
  private long sinceRefresh;
  private boolean refreshDue = true;
  private long refreshes;
  private double totalMs;
  private Dormancy.Result previousDormancy;

  /**
   * @param probeSize B, the probe batch size
   * @param refreshEvery updates between probe refreshes (besides phase starts)
   * @param seed the probe draws' streams (refresh k draws from its own, {@link Seeds#stream}; not the
   *     learner's)
   */
  public Monitors(Learner learner, Set<Kind> kinds, Map<Kind, Integer> cadence, int probeSize, int refreshEvery,
      long seed, MetricSink sink) {
    if (probeSize < 2) {
      throw new IllegalArgumentException("probe batch size must be at least 2, got " + probeSize);
    }
    if (refreshEvery < 1) {
      throw new IllegalArgumentException("probe refresh interval must be positive, got " + refreshEvery);
    }
    this.learner = learner;
    this.kinds = EnumSet.noneOf(Kind.class);
    this.kinds.addAll(kinds);
    if (kinds.contains(Kind.ISOMETRY)) {
      learner.networks().values().forEach(JacobianSpectra::checkSize); // refused now, not at the first measurement
    }
    this.cadence = new EnumMap<>(cadence);
    this.refreshEvery = refreshEvery;
    this.sink = sink;
    this.probeSeed = seed ^ 0x3A0B17C5L;
    this.networks = learner.networks();
    this.policyNetwork = networks.keySet().iterator().next();
    int inDim = networks.values().iterator().next().inSize();
    this.probe = new ProbeBatch(inDim, probeSize);
    for (Map.Entry<String, Sequential> e : networks.entrySet()) {
      if (this.kinds.contains(Kind.NTK)) { // only when asked for: a layer it cannot handle fails only runs that use it
        ntks.put(e.getKey(), new Ntk(e.getValue(), DataType.DOUBLE)); // float64: cond is not capped by float32 round-off
      }
      weights.put(e.getKey(), new WeightStats(e.getValue()));
    }
  }

  /** Updates seen. */
  public long updates() {
    return updates;
  }

  /** Wall time spent measuring so far, ms. */
  public double totalMs() {
    return totalMs;
  }

  /** The current probe batch. */
  public ProbeBatch probe() {
    return probe;
  }

  @Override
  public void onPhaseStart(int phase, long globalStep) {
    refreshDue = true;
    weights.values().forEach(WeightStats::snapshot);
  }

  @Override
  public void onUpdate(long globalStep) {
    updates++;
    sinceRefresh++;
    List<Kind> due = new ArrayList<>();
    for (Kind k : kinds) {
      if (updates % cadence.get(k) == 0) {
        due.add(k);
      }
    }
    if (due.isEmpty()) {
      return;
    }
    long t0 = System.nanoTime();
    Map<String, Double> m = measure(due);
    double ms = (System.nanoTime() - t0) / 1e6;
    totalMs += ms;
    if (!m.isEmpty()) {
      m.put("monitors/ms", ms);
      sink.log(globalStep, m);
    }
  }

  /** Measures the given monitors now (refreshing the probe batch first if due); the metric row. */
  public Map<String, Double> measure(List<Kind> due) {
    Map<String, Double> m = new LinkedHashMap<>();
    if (due.contains(Kind.WEIGHTS)) {
      weights.values().forEach(w -> m.putAll(w.measure().metrics()));
    }
    if (due.stream().allMatch(k -> k == Kind.WEIGHTS)) {
      return m;
    }
    if (refreshDue || sinceRefresh >= refreshEvery) {
      float[] pool = learner.recentInputs(16 * probe.capacity());
      if (pool.length >= 2 * probe.inDim()) {
        probe.refresh(pool, Seeds.stream(probeSeed, refreshes++));
        refreshDue = false;
        sinceRefresh = 0;
      }
    }
    if (probe.size() < 2) {
      return m; // no data yet
    }
    List<Dormancy.LayerResult> dormancy = new ArrayList<>();
    for (Map.Entry<String, Sequential> e : networks.entrySet()) {
      String net = e.getKey();
      Sequential seq = e.getValue();
      INDArray x = probe.toArray(seq.params().get(0).value().dataType());
      if (due.contains(Kind.DORMANCY)) {
        dormancy.addAll(Dormancy.measure(seq, x).layers());
      }
      if (due.contains(Kind.NTK)) {
        perNetwork(m, Ntk.metrics(ntks.get(net).spectrum(x)), net);
      }
      if (due.contains(Kind.FEATURES)) {
        perNetwork(m, FeatureRank.metrics(FeatureRank.measure(seq, x)), net);
      }
      if (due.contains(Kind.ISOMETRY)) {
        m.putAll(JacobianSpectra.measure(seq, x).metrics());
      }
    }
    if (due.contains(Kind.DORMANCY)) {
      Dormancy.Result now = new Dormancy.Result(dormancy);
      m.putAll(now.metrics());
      // the units the interventions re-initialised since the previous measurement: not revived by the network
      var reset = learner.interventions().unitResets().drain();
      if (previousDormancy != null) {
        m.putAll(Revival.metrics(previousDormancy, now, Dormancy.DORMANT_TAU, reset));
      }
      previousDormancy = now;
    }
    return m;
  }

  /** Its whole state (counters, probe batch, last dormancy, phase-start weights) for a checkpoint. */
  public Snapshot state() {
    Snapshot s = new Snapshot().put("updates", updates).put("since_refresh", sinceRefresh)
        .put("refresh_due", refreshDue).put("refreshes", refreshes).put("total_ms", totalMs)
        .put("probe_rows", probe.rows()).put("probe_size", (long) probe.size());
    if (previousDormancy != null) {
      Snapshot d = new Snapshot().put("layers", (long) previousDormancy.layers().size());
      for (int l = 0; l < previousDormancy.layers().size(); l++) {
        Dormancy.LayerResult r = previousDormancy.layers().get(l);
        d.put(l + "/name", r.layer()).put(l + "/scores", r.scores()).put(l + "/dead", (long) r.dead())
            .put(l + "/dormant", (long) r.dormant());
      }
      s.put("previous_dormancy", d);
    }
    Snapshot w = new Snapshot();
    weights.forEach((net, ws) -> w.put(net, ws.state()));
    return s.put("weights", w);
  }

  /** Puts back {@link #state()} taken from monitors over the same learner and settings. */
  public void restore(Snapshot s) {
    updates = s.getLong("updates");
    sinceRefresh = s.getLong("since_refresh");
    refreshDue = s.getBoolean("refresh_due");
    refreshes = s.getLong("refreshes");
    totalMs = s.getDouble("total_ms");
    probe.restore(s.getFloats("probe_rows"), s.getInt("probe_size"));
    previousDormancy = null;
    if (s.has("previous_dormancy")) {
      Snapshot d = s.getTree("previous_dormancy");
      List<Dormancy.LayerResult> layers = new ArrayList<>();
      for (int l = 0; l < d.getInt("layers"); l++) {
        layers.add(new Dormancy.LayerResult(d.getString(l + "/name"), d.getDoubles(l + "/scores"),
            d.getInt(l + "/dead"), d.getInt(l + "/dormant")));
      }
      previousDormancy = new Dormancy.Result(layers);
    }
    Snapshot w = s.getTree("weights");
    weights.forEach((net, ws) -> ws.restore(w.getTree(net)));
  }

  /** {@code name/NET} for every network, and the plain name for the policy network. */
  private void perNetwork(Map<String, Double> m, Map<String, Double> metrics, String net) {
    metrics.forEach((k, v) -> {
      m.put(k + "/" + net, v);
      if (net.equals(policyNetwork)) {
        m.put(k, v);
      }
    });
  }
}
