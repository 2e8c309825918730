package dev.isoplast.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The report's HTML: one static page with inline CSS, images by relative path and no script, so
 * that it opens from {@code file://} without a server or a network fetch. Everything taken from
 * the runs is escaped.
 */
final class ReportHtml {

  private ReportHtml() {}

  private static final String CSS = """
      body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#222;margin:24px auto;max-width:1000px;
        padding:0 16px;line-height:1.45}
      h1{font-size:1.6em;margin-bottom:.2em}
      h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
      .meta{color:#555;margin-top:0}
      .notes{background:#fff6e0;border:1px solid #e6c46a;padding:8px 14px;border-radius:4px}
      .notes h2{border:none;margin-top:.3em;font-size:1.1em}
      table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
      th,td{border:1px solid #ccc;padding:5px 9px;text-align:right;vertical-align:top}
      th{background:#f2f2f2}
      td:first-child,th:first-child{text-align:left;white-space:nowrap}
      .swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;vertical-align:-1px}
      .ci{color:#666;font-size:.9em;white-space:nowrap}
      figure{margin:1.2em 0 1.8em 0}
      figure img{width:100%;max-width:960px;height:auto;border:1px solid #eee}
      figcaption{color:#444;font-size:.92em;max-width:960px}
      pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:8px;overflow-x:auto;font-size:.85em;white-space:pre-wrap;
        word-break:break-all}
      details summary{cursor:pointer;color:#0072B2}
      .small{font-size:.9em;color:#444}
      """;

  static Path write(Report.Data d, Path file, List<Report.Plot> main, List<Report.Plot> monitors, String tuning,
      Instant when) {
    StringBuilder h = new StringBuilder(16_384);
    SweepResults res = d.results();
    long done = d.runs().stream().filter(RunRecord::completed).count();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>isoplast report: ").append(esc(d.benchmark())).append("</title>\n<style>").append(CSS)
        .append("</style>\n</head>\n<body>\n");
    h.append("<h1>isoplast report: ").append(esc(d.benchmark())).append("</h1>\n<p class=\"meta\">")
        .append(res.isSweep() ? "sweep " : "runs in ").append("<code>").append(esc(res.dir().toString()))
        .append("</code> · ").append(d.methods().size()).append(" method").append(d.methods().size() == 1 ? "" : "s")
        .append(" · ").append(done).append(" of ").append(d.runs().size()).append(" runs completed")
        .append(" · generated ").append(when).append("</p>\n");

    if (!d.notes().isEmpty()) {
      h.append("<div class=\"notes\"><h2>Runs not counted and other problems</h2><ul>\n");
      for (String n : d.notes()) {
        h.append("<li>").append(esc(n)).append("</li>\n");
      }
      h.append("</ul></div>\n");
    }

    h.append("<h2>Final figures</h2>\n");
    if (d.figures().isEmpty()) {
      h.append("<p>No completed run: no figures.</p>\n");
    } else {
      table(h, d);
    }
    commands(h, d);
    if (tuning != null) {
      h.append(tuning);
    }

    for (Report.Plot p : main) {
      figure(h, p, 2);
    }
    if (!monitors.isEmpty()) {
      h.append("<h2>Plasticity monitors</h2>\n<p class=\"small\">Whatever the runs logged, on the probe batch "
          + "(docs/monitors.md); cadences are the runs' <code>--monitor-cadence</code>.</p>\n");
      for (Report.Plot p : monitors) {
        figure(h, p, 3);
      }
    }
    method(h, d);
    h.append("</body>\n</html>\n");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, h, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  private static void table(StringBuilder h, Report.Data d) {
    boolean scenario = d.kind() == RunRecord.Kind.SCENARIO;
    boolean anyRatio = d.figures().values().stream().anyMatch(f -> Double.isFinite(f.ratio().point()));
    boolean anyPoi = d.figures().values().stream().anyMatch(f -> Double.isFinite(f.improvement().point()));
    boolean several = d.segments() > 1;
    String seg = d.segmentName();
    String score = scenario ? "final return" : d.scoreName();
    h.append("<table id=\"final-figures\">\n<thead><tr><th>method</th><th>runs</th>");
    h.append("<th>").append(esc(score)).append(several ? ", all " + seg + "s" : "").append("<br>IQM [95% CI]</th>");
    if (scenario && d.figures().values().stream().anyMatch(f -> Double.isFinite(f.meanScore().point()))) {
      h.append("<th>mean return (area under curve)").append(several ? ", all phases" : "").append("<br>IQM [95% CI]</th>");
    }
    if (several) {
      h.append("<th>").append(esc(score)).append(", last ").append(seg).append("<br>IQM [95% CI]</th>");
    }
    if (anyRatio) {
      h.append("<th>plasticity ratio<br>").append(d.segments() > 1 ? "phases 1+ " : "").append("[95% CI]</th>");
    }
    if (anyPoi) {
      h.append("<th>P(method &gt; ").append(Figures.BASELINE).append(")<br>[95% CI]</th>");
      h.append("<th>Mann-Whitney p<br>vs ").append(Figures.BASELINE).append("</th>");
    }
    h.append("</tr></thead>\n<tbody>\n");
    boolean hasMean = scenario && d.figures().values().stream().anyMatch(f -> Double.isFinite(f.meanScore().point()));
    for (String m : d.methods()) {
      Figures.MethodFigures f = d.figures().get(m);
      long total = d.runs().stream().filter(r -> r.method().equals(m)).count();
      h.append("<tr><td><span class=\"swatch\" style=\"background:").append(swatch(d.colours().get(m))).append("\"></span>")
          .append(esc(m)).append("</td><td>").append(f == null ? 0 : f.runs()).append(" / ").append(total).append("</td>");
      if (f == null) {
        int cols = 1 + (hasMean ? 1 : 0) + (several ? 1 : 0) + (anyRatio ? 1 : 0) + (anyPoi ? 2 : 0);
        h.append("<td colspan=\"").append(cols).append("\">no completed run</td></tr>\n");
        continue;
      }
      cell(h, f.overall());
      if (hasMean) {
        cell(h, f.meanScore());
      }
      if (several) {
        cell(h, f.last());
      }
      if (anyRatio) {
        cell(h, f.ratio());
      }
      if (anyPoi) {
        if (m.equals(Figures.BASELINE)) {
          h.append("<td>(baseline)</td><td></td>");
        } else {
          cell(h, f.improvement());
          h.append("<td>").append(Double.isNaN(f.improvementP()) ? "–" : String.format(Locale.ROOT, "%.2g",
              f.improvementP())).append("</td>");
        }
      }
      h.append("</tr>\n");
    }
    h.append("</tbody>\n</table>\n");
    h.append("<p class=\"small\">A run is the unit: its score is its mean over the ").append(seg)
        .append("s (or the one ").append(seg).append(" of a column); IQM: mean of the middle 50% of the per-run scores; ")
        .append("95% CIs by bootstrap over whole runs (50,000 replicates, percentile interval; the ").append(seg)
        .append("s of one run are not independent, so they are never resampled apart), as rliable on a runs × 1 matrix. ")
        .append(scenario ? "Final return: the mean of a phase's last 20 episodes; mean return: the mean of all its "
            + "episodes. " : "")
        .append(anyRatio ? "Plasticity ratio: IQM of the runs' mean (continual − R_min) / IQM of their mean (fresh − R_min), "
            + "a run's two scores resampled together"
            + (d.segments() > 1 ? " over the phases after the first (phase 0's fresh learner repeats the continual one)"
            : "") + ". " : "")
        .append(anyPoi ? "P(method &gt; adam): probability that a run of the method has a higher per-run score than a "
            + "run of adam (Mann-Whitney U / (n·m), ties ½), its CI from resampling the runs of both; Mann-Whitney p: "
            + "the two-sided test of the same scores (as scipy.stats.mannwhitneyu)"
            + (d.higherIsBetter() ? "" : " (lower loss counts as higher)") + ". " : "")
        .append("</p>\n");
  }

  private static void commands(StringBuilder h, Report.Data d) {
    SweepResults res = d.results();
    h.append("<p class=\"small\">Made by:</p>\n");
    if (res.commands().isEmpty()) {
      h.append("<p class=\"small\">(the runs did not record their command lines)</p>\n");
      return;
    }
    if (res.isSweep()) {
      h.append("<pre id=\"commands\">");
      for (String c : res.commands()) {
        h.append(esc(c)).append('\n');
      }
      h.append("</pre>\n<details><summary>the command of each run (").append(d.runs().size())
          .append(")</summary>\n<pre>");
      for (RunRecord r : d.runs()) {
        if (r.command() != null) {
          h.append(esc(r.command())).append('\n');
        }
      }
      h.append("</pre></details>\n");
    } else {
      h.append("<pre id=\"commands\">");
      for (String c : res.commands()) {
        h.append(esc(c)).append('\n');
      }
      h.append("</pre>\n");
    }
  }

  private static void figure(StringBuilder h, Report.Plot p, int level) {
    h.append("<h").append(level).append(">").append(esc(p.heading())).append("</h").append(level).append(">\n")
        .append("<figure><img src=\"").append(esc(p.file())).append("\" width=\"").append(Charts.WIDTH)
        .append("\" height=\"").append(Charts.HEIGHT).append("\" alt=\"").append(esc(p.heading()))
        .append("\">\n<figcaption>").append(esc(p.caption())).append("</figcaption></figure>\n");
  }

  private static void method(StringBuilder h, Report.Data d) {
    h.append("<h2>How the numbers are computed</h2>\n<ul class=\"small\">\n")
        .append("<li>Statistics follow Agarwal et al. 2021 (rliable) with a run as the unit of replication: a "
            + "run's score is its mean over the ").append(d.segmentName()).append("s (the ").append(d.segmentName())
        .append("s of one run are not independent samples); the interquartile mean (IQM) is scipy's trim_mean(x, "
            + "0.25) of the per-run scores; 95% confidence intervals come from resampling whole runs with "
            + "replacement (percentile interval of 50,000 replicates, seed 0). With few seeds a percentile bootstrap "
            + "interval is too narrow (about 90% coverage at 10 runs for a mean): read it with the number of "
            + "runs.</li>\n")
        .append("<li>Curves: each run's series is sampled on a common grid of steps, and the line is the mean over "
            + "seeds with the 95% percentile bootstrap interval of that mean (the seeds with a value there "
            + "resampled with replacement, 2,000 replicates); with two or three seeds it spans their minimum to "
            + "their maximum.</li>\n")
        .append("<li>Only completed runs (summary.json status <code>completed</code>) enter the statistics; a method "
            + "with none is drawn from its unfinished runs, labelled so. Metric values written as \"NaN\" or "
            + "\"Infinity\" are read as such and left out of means.</li>\n")
        .append("</ul>\n");
  }

  private static void cell(StringBuilder h, StratifiedBootstrap.Interval i) {
    if (!Double.isFinite(i.point())) {
      h.append("<td>n/a</td>");
      return;
    }
    h.append("<td>").append(fmt(i.point()));
    if (Double.isFinite(i.lower()) && Double.isFinite(i.upper())) {
      h.append(" <span class=\"ci\">[").append(fmt(i.lower())).append(", ").append(fmt(i.upper())).append("]</span>");
    }
    h.append("</td>");
  }

  /** Three significant digits for small numbers, one decimal from 100 on. */
  static String fmt(double v) {
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /** The table's swatch: the method's colour, striped like its dashed line past the palette's first pass. */
  private static String swatch(Integer colourIndex) {
    String c = hex(colourIndex);
    return Charts.round(colourIndex == null ? 0 : colourIndex) == 0 ? c
        : "repeating-linear-gradient(90deg," + c + " 0 3px,transparent 3px 5px)";
  }

  private static String hex(Integer colourIndex) {
    java.awt.Color c = Charts.colour(colourIndex == null ? 0 : colourIndex);
    return String.format("#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
