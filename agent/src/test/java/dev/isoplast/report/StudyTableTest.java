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
    assertEquals(12.5, adam.all().point(), 1e-12, "all phases: the report's overall IQM");
    // P(adamo > adam) on phase 1: 10 beats 2, 4, 8; 14, 16 and 30 beat all four: 15 of 16 pairs
    assertEquals(15.0 / 16, adam.referenceBetter().point(), 1e-12);
    assertTrue(Double.isNaN(adamo.referenceBetter().point()), "not against itself");
    String md = StudyTable.markdown(data, rows);
    assertTrue(md.contains("| adam | 4 | 6.000 [") && md.contains("| adamo | 4 | 15.000 ["), md);
    assertTrue(md.contains("0.938 ["), md);
    assertTrue(md.contains("Made by:") && md.contains("isoplast sweep"), md);
  }
}
