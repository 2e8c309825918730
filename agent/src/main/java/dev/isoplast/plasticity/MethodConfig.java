package dev.isoplast.plasticity;

import dev.isoplast.config.Part;
import dev.isoplast.config.PartConfig;
import dev.isoplast.config.RecordCodec;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.optim.OptimizerConfig;
import dev.isoplast.optim.OptimizerPart;
import dev.isoplast.optim.Regularizer;
import dev.isoplast.optim.RegularizerPart;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The plasticity-method keys every learner config has, with the same flat keys in each: the
 * optimizer's shared keys ({@link OptimizerConfig}) and the config record of every part in the
 * registry ({@link Methods#PARTS}: optimizers, coupled regularizers, loss terms, interventions),
 * each at its defaults (off) unless set. What the learners build from it: the chosen optimizer, the
 * regularizers and loss terms that are on (in registry order) and the interventions that are on
 * (in registry order, which is the order they act in).
 *
 * @param optim the optimizer's shared keys
 * @param parts every registry part's config record, by part name, in registry order
 */
public record MethodConfig(OptimizerConfig optim, Map<String, Record> parts) {

  public MethodConfig {
    if (optim == null) {
      throw new IllegalArgumentException("optimizer options must be given");
    }
    Map<String, Record> copy = new LinkedHashMap<>();
    for (Part<?> p : Methods.PARTS) {
      Record r = parts.get(p.name());
      if (r == null || r.getClass() != p.type()) {
        throw new IllegalArgumentException("method config: part " + p.name() + " missing or of the wrong type");
      }
      copy.put(p.name(), r);
    }
    if (copy.size() != parts.size()) {
      throw new IllegalArgumentException("method config: unknown parts in " + parts.keySet());
    }
    parts = Collections.unmodifiableMap(copy);
    OptimizerPart<?> chosen = optimizerPart(optim.optimizer());
    for (Part<?> p : Methods.PARTS) {
      if (p instanceof OptimizerPart<?> other && other != chosen && ((PartConfig) parts.get(p.name())).on()) {
        List<String> keys = other.keys();
        throw new IllegalArgumentException(String.join(" / ", keys) + (keys.size() == 1 ? " belongs" : " belong")
            + " to optimizer " + other.name() + "; " + (keys.size() == 1 ? "it needs" : "they need") + " optimizer "
            + other.name() + " (got " + optim.optimizer() + ")");
      }
    }
  }

  /** The method keys as a section of a learner's config record ({@link RecordCodec}). */
  public static final RecordCodec.Section<MethodConfig> SECTION = new RecordCodec.Section<>() {
    @Override
    public List<String> keys() {
      return MethodConfig.keys();
    }

    @Override
    public void putInto(MethodConfig value, Map<String, Object> m) {
      value.putInto(m);
    }

    @Override
    public MethodConfig read(Map<String, Object> m, Map<String, Object> given, MethodConfig base) {
      return from(m);
    }
  };

  /** Every key, in order: the optimizer's shared ones, then each part's. */
  public static List<String> keys() {
    List<String> out = new ArrayList<>(RecordCodec.keys(OptimizerConfig.class));
    Methods.PARTS.forEach(p -> out.addAll(p.keys()));
    return List.copyOf(out);
  }

  /** {@code optim} with every part off. */
  public static MethodConfig of(OptimizerConfig optim) {
    Map<String, Record> m = new LinkedHashMap<>();
    Methods.PARTS.forEach(p -> m.put(p.name(), p.off()));
    return new MethodConfig(optim, m);
  }

  /** Plain Adam with ε = {@code adamEps}, every method off. */
  public static MethodConfig adam(double adamEps) {
    return of(OptimizerConfig.adam(adamEps));
  }

  /** The config record of {@code part}. */
  public <C extends Record & PartConfig> C get(Part<C> part) {
    return part.type().cast(parts.get(part.name()));
  }

  /** Writes every key of {@link #keys()} into {@code m}. */
  public void putInto(Map<String, Object> m) {
    RecordCodec.putInto(optim, m);
    parts.values().forEach(r -> RecordCodec.putInto(r, m));
  }

  /** Reads every key of {@link #keys()} from a complete config map (values typed or as strings). */
  public static MethodConfig from(Map<String, Object> m) {
    OptimizerConfig optim = RecordCodec.fromMap(OptimizerConfig.class, m);
    Map<String, Record> parts = new LinkedHashMap<>();
    Methods.PARTS.forEach(p -> parts.put(p.name(), p.read(m)));
    return new MethodConfig(optim, parts);
  }

  /** A copy choosing optimizer {@code name}, the other optimizers' keys back at their defaults. */
  public MethodConfig withOptimizer(String name) {
    Map<String, Record> m = new LinkedHashMap<>(parts);
    for (Part<?> p : Methods.PARTS) {
      if (p instanceof OptimizerPart<?> && !p.name().equals(name)) {
        m.put(p.name(), p.off());
      }
    }
    return new MethodConfig(optim.withOptimizer(name), m);
  }

  /** Whether some regularizer or intervention is on. */
  public boolean any() {
    for (Part<?> p : Methods.PARTS) {
      if (!(p instanceof OptimizerPart<?>) && on(p)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a run with it is told of phase boundaries (an oracle, marked in configs and reports). */
  public boolean oracle() {
    for (Record r : parts.values()) {
      if (((PartConfig) r).oracle()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The chosen optimizer over {@code params}. {@code seed} seeds optimizers that draw (AdamO's
   * sketches), nothing else.
   */
  public Optimizer optimizer(List<Param> params, double learningRate, long seed) {
    OptimizerPart<?> p = optimizerPart(optim.optimizer());
    return p.build(parts.get(p.name()), optim, params, learningRate, seed);
  }

  /** {@link #optimizer(List, double, long)} with seed 0. */
  public Optimizer optimizer(List<Param> params, double learningRate) {
    return optimizer(params, learningRate, 0L);
  }

  /**
   * The coupled regularizers that are on, in registry order ({@code params} as at init), drawing
   * from {@code rng} in that order.
   */
  public List<Regularizer> regularizers(List<Param> params, RandomGenerator rng) {
    List<Regularizer> out = new ArrayList<>();
    for (Part<?> p : Methods.PARTS) {
      if (p instanceof RegularizerPart<?> r && on(p)) {
        out.add(r.build(parts.get(p.name()), params, rng));
      }
    }
    return out;
  }

  /**
   * The loss terms that are on ({@link LossTerm}) for a learner whose task loss trains
   * {@code output} ({@link Learner#output()}), in registry order, each with its own random stream
   * derived from {@code seed} (the learner's method seed, the interventions').
   */
  public List<LossTerm> lossTerms(Learner.Output output, long seed) {
    List<LossTerm> out = new ArrayList<>();
    for (Part<?> p : Methods.PARTS) {
      if (p instanceof LossTermPart<?> t && on(p)) {
        out.add(t.build(parts.get(p.name()), output, seed));
      }
    }
    return out;
  }

  /**
   * The interventions that are on over {@code networks} (the learner's, by role), in registry order,
   * each with its own random stream derived from {@code seed}. Fails with a one-line message if a
   * method cannot act on these networks (e.g. ReDo on a MaxMin body).
   */
  public Interventions interventions(Map<String, Sequential> networks, long seed) {
    List<Intervention> out = new ArrayList<>();
    for (Part<?> p : Methods.PARTS) {
      if (p instanceof InterventionPart<?> i && on(p)) {
        out.add(i.build(parts.get(p.name()), networks, seed));
      }
    }
    return new Interventions(out);
  }

  /** Whether the part {@code p}'s config record turns it on (not in the constructor: fields are set after it). */
  private boolean on(Part<?> p) {
    return ((PartConfig) parts.get(p.name())).on();
  }

  private static OptimizerPart<?> optimizerPart(String name) {
    List<String> names = new ArrayList<>();
    for (Part<?> p : Methods.PARTS) {
      if (p instanceof OptimizerPart<?> o) {
        if (o.name().equals(name)) {
          return o;
        }
        names.add(o.name());
      }
    }
    throw new IllegalArgumentException("optimizer must be one of " + names + ", got '" + name + "'");
  }
}
