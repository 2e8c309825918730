package dev.isoplast.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's numbers on {@link SyntheticSweep}, against hand computation (the arithmetic is in
 * the comments), and the files it writes.
 */
class ReportTest {

  @TempDir
  static Path tmp;

  static Report.Data data;

  @BeforeAll
  static void compute() throws Exception {
    System.setProperty("java.awt.headless", "true");
    data = Report.compute(SweepResults.load(SyntheticSweep.write(tmp.resolve("sweep"))), StratifiedBootstrap.withSeed(0));
  }

  @Test
  void perPhaseIqmOverallIqmAndLastPhaseAsComputedByHand() {
    Figures.MethodFigures adam = data.figures().get("adam");
    Figures.MethodFigures adamo = data.figures().get("adamo");
    assertEquals(4, adam.runs());
    assertEquals(4, adamo.runs(), "the failed seed 5 is not counted");
    assertEquals(2, data.segments());
    // phase 0 of adam: 10, 20, 30, 100; four values, trim_mean cuts int(0.25*4) = 1 at each end: (20 + 30) / 2
    assertEquals(25.0, adam.perSegment().get(0).point(), 1e-12);
    // phase 1 of adam: 4, 8, 12, 2 -> sorted 2, 4, 8, 12 -> (4 + 8) / 2
    assertEquals(6.0, adam.perSegment().get(1).point(), 1e-12);
    assertEquals(6.0, adam.last().point(), 1e-12);
    // adamo: phase 0 12, 22, 28, 90 -> 25; phase 1 10, 14, 16, 30 -> 15
    assertEquals(25.0, adamo.perSegment().get(0).point(), 1e-12);
    assertEquals(15.0, adamo.perSegment().get(1).point(), 1e-12);
    // a run is the unit: adam's per-run means over both phases 7, 14, 21, 51 -> IQM cuts one at each end: (14 + 21) / 2
    assertEquals(17.5, adam.overall().point(), 1e-12);
    // adamo: 11, 18, 22, 60 -> (18 + 22) / 2
    assertEquals(20.0, adamo.overall().point(), 1e-12);
    // per-run means of the phases' mean returns: adam 4, 4.5, 5, 26.5 -> (4.5 + 5) / 2; adamo 5, 6, 7, 8 -> (6 + 7) / 2
    assertEquals(4.75, adam.meanScore().point(), 1e-12);
    assertEquals(6.5, adamo.meanScore().point(), 1e-12);
    // the interval resamples whole runs: its ends are IQMs of 4 of the per-run means, within [7, 51]
    assertTrue(adam.overall().lower() >= 7 && adam.overall().upper() <= 51);
    for (Figures.MethodFigures f : List.of(adam, adamo)) {
      for (StratifiedBootstrap.Interval i : List.of(f.overall(), f.last(), f.perSegment().get(0))) {
        assertTrue(i.lower() <= i.point() && i.point() <= i.upper(), i.toString());
      }
    }
    // a bootstrap IQM of phase 1 of adam can only take values between the data's extremes
    assertTrue(adam.perSegment().get(1).lower() >= 2 && adam.perSegment().get(1).upper() <= 12);
  }

  @Test
  void plasticityRatioAndProbabilityOfImprovementAsComputedByHand() {
    Figures.MethodFigures adam = data.figures().get("adam");
    Figures.MethodFigures adamo = data.figures().get("adamo");
    // phase 1 only (phase 0's fresh learner repeats the continual one); floor -10 is subtracted:
    // adam x = 4, 8, 12, 2 + 10 -> IQM(12, 14, 18, 22) = 16; y = 20, 20, 40, 40 + 10 -> IQM = 40; 16 / 40
    assertEquals(0.4, adam.ratio().point(), 1e-12);
    // adamo x = 20, 24, 26, 40 -> 25; 25 / 40
    assertEquals(0.625, adamo.ratio().point(), 1e-12);
    assertEquals(1.0, adam.perSegmentRatio().get(0).point(), 1e-12, "phase 0: continual = fresh");
    assertEquals(0.4, adam.perSegmentRatio().get(1).point(), 1e-12);
    // P(adamo > adam) on per-run means (adamo 11, 18, 22, 60; adam 7, 14, 21, 51): pairs won of 16:
    // 11>7; 18>7,14; 22>7,14,21; 60>all four = 10 -> 0.625
    assertEquals(0.625, adamo.improvement().point(), 1e-12);
    assertTrue(adamo.improvement().lower() <= 0.625 && adamo.improvement().upper() >= 0.625);
    assertTrue(Double.isNaN(adam.improvement().point()), "adam is the baseline");
    // Mann-Whitney: U = max(10, 6) = 10, exact (4 and 4 runs, no ties): P(U >= 10) = 24 of C(8, 4) = 70 orders;
    // two-sided p = 48 / 70 (scipy.stats.mannwhitneyu gives 0.6857142857142857)
    assertEquals(48.0 / 70, adamo.improvementP(), 1e-12);
    assertTrue(Double.isNaN(adam.improvementP()));
  }

