package dev.isoplast.agents;

import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.FlatParams;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Param;
import dev.isoplast.optim.GradClip;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.optim.Regularizer;
import dev.isoplast.plasticity.Interventions;
import dev.isoplast.plasticity.Learner;
import dev.isoplast.plasticity.LossTerm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one gradient-step path every learner takes (DESIGN.md §13), so that a plasticity method
 * plugs into PPO, DQN and the supervised learner alike:
 *
 * <pre>
 *   zero grads → loss terms (each adds its gradient, from its own forward pass on reference inputs)
 *   → the learner's loss and backward → coupled regularizers (Σ_r ∇R_r added to the grads)
 *   → global-norm clipping (if configured) → optimizer.step() → interventions.afterStep
 * </pre>
 *
 * and, when the learner finishes an update (PPO: an iteration; DQN, supervised: a gradient step),
 * {@link #endUpdate} → loss terms' afterUpdate → interventions.afterUpdate. The loss terms
 * ({@link LossTerm}) go before the task loss so that the layers' forward caches hold the training
 * batch's afterwards, as the interventions expect. It also counts the updates and holds what the
 * learner logs of its regularizers and interventions.
 */
public final class GradientStep {

  private final List<Param> params;
  private final List<INDArray> grads; // the gradients as few arrays as possible (a flat run as one)
  private final Optimizer optimizer;
  private final List<Regularizer> regularizers;
  private final List<LossTerm> lossTerms;
  private final Double maxGradNorm;
  private final Interventions interventions;
  private long updates;

  /**
   * @param maxGradNorm the global-norm clip, or null for none
   */
  public GradientStep(List<Param> params, Optimizer optimizer, List<Regularizer> regularizers, Double maxGradNorm,
      Interventions interventions) {
    this(params, optimizer, regularizers, List.of(), maxGradNorm, interventions);
  }

  /**
   * @param lossTerms the loss terms, in the order they add their gradients
   * @param maxGradNorm the global-norm clip, or null for none
   */
  public GradientStep(List<Param> params, Optimizer optimizer, List<Regularizer> regularizers,
      List<LossTerm> lossTerms, Double maxGradNorm, Interventions interventions) {
    this.params = List.copyOf(params);
    this.grads = FlatParams.gradArrays(this.params);
    this.optimizer = optimizer;
    this.regularizers = List.copyOf(regularizers);
    this.lossTerms = List.copyOf(lossTerms);
    this.maxGradNorm = maxGradNorm;
    this.interventions = interventions;
  }

  /** Clears every parameter's gradient (backward adds into them): one pass or op per flat run. */
  public void zeroGrad() {
    for (INDArray g : grads) {
      HostArrays.zeroOrAssign(g);
    }
  }

  /**
   * One gradient step of {@code learner}: the loss terms add their gradients into the (zeroed)
   * grads, {@code lossAndBackward} computes the task loss and adds its gradient; then regularizers,
   * clipping, the optimizer step and the interventions' {@code afterStep}.
   */
  public void take(Learner learner, Runnable lossAndBackward) {
    zeroGrad();
    for (LossTerm term : lossTerms) {
      term.addGradient(learner, optimizer.stepCount() + 1);
    }
    lossAndBackward.run();
    for (Regularizer reg : regularizers) {
      reg.apply(params);
    }
    if (maxGradNorm != null) {
      GradClip.clip(grads, maxGradNorm);
    }
    optimizer.step();
    interventions.afterStep(learner, optimizer.stepCount());
  }

  /** The learner finished an update: counts it and runs the loss terms' and interventions' {@code afterUpdate}. */
  public void endUpdate(Learner learner) {
    updates++;
    for (LossTerm term : lossTerms) {
      term.afterUpdate(learner, updates);
    }
    interventions.afterUpdate(learner, updates);
  }

  /**
   * Its state for a checkpoint: the update count, the optimizer (moments, step, rate), the
   * regularizers', the loss terms' (when there are any) and the interventions' state. The
   * parameters themselves are the learner's.
   */
  public Snapshot state() {
    Snapshot regs = new Snapshot();
    for (int k = 0; k < regularizers.size(); k++) {
      regs.put(String.valueOf(k), regularizers.get(k).state());
    }
    Snapshot s = new Snapshot().put("updates", updates).put("optimizer", optimizer.snapshot())
        .put("regularizers", regs).put("interventions", interventions.state());
    if (!lossTerms.isEmpty()) {
      Snapshot terms = new Snapshot();
      for (int k = 0; k < lossTerms.size(); k++) {
        terms.put(String.valueOf(k), lossTerms.get(k).state());
      }
      s.put("loss_terms", terms);
    }
    return s;
  }

  /** Puts back {@link #state()} taken from a step over the same parameters and configuration. */
  public void restore(Snapshot s) {
    updates = s.getLong("updates");
    optimizer.restore(s.getTree("optimizer"));
    Snapshot regs = s.getTree("regularizers");
    for (int k = 0; k < regularizers.size(); k++) {
      regularizers.get(k).restore(regs.getTree(String.valueOf(k)), params);
    }
    interventions.restore(s.getTree("interventions"));
    if (!lossTerms.isEmpty()) {
      if (!s.has("loss_terms")) {
        throw new IllegalArgumentException("the checkpoint holds no loss-term state, but " + lossTerms.size()
            + " loss term(s) are configured");
      }
      Snapshot terms = s.getTree("loss_terms");
      for (int k = 0; k < lossTerms.size(); k++) {
        lossTerms.get(k).restore(terms.getTree(String.valueOf(k)));
      }
    }
  }

  /** Updates completed so far. */
  public long updates() {
    return updates;
  }

  public Interventions interventions() {
    return interventions;
  }

  public List<Regularizer> regularizers() {
    return regularizers;
  }

  public List<LossTerm> lossTerms() {
    return lossTerms;
  }

  /**
   * What the learner logs with each update row: {@code losses/<regularizer>} (the penalty at the
   * current parameters), the loss terms' metrics and the interventions' (counts since the previous
   * call, totals).
   */
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (Regularizer reg : regularizers) {
      m.put("losses/" + reg.name(), reg.value(params));
    }
    for (LossTerm term : lossTerms) {
      m.putAll(term.metrics());
    }
    m.putAll(interventions.metrics());
    return m;
  }
}
