package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Selects the parameters a decoupled stage or a regularizer acts on.
 *
 * <p><b>The one policy</b> (issue 21): every plasticity method — the coupled regularizers (L2,
 * L2-Init, Parseval, spectral), AdamW's decay, AdamO's isometry step, and the interventions (Shrink
 * &amp; Perturb, ReDo, Continual Backprop, resets, the Björck projection) — acts on the parameters of
 * the networks' layers only ({@link #layerParams}). A parameter of the action distribution that
 * belongs to no layer, PPO's state-independent {@code actor.log_std} ({@link Param.Role#DISTRIBUTION}),
 * is excluded from all of them: it is not a layer weight, and pulling it towards 0 (L2) or θ₀
 * (L2-Init) would change the policy's exploration, not its plasticity, which with {@code ent_coef} 0
 * would confound a comparison of methods. Every mask below is built on {@link #layerParams}; the
 * interventions act on the layers of {@link dev.isoplast.plasticity.Learner#networks}, where no such
 * parameter lives.
 */
@FunctionalInterface
public interface ParamMask extends Predicate<Param> {

  /** Every parameter (no method uses this: see {@link #layerParams}). */
  static ParamMask all() {
    return p -> true;
  }

  /** No parameter. */
  static ParamMask none() {
    return p -> false;
  }

  /** The policy of every method: the layers' parameters, not a distribution's (PPO's log-std). */
  static ParamMask layerParams() {
    return p -> p.role() != Param.Role.DISTRIBUTION;
  }

  /** 2-D weights of hidden (body) layers: the isometry regularizer's default (DESIGN.md §6). */
  static ParamMask hiddenWeights() {
    return layerParams().and(Param::isHiddenWeight);
  }

  /** Every 2-D weight, heads included (the isometry option "output heads too"). */
  static ParamMask allWeights() {
    return layerParams().and(p -> p.role() == Param.Role.WEIGHT && p.value().rank() == 2);
  }

  /** Everything but biases and normalisation parameters (AdamW's usual decay mask). */
  static ParamMask weights() {
    return layerParams().and(p -> p.role() == Param.Role.WEIGHT);
  }

  /** Parameters whose dotted name matches the regex in full. */
  static ParamMask nameMatches(String regex) {
    Pattern pattern = Pattern.compile(regex);
    return p -> pattern.matcher(p.name()).matches();
  }

  default ParamMask and(Predicate<? super Param> other) {
    return p -> test(p) && other.test(p);
  }
}