  @Test
  void returnCurveIsTheMeanOverSeedsOfTheTrailingMeanWithinThePhase() {
    Curves.Band adam = data.curves().get("adam");
    Curves.Band adamo = data.curves().get("adamo");
    assertEquals(100, adam.size(), "grid of 100 points over 200 steps: 2, 4, ..., 200");
    assertEquals(2.0, adam.x()[0]);
    assertEquals(200.0, adam.x()[99]);
    // step 8: no episode has ended yet
    assertTrue(Double.isNaN(adam.mean()[3]));
    // step 50: episodes at 10 and 50 of phase 0, returns 10s and 20s -> 15s; mean over s = 1..4 is 37.5
    int at50 = 24;
    assertEquals(50.0, adam.x()[at50]);
    assertEquals(37.5, adam.mean()[at50], 1e-12);
    assertEquals(4, adam.n()[at50]);
    assertTrue(adam.lower()[at50] >= 15 && adam.lower()[at50] < 37.5 && adam.upper()[at50] > 37.5
        && adam.upper()[at50] <= 60, "a bootstrap band of 15, 30, 45, 60");
    // adamo's episodes are one higher
    assertEquals(38.5, adamo.mean()[at50], 1e-12);
    // step 100: phase 1 has started and none of its episodes has ended: the curve does not average across the switch
    assertTrue(Double.isNaN(adam.mean()[49]));
    // step 120: the phase-1 episode at 120 only (5s -> 12.5); step 200: 120 and 160 (6s -> 15)
    assertEquals(12.5, adam.mean()[59], 1e-12);
    assertEquals(15.0, adam.mean()[99], 1e-12);
    assertFalse(data.curves().containsKey("adamo (unfinished)"), "adamo has completed runs; its failed one is not drawn");
    assertEquals(List.of(new Charts.Boundary(100, "phase 1")), data.boundaries());
  }

  @Test
  void monitorsTolerateNaNAndInfinityWrittenAsStrings() {
    Curves.Band dormant = data.monitors().get("plasticity/dormant_frac").get("adam");
    assertEquals(List.of(50.0, 150.0), List.of(dormant.x()[0], dormant.x()[1]));
    assertEquals((0.1 + 0.2 + 0.3 + 0.4) / 4, dormant.mean()[0], 1e-12);
    // at 150 seed 3 logged "NaN": the mean of the other three (0.15, 0.25, 0.45)
    assertEquals((0.15 + 0.25 + 0.45) / 3, dormant.mean()[1], 1e-12);
    assertEquals(3, dormant.n()[1]);
    // the NTK condition number is averaged as log10: seeds 1, 3, 4 logged 10, 1000, 10000; seed 2 "Infinity" is left out
    Curves.Band cond = data.monitors().get("plasticity/ntk_cond").get("adam");
    assertEquals((1 + 3 + 4) / 3.0, cond.mean()[0], 1e-12);
    assertTrue(data.monitors().containsKey("isometry/actor.body/gap"));
    assertFalse(data.monitors().containsKey("isometry/actor.body.0/gap"), "per-layer gaps are not plotted");
    assertEquals(0.25, data.monitors().get("plasticity/revived_frac").get("adamo").mean()[0], 1e-12);
  }

  @Test
  void failedPartialAndMissingRunsAreStated() {
    List<String> notes = data.notes();
    assertTrue(notes.stream().anyMatch(n -> n.startsWith("adamo seed 5 (adamo__seed5) did not complete (status failed: "
        + "boom at step 60; metrics up to step 50)")), notes.toString());
    assertTrue(notes.stream().anyMatch(n -> n.contains("1 line of metrics.jsonl not readable as JSON rows (first: line 3)")),
        notes.toString());
    assertTrue(notes.stream().anyMatch(n -> n.matches("1 cell has no run yet \\(status pending\\): cell \\d+")),
        notes.toString());
  }

