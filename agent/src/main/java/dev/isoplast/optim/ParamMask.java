package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Selects the parameters a decoupled stage or a regularizer acts on. */
@FunctionalInterface
public interface ParamMask extends Predicate<Param> {

  /** Every parameter. */
  static ParamMask all() {
    return p -> true;
  }

  /** No parameter. */
  static ParamMask none() {
    return p -> false;
  }

  /** 2-D weights of hidden (body) layers: the isometry regularizer's default (DESIGN.md §6). */
  static ParamMask hiddenWeights() {
    return Param::isHiddenWeight;
  }

  /** Every 2-D weight, heads included (the isometry option "output heads too"). */
  static ParamMask allWeights() {
    return p -> p.role() == Param.Role.WEIGHT && p.value().rank() == 2;
  }

  /** Everything but biases and normalisation parameters (AdamW's usual decay mask). */
  static ParamMask weights() {
    return p -> p.role() == Param.Role.WEIGHT;
  }

  /** Parameters whose dotted name matches the regex in full. */
  static ParamMask nameMatches(String regex) {
    Pattern pattern = Pattern.compile(regex);
    return p -> pattern.matcher(p.name()).matches();
  }

  default ParamMask and(ParamMask other) {
    return p -> test(p) && other.test(p);
  }
}
