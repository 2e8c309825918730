package dev.isoplast.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isoplast.agents.ScriptedEnv;
import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.scenario.Scenario;
import dev.isoplast.envs.scenario.ScenarioPlan;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.testing.RecordingSink;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link PhaseSchedule}: when phases switch, what each row is tagged with, per-phase figures. */
class PhaseScheduleTest {

  @Test
  void switchesAtTheFirstVectorStepPastEachBoundaryAndTagsRows() {
    EnvSpec spec = new EnvSpec("Scripted-v0", Box.uniform(0, 1000, DType.FLOAT32, 1), new Discrete(2), 100,
        List.of(new EnvSpec.Param("gravity", 1, 100, 9.8, "")), List.of());
    Scenario s = Scenario.parse(new ByteArrayInputStream("""
        env: Scripted-v0
        phases:
          - {steps: 10, dynamics: {gravity: 5}}
          - {steps: 5, dynamics: {gravity: 20}}
          - {steps: 10}
        """.getBytes(StandardCharsets.UTF_8)), "t.yaml");
    ScenarioPlan plan = ScenarioPlan.resolve(s, spec, 1);
    ScriptedEnv env = new ScriptedEnv(1, 1); // 2 envs: a vector step is 2 env steps
    RecordingSink out = new RecordingSink();
    PhaseSchedule sched = new PhaseSchedule(plan, env, out);
    List<String> starts = new java.util.ArrayList<>();
    sched.listen(new dev.isoplast.agents.Callback() {
      @Override
      public void onPhaseStart(int phase, long globalStep) {
        starts.add(phase + "@" + globalStep);
      }
    });
    sched.begin();
    assertThrows(IllegalStateException.class, sched::begin);
    for (long step = 2; step <= 26; step += 2) {
      sched.log(step, Map.of("x", (double) step));
      sched.onEpisodeEnd(step, step, 1); // return = the step it ended at
      sched.onStep(step);
    }
    // reconfigured at 0 (phase 0), at 10 (first step >= 10) and at 16 (first step >= 15)
    assertEquals(List.of(5.0, 20.0, 9.8), env.reconfigured.stream().map(p -> p.dynamics().get("gravity")).toList());
    assertEquals(List.of("0@0", "1@10", "2@16"), starts);
    List<PhaseSchedule.PhaseRecord> rec = sched.records();
    assertEquals(List.of(0L, 10L, 16L), rec.stream().map(r -> (Long) r.summary().get("start_step")).toList());
    assertEquals(List.of(10L, 6L, 10L), rec.stream().map(r -> (Long) r.summary().get("steps")).toList());
    // episodes ending at 2..10 belong to phase 0 (the switch happens after the step's rows)
    assertEquals(List.of(2.0, 4.0, 6.0, 8.0, 10.0), rec.get(0).returns());
    assertEquals(List.of(12.0, 14.0, 16.0), rec.get(1).returns());
    assertEquals((12 + 14 + 16) / 3.0, rec.get(1).meanReturn(), 1e-12);
    assertEquals(List.of(18.0, 20.0, 22.0, 24.0, 26.0), rec.get(2).returns());
    // rows: a phase-start row with the applied dynamics, then the tagged training rows
    assertEquals(List.of(5.0, 20.0, 9.8), out.values("phase/dynamics/gravity"));
    assertEquals(List.of(0L, 10L, 16L), out.stepsOf("phase/dynamics/gravity"));
    List<Double> xs = out.values("x");
    List<Double> phases = new java.util.ArrayList<>();
    List<Double> phaseSteps = new java.util.ArrayList<>();
    for (Map<String, Double> r : out.rows) {
      if (r.containsKey("x")) {
        phases.add(r.get("phase"));
        phaseSteps.add(r.get("phase_step"));
      }
    }
    assertEquals(13, xs.size());
    assertEquals(List.of(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0), phases);
    assertEquals(List.of(2.0, 4.0, 6.0, 8.0, 10.0, 2.0, 4.0, 6.0, 2.0, 4.0, 6.0, 8.0, 10.0), phaseSteps);
  }
}