  @Test
  void anExportedSweepReportsTheSameFiguresWithoutTheRawMetrics() throws Exception {
    Path sweep = SyntheticSweep.write(tmp.resolve("to-export"));
    // a row of figures the report does not read, and one that also carries a monitor
    Files.writeString(sweep.resolve("adam__seed1/metrics.jsonl"),
        "{\"global_step\": 170, \"weights/net/norm\": 3.5, \"charts/SPS\": 900}\n"
            + "{\"global_step\": 180, \"weights/net/norm\": 3.6, \"plasticity/dormant_frac\": 0.5}\n",
        java.nio.file.StandardOpenOption.APPEND);
    Files.writeString(sweep.resolve("adam__seed1/events.out.tfevents.1.host"), "x");
    Path out = tmp.resolve("exported");
    ResultsExport.Exported e = ResultsExport.export(sweep, out);
    assertEquals(10, e.cells());
    assertEquals(9, e.runs(), "the pending cell has no run");
    Report.Data a = Report.compute(SweepResults.load(sweep), StratifiedBootstrap.withSeed(0));
    Report.Data b = Report.compute(SweepResults.load(out), StratifiedBootstrap.withSeed(0));
    assertEquals(StudyTable.markdown(a, StudyTable.compute(a, StratifiedBootstrap.withSeed(0))),
        StudyTable.markdown(b, StudyTable.compute(b, StratifiedBootstrap.withSeed(0))));
    assertEquals(a.runs().size(), b.runs().size());
    for (int i = 0; i < a.runs().size(); i++) {
      RunRecord x = a.runs().get(i);
      RunRecord y = b.runs().get(i);
      assertEquals(x.segments(), y.segments());
      assertEquals(x.episodes(), y.episodes());
      assertEquals(x.totalSteps(), y.totalSteps());
      assertEquals(x.series().keySet(), y.series().keySet());
      for (String k : x.series().keySet()) {
        assertArrayEquals(x.series().get(k).steps(), y.series().get(k).steps(), k);
        assertArrayEquals(x.series().get(k).values(), y.series().get(k).values(), 0.0, k);
      }
    }
    Path run = out.resolve("adam__seed1");
    assertFalse(Files.exists(run.resolve("metrics.jsonl")));
    assertFalse(Files.exists(run.resolve("events.out.tfevents.1.host")));
    String rows = new String(new java.util.zip.GZIPInputStream(Files.newInputStream(run.resolve("metrics.jsonl.gz")))
        .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertFalse(rows.contains("weights/") || rows.contains("charts/SPS"), rows);
    assertFalse(rows.contains("\"global_step\":170"), "a row with nothing the report reads is dropped: " + rows);
    assertTrue(rows.contains("{\"global_step\":180,\"plasticity/dormant_frac\":0.5}"), rows);
    assertTrue(Files.exists(out.resolve("sweep.json")) && Files.exists(run.resolve("summary.json")));
    IllegalArgumentException notSweep = assertThrows(IllegalArgumentException.class,
        () -> ResultsExport.export(sweep.resolve("adam__seed1"), tmp.resolve("x")));
    assertTrue(notSweep.getMessage().contains("not a sweep directory"), notSweep.getMessage());
  }

  @Test
  void cellsNotStartedAreOneNoteWithTheirIndicesAsRanges() {
    assertEquals("cells 1-3, 7, 9-10", SweepResults.ranges(List.of(1, 2, 3, 7, 9, 10)));
    assertEquals("cell 4", SweepResults.ranges(List.of(4)));
    assertEquals("cells 21-103", SweepResults.ranges(java.util.stream.IntStream.rangeClosed(21, 103).boxed().toList()));
  }

  @Test
  void aRunDirectoryOrADirectoryOfRunsIsReportedToo() throws Exception {
    Path sweep = tmp.resolve("sweep");
    SweepResults one = SweepResults.load(sweep.resolve("adam__seed2"));
    assertFalse(one.isSweep());
    assertEquals(List.of("adam"), one.methods());
    Report.Data d1 = Report.compute(one, StratifiedBootstrap.withSeed(0));
    // one run: its own phase scores are the IQMs (20 and 8), and the curve is that run's
    assertEquals(20.0, d1.figures().get("adam").perSegment().get(0).point(), 1e-12);
    assertEquals(8.0, d1.figures().get("adam").last().point(), 1e-12);
    assertEquals(30.0, d1.curves().get("adam").mean()[24], 1e-12, "15s at step 50 with s = 2");

    // a parent of run directories (as isoplast demo writes): a completed adam run and adamo's failed one
    Path parent = tmp.resolve("parent");
    for (String run : List.of("adam__seed1", "adamo__seed5")) {
      Files.createDirectories(parent.resolve(run));
      try (Stream<Path> files = Files.list(sweep.resolve(run))) {
        for (Path f : files.toList()) {
          Files.copy(f, parent.resolve(run).resolve(f.getFileName()));
        }
      }
    }
    Report.Data d2 = Report.compute(SweepResults.load(parent), StratifiedBootstrap.withSeed(0));
    assertEquals(List.of("adam", "adamo"), d2.methods());
    assertEquals(List.of("adam"), List.copyOf(d2.figures().keySet()), "statistics from completed runs only");
    assertTrue(d2.curves().containsKey("adamo (unfinished)"), "a method without a completed run is drawn, labelled");
    // adamo seed 5 logged 1000 at step 10 and NaN at 50 (left out): its curve at step 50 is 1000
    assertEquals(1000.0, d2.curves().get("adamo (unfinished)").mean()[24], 1e-12);
    assertTrue(Double.isNaN(d2.curves().get("adamo (unfinished)").mean()[40]), "nothing after the step it reached");
    Path html = Report.write(d2, parent);
    assertTrue(Files.readString(html).contains("adamo seed 5 (adamo__seed5) did not complete"));
  }

  @Test
  void writesThePageAndEveryPlotAsANonEmptyPng() throws Exception {
    Path dir = tmp.resolve("sweep");
    Files.createDirectories(dir.resolve("plots"));
    Files.writeString(dir.resolve("plots/monitor_9_from_an_earlier_report.png"), "old");
    Path html = Report.write(data, dir);
    String page = Files.readString(html);
    assertTrue(page.contains("<table id=\"final-figures\">"));
    assertEquals(2, page.split("<tr><td>", -1).length - 1, "one row per method");
    assertTrue(page.contains("isoplast sweep --scenario toy.yaml --methods adam,adamo --seeds 1-6 --workers 2\n"
        + "isoplast sweep --scenario toy.yaml --methods adam,adamo --seeds 1-6 --workers 1"), "the sweep's command lines");
    assertTrue(page.contains("isoplast train --algo ppo --scenario toy.yaml --method adamo --seed 3"), "each run's");
    assertTrue(page.contains("17.50") && page.contains("20.00") && page.contains("0.625") && page.contains("0.69"),
        "IQMs, P(adamo > adam) and its Mann-Whitney p");
    assertTrue(page.contains("bootstrap over whole runs"), "says what is resampled");
    assertFalse(page.contains("http://") || page.contains("https://") || page.contains("<script"), "static, no fetch");
    Set<String> images = new HashSet<>();
    var m = java.util.regex.Pattern.compile("<img src=\"([^\"]+)\"").matcher(page);
    while (m.find()) {
      images.add(m.group(1));
    }
    assertTrue(images.containsAll(Set.of("plots/return.png", "plots/per_segment.png", "plots/plasticity_ratio.png")),
        images.toString());
    assertEquals(3 + 4, images.size(), "3 main plots + dormant, revived, NTK cond, actor body gap: " + images);
    try (Stream<Path> s = Files.list(dir.resolve("plots"))) {
      assertEquals(images.size(), s.count(), "no plot without a place on the page");
    }
    for (String img : images) {
      BufferedImage b = ImageIO.read(dir.resolve(img).toFile());
      assertEquals(Charts.WIDTH * 2, b.getWidth(), img);
      assertEquals(Charts.HEIGHT * 2, b.getHeight(), img);
      Set<Integer> colours = new HashSet<>();
      for (int y = 0; y < b.getHeight(); y += 7) {
        for (int x = 0; x < b.getWidth(); x += 7) {
          colours.add(b.getRGB(x, y));
        }
      }
      assertTrue(colours.size() > 20, img + " has " + colours.size() + " colours: a blank image?");
    }
  }
}
