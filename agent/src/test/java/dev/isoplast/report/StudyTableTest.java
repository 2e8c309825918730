package dev.isoplast.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The study table on {@link SyntheticSweep}: late IQM, P(adamo better) and the Markdown, by hand. */
class StudyTableTest {

  @Test
  void lateIqmAndProbabilityOfImprovementAsComputedByHand(@TempDir Path tmp) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Report.Data data = Report.compute(SweepResults.load(SyntheticSweep.write(tmp.resolve("sweep"))),
        StratifiedBootstrap.withSeed(0));
    assertEquals(1, StudyTable.lateCount(2), "the last ⌈0.2 · 2⌉ = 1 phase");
    assertEquals(4, StudyTable.lateCount(20));
    assertEquals(60, StudyTable.lateCount(300));
    List<StudyTable.Row> rows = StudyTable.compute(data, StratifiedBootstrap.withSeed(0));
    StudyTable.Row adam = rows.stream().filter(r -> r.method().equals("adam")).findFirst().orElseThrow();
    StudyTable.Row adamo = rows.stream().filter(r -> r.method().equals("adamo")).findFirst().orElseThrow();
    // late = phase 1: adam 4, 8, 12, 2 -> IQM (4 + 8) / 2; adamo 10, 14, 16, 30 -> (14 + 16) / 2
    assertEquals(6.0, adam.late().point(), 1e-12);
    assertEquals(15.0, adamo.late().point(), 1e-12);
    // all: per-run means over both phases 7, 14, 21, 51 -> (14 + 21) / 2, the report's overall IQM
    assertEquals(17.5, adam.all().point(), 1e-12, "all phases: the report's overall IQM");
    // P(adamo > adam) on phase 1: 10 beats 2, 4, 8; 14, 16 and 30 beat all four: 15 of 16 pairs
    assertEquals(15.0 / 16, adam.referenceBetter().point(), 1e-12);
    assertTrue(Double.isNaN(adamo.referenceBetter().point()), "not against itself");
    // Mann-Whitney of adamo's late scores against adam's: U = 15 of 16, exact: P(U >= 15) = 2 of C(8, 4) = 70
    // orders, two-sided p = 4 / 70 (scipy: 0.05714285714285714)
    assertEquals(4.0 / 70, adam.mannWhitneyP(), 1e-12);
    // MDD at 80% power: pooled variance ((227 + 59) / 6), (t_0.975,6 + t_0.8,6) = 2.446912 + 0.905703;
    // scipy: 16.367264280068337
    assertEquals(16.367264280068337, adam.mdd(), 1e-6);
    assertTrue(Double.isNaN(adamo.mannWhitneyP()) && Double.isNaN(adamo.mdd()));
    // loss = phase 0 − phase 1 per run: adam 10−4, 20−8, 30−12, 100−2 = 6, 12, 18, 98; adamo 2, 8, 12, 60
    assertEquals(33.5, adam.loss().point(), 1e-12);
    assertEquals(20.5, adamo.loss().point(), 1e-12);
    assertTrue(adam.loss().lower() >= 6 && adam.loss().upper() <= 98 && adam.loss().lower() < adam.loss().upper());
    // fresh gap on phase 1 (fresh 20, 20, 40, 40): adam 16, 12, 28, 38; adamo 10, 6, 24, 10
    assertEquals(23.5, adam.freshGap().point(), 1e-12);
    assertEquals(12.5, adamo.freshGap().point(), 1e-12);
    String md = StudyTable.markdown(data, rows);
    assertTrue(md.contains("| 33.500 [") && md.contains("| 23.500 [") && md.contains("fresh gap [95% CI]"), md);
    assertTrue(md.contains("| adam | 4 | 6.000 [") && md.contains("| adamo | 4 | 15.000 ["), md);
    assertTrue(md.contains("0.938 [") && md.contains("| 0.057 |") && md.contains("| 16.367 |"), md);
    assertTrue(md.contains("Made by:") && md.contains("isoplast sweep"), md);
    assertTrue(md.contains("| NTK cond |"), "no run logged the relative-floor condition number: the plain one");
    // runs that logged plasticity/ntk_cond_rel show it instead (the plain one sits at float64's ceiling on RL bodies)
    List<StudyTable.Row> withRel = rows.stream().map(r -> {
      java.util.Map<String, Double> m = new java.util.LinkedHashMap<>(r.monitors());
      m.put("plasticity/ntk_cond", 1.0e13);
      m.put("plasticity/ntk_cond_rel", 4.5e5);
      return new StudyTable.Row(r.method(), r.runs(), r.late(), r.all(), r.referenceBetter(), r.mannWhitneyP(),
          r.mdd(), r.loss(), r.freshGap(), m);
    }).toList();
    String rel = StudyTable.markdown(data, withRel);
    assertTrue(rel.contains("NTK cond (λ ≥ 10⁻⁶ λ_max)") && rel.contains("| 4.5e+05 |") && !rel.contains("1.0e+13"), rel);
  }
}
