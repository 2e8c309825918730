package dev.isoplast.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnitSource;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;
import org.jfree.data.general.DatasetUtils;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The report's plots, drawn by JFreeChart and written as PNG at twice their CSS size (sharp on
 * high-density screens): mean curves with shaded 95% bands, and per-segment point estimates with
 * interval bars. One colour per method across every plot (Okabe &amp; Ito's colour-blind-safe
 * palette; past eight methods the colours repeat with dashed lines and square markers), legends
 * under the plot, labelled axes, phase boundaries as dashed lines.
 */
public final class Charts {

  private Charts() {}

  /** CSS size of every plot; the PNG has twice as many pixels each way. */
  public static final int WIDTH = 960;
  public static final int HEIGHT = 420;
  static final double SCALE = 2;

  /** Okabe &amp; Ito (2008) without yellow, which is unreadable on white; then greys. */
  private static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
      new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0x999999)};

  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
  private static final Color GRID = new Color(0xDDDDDD);
  private static final Color MARKER = new Color(0x777777);

  /** The colour of the {@code i}-th method (the report's method order). */
  public static Color colour(int i) {
    return PALETTE[i % PALETTE.length];
  }

  /**
   * Which pass through the palette the {@code i}-th method is on: 0 for the first eight methods
   * (solid lines, round markers), 1 for the next eight (dashed, squares), 2 after (dotted,
   * triangles), so that two methods of one colour never look alike.
   */
  public static int round(int i) {
    return Math.min(i / PALETTE.length, 2);
  }

  private static BasicStroke line(int i, float width) {
    return switch (round(i)) {
      case 0 -> new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
      case 1 -> new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f,
          new float[] {4 * width, 2.5f * width}, 0f);
      default -> new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f,
          new float[] {0.1f, 2.2f * width}, 0f);
    };
  }

  static java.awt.Shape marker(int i) {
    return switch (round(i)) {
      case 0 -> new java.awt.geom.Ellipse2D.Double(-4.5, -4.5, 9, 9);
      case 1 -> new java.awt.Rectangle(-4, -4, 8, 8);
      default -> new java.awt.Polygon(new int[] {0, 5, -5}, new int[] {-5, 4, 4}, 3);
    };
  }

  /** A vertical line at x with a label (a phase or task boundary). */
  public record Boundary(double x, String label) {}

  /**
   * Mean curves with shaded bands, one per method ({@code bands} keyed by legend label, coloured
   * by {@code colourIndex}); {@code boundaries} as dashed vertical lines (labelled when there are
   * at most 12); a {@code fraction} axis starts at 0; x from 0 to {@code xMax} (auto when ≤ 0).
   */
  public static void bands(Path png, String title, String xLabel, String yLabel, Map<String, Curves.Band> bands,
      Map<String, Integer> colourIndex, List<Boundary> boundaries, boolean fraction, double xMax) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    for (var e : bands.entrySet()) {
      YIntervalSeries s = new YIntervalSeries(e.getKey(), false, true);
      Curves.Band b = e.getValue();
      for (int i = 0; i < b.size(); i++) {
        if (!Double.isFinite(b.mean()[i])) {
          continue;
        }
        boolean band = Double.isFinite(b.lower()[i]) && Double.isFinite(b.upper()[i]);
        s.add(b.x()[i], b.mean()[i], band ? b.lower()[i] : b.mean()[i], band ? b.upper()[i] : b.mean()[i]);
      }
      data.addSeries(s);
    }
    DeviationRenderer r = new DeviationRenderer(true, false);
    r.setAlpha(0.18f);
    int i = 0;
    int m = bands.size();
    for (String label : bands.keySet()) {
      int style = colourIndex.getOrDefault(label, i);
      Color c = colour(style);
      r.setSeriesPaint(i, c);
      r.setSeriesFillPaint(i, c);
      // drawn first to last, each narrower than the one before: a method whose curve coincides with
      // another's still shows as a coloured edge instead of vanishing under it
      r.setSeriesStroke(i, line(style, lineWidth(i, m)));
      i++;
    }
    NumberAxis x = axis(xLabel, false);
    if (xMax > 0) { // every plot over steps spans the whole run, so that their phase lines line up
      x.setRange(0, xMax);
    } else if (xLabel.equals("task")) { // tasks are counted: whole-number ticks
      x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
      x.setAutoRangeIncludesZero(true);
      x.setUpperMargin(0.02);
    } else {
      x.setAutoRangeIncludesZero(true);
      x.setUpperMargin(0.01);
    }
    NumberAxis y = axis(yLabel, true);
    Range range = DatasetUtils.findRangeBounds(data, true);
    if (fraction && range != null) { // a fraction: from 0, at least to 0.05, so that all zeros are not a zoom on noise
      y.setRange(0, Math.min(1.0, Math.max(0.05, range.getUpperBound() * 1.08)));
    } else if (range != null) { // a constant series: a readable span around it instead of ±5e-9
      double top = Math.max(Math.abs(range.getLowerBound()), Math.abs(range.getUpperBound()));
      y.setAutoRangeMinimumSize(Math.max(0.1 * top, 0.01));
    }
    XYPlot plot = new XYPlot(data, x, y, r);
    plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD);
    style(plot);
    mark(plot, boundaries);
    write(png, chart(title, plot));
  }

  /**
   * Point estimates with interval bars at integer x (segment indices), one series per method,
   * offset sideways so that the bars of different methods do not overlap.
   */
  public static void intervals(Path png, String title, String xLabel, String yLabel,
      Map<String, List<StratifiedBootstrap.Interval>> perMethod, Map<String, Integer> colourIndex, double reference,
      String referenceLabel) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    int m = perMethod.size();
    int k = 0;
    int segments = 0;
    for (var e : perMethod.entrySet()) {
      YIntervalSeries s = new YIntervalSeries(e.getKey(), false, true);
      double offset = m == 1 ? 0 : (k - (m - 1) / 2.0) * Math.min(0.12, 0.7 / m);
      List<StratifiedBootstrap.Interval> v = e.getValue();
      segments = Math.max(segments, v.size());
      for (int j = 0; j < v.size(); j++) {
        StratifiedBootstrap.Interval iv = v.get(j);
        if (!Double.isFinite(iv.point())) {
          continue;
        }
        boolean bar = Double.isFinite(iv.lower()) && Double.isFinite(iv.upper());
        s.add(j + offset, iv.point(), bar ? iv.lower() : iv.point(), bar ? iv.upper() : iv.point());
      }
      data.addSeries(s);
      k++;
    }
    XYErrorRenderer r = errorBars();
    int i = 0;
    for (String label : perMethod.keySet()) {
      int style = colourIndex.getOrDefault(label, i);
      r.setSeriesPaint(i, colour(style));
      r.setSeriesFillPaint(i, colour(style));
      r.setSeriesStroke(i, new BasicStroke(1.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f,
          new float[] {4f, 4f}, 0f));
      r.setSeriesShape(i, marker(style));
      i++;
    }
    NumberAxis x = axis(xLabel, false);
    x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    x.setRange(-0.5, Math.max(segments, 1) - 0.5);
    XYPlot plot = new XYPlot(data, x, axis(yLabel, true), r);
    style(plot);
    reference(plot, reference, referenceLabel);
    write(png, chart(title, plot));
  }

  /** Points joined by lines with vertical interval bars (an estimate and its CI at each x). */
  static XYErrorRenderer errorBars() {
    XYErrorRenderer r = new XYErrorRenderer();
    r.setDrawXError(false);
    r.setDrawYError(true);
    r.setCapLength(7);
    r.setErrorStroke(new BasicStroke(1.6f));
    r.setDefaultLinesVisible(true);
    r.setDefaultShapesVisible(true);
    return r;
  }

  /** Line width of series {@code i} of {@code m}: from 3.6 down to 1.6 px (CSS), the first widest. */
  static float lineWidth(int i, int m) {
    return m <= 1 ? 2.4f : (float) (3.6 - 2.0 * i / (m - 1));
  }

  static NumberAxis axis(String label, boolean range) {
    NumberAxis a = new NumberAxis(label);
    a.setLabelFont(LABEL);
    a.setTickLabelFont(TICK);
    a.setStandardTickUnits(new NumberTickUnitSource());
    if (range) {
      a.setAutoRangeIncludesZero(false);
    }
    return a;
  }

  static void style(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(GRID);
    plot.setRangeGridlinePaint(GRID);
    plot.setOutlinePaint(new Color(0xAAAAAA));
    plot.setAxisOffset(new RectangleInsets(4, 4, 4, 4));
  }

  private static void mark(XYPlot plot, List<Boundary> boundaries) {
    boolean labels = boundaries.size() <= 12;
    for (Boundary b : boundaries) {
      ValueMarker mk = new ValueMarker(b.x());
      mk.setPaint(MARKER);
      mk.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {5f, 4f}, 0f));
      if (labels && b.label() != null) {
        mk.setLabel(b.label());
        mk.setLabelFont(SMALL);
        mk.setLabelPaint(MARKER);
        mk.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        mk.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        mk.setLabelOffset(new RectangleInsets(4, 3, 0, 0));
        mk.setLabelBackgroundColor(new Color(255, 255, 255, 200));
      }
      plot.addDomainMarker(mk, Layer.BACKGROUND);
    }
  }

  private static void reference(XYPlot plot, double y, String label) {
    if (!Double.isFinite(y)) {
      return;
    }
    ValueMarker mk = new ValueMarker(y);
    mk.setPaint(MARKER);
    mk.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
    if (label != null) { // at the right end, above the line, clear of the first segment's bars
      mk.setLabel(label);
      mk.setLabelFont(SMALL);
      mk.setLabelPaint(MARKER);
      mk.setLabelBackgroundColor(new Color(255, 255, 255, 200));
      mk.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
      mk.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
      mk.setLabelOffset(new RectangleInsets(2, 2, 2, 6));
    }
    plot.addRangeMarker(mk, Layer.BACKGROUND);
    // keep the reference line in view: the data's range (intervals included) widened to reach it
    Range data = DatasetUtils.findRangeBounds(plot.getDataset(), true);
    if (data != null) {
      double lo = Math.min(data.getLowerBound(), y);
      double hi = Math.max(data.getUpperBound(), y);
      double pad = Math.max((hi - lo) * 0.08, 1e-6);
      plot.getRangeAxis().setRange(lo - pad, hi + pad);
    }
  }

  static JFreeChart chart(String title, XYPlot plot) {
    JFreeChart c = new JFreeChart(title, TITLE, plot, true);
    c.setBackgroundPaint(Color.WHITE);
    c.setPadding(new RectangleInsets(6, 8, 6, 14));
    TextTitle t = c.getTitle();
    t.setPaint(new Color(0x222222));
    LegendTitle legend = c.getLegend();
    legend.setPosition(RectangleEdge.BOTTOM);
    legend.setItemFont(LABEL);
    legend.setFrame(BlockBorder.NONE);
    legend.setBackgroundPaint(Color.WHITE);
    return c;
  }

  static void write(Path png, JFreeChart chart) {
    try {
      Files.createDirectories(png.toAbsolutePath().getParent());
      try (OutputStream out = Files.newOutputStream(png)) {
        ChartUtils.writeScaledChartAsPNG(out, chart, WIDTH, HEIGHT, (int) SCALE, (int) SCALE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
    }
  }
}
