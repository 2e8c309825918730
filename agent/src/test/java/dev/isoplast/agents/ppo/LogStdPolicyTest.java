package dev.isoplast.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.agents.FakeEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.nn.Param;
import dev.isoplast.optim.ParamMask;
import dev.isoplast.optim.Regularizer;
import dev.isoplast.config.MethodPreset;
import dev.isoplast.plasticity.Methods;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The one parameter policy of every plasticity method (issue 21, {@link ParamMask}): PPO's
 * {@code actor.log_std} is excluded from every regularizer, intervention and AdamO alike.
 */
class LogStdPolicyTest {

  private static final FakeEnv ENV = new FakeEnv(1, Box.uniform(-1, 1, DType.FLOAT32, 3),
      Box.uniform(-2, 2, DType.FLOAT32, 2));

  /**
   * The methods that move some layer parameter with a zero task gradient in a few updates (weight
   * clipping: the shifted weights beyond κ/√fan_in; NaP: the shifted norms back to the initial ones;
   * Hare &amp; Tortoise: the hare back to a tortoise that still holds some of θ₀).
   */
  private static final Set<String> ACT_WITHOUT_DATA = Set.of("adamw", "l2", "l2-init", "shrink-perturb", "parseval",
      "spectral", "layernorm-wd", "reset", "isometric-constrained", "adamo", "adamo-isometric", "weight-clip", "nap",
      "hare-tortoise", "upgd"); // UPGD: its noise and weight decay act without data

  /**
   * The methods that leave every layer where it is with a zero task gradient (a check that the
   * gradient is zero). A method in neither list is checked for the log-std alone, so that a new
   * method needs no line here; naming it in one of the two lists adds the check.
   */
  private static final Set<String> STILL_WITHOUT_DATA = Set.of("adam", "layernorm", "isometric", "redo", "cbp");

  @Test
  void everyMethodLeavesTheLogStdAloneAndActsOnTheLayers() {
    for (MethodPreset preset : Methods.all()) {
      Map<String, Object> o = new LinkedHashMap<>(preset.overrides("ppo"));
      // the cadenced interventions act at every update here
      o.computeIfPresent("redo_every", (k, v) -> 1);
      o.computeIfPresent("reset_every", (k, v) -> 1);
      o.computeIfPresent("cbp_maturity", (k, v) -> 1);
      o.computeIfPresent("hare_tortoise_every", (k, v) -> 1);
      Ppo ppo = new Ppo(PpoConfig.fromMap(PpoConfig.continuousDefaults(), o), ENV, 5);
      // off their initial values (L2-Init pulls back to them, L2 to 0: the log-std too, were it included)
      for (Param p : ppo.params()) {
        p.value().addi(0.1);
      }
      double[] logStd = ppo.logStd().value().data().asDouble();
      List<double[]> before = values(ppo);
      for (long u = 1; u <= 3; u++) { // the gradient step with a zero task gradient (GradientStep.take)
        ppo.params().forEach(Param::zeroGrad);
        for (Regularizer r : ppo.regularizers()) {
          r.apply(ppo.params());
        }
        ppo.optimizer().step();
        ppo.interventions().afterStep(ppo, ppo.optimizer().stepCount());
        ppo.interventions().afterUpdate(ppo, u);
      }
      assertArrayEquals(logStd, ppo.logStd().value().data().asDouble(), 0.0, preset.name() + " moved actor.log_std");
      List<double[]> after = values(ppo);
      boolean moved = false;
      for (int i = 0; i < after.size(); i++) {
        moved |= !java.util.Arrays.equals(before.get(i), after.get(i));
      }
      if (ACT_WITHOUT_DATA.contains(preset.name()) || STILL_WITHOUT_DATA.contains(preset.name())) {
        assertEquals(ACT_WITHOUT_DATA.contains(preset.name()), moved, preset.name() + " moved the layers: " + moved);
      }
    }
  }

  @Test
  void everyMaskExcludesADistributionParameter() {
    Ppo ppo = new Ppo(PpoConfig.continuousDefaults().with("log_std_init", -0.3), ENV, 5);
    Param logStd = ppo.logStd();
    assertEquals(Param.Role.DISTRIBUTION, logStd.role());
    for (ParamMask m : List.of(ParamMask.layerParams(), ParamMask.hiddenWeights(), ParamMask.weights(),
        ParamMask.allWeights())) {
      assertFalse(m.test(logStd));
    }
    assertTrue(ppo.params().stream().filter(p -> p != logStd).allMatch(ParamMask.layerParams()));
    assertEquals(Math.exp(-0.3), ppo.policyStd(), 1e-7);
  }

  private static List<double[]> values(Ppo ppo) {
    List<double[]> v = new ArrayList<>();
    for (Param p : ppo.params()) {
      if (p != ppo.logStd()) {
        v.add(p.value().data().asDouble());
      }
    }
    return v;
  }
}
