package dev.isoplast.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isoplast.testing.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser: Debian's headless chromium opens report.html from file:// and the
 * page must load with no console error and no request that is not a local file, every image must
 * be there and decoded with a non-zero natural size, and the final-figures table must be present.
 * A copy of the page with one image path broken must fail the same checks (so they can fail).
 */
class ReportBrowserTest {

  @TempDir
  static Path tmp;

  static HeadlessChromium browser;
  static Path page;

  /** Evaluated in the page: waits for every image to decode, then describes images and the table. */
  static final String CHECK = """
      (async () => {
        const imgs = Array.from(document.images);
        const decoded = await Promise.all(imgs.map(i => i.decode().then(() => 'ok', e => String(e))));
        const table = document.querySelector('table#final-figures');
        return {
          title: document.title,
          images: imgs.map((i, k) => ({src: i.getAttribute('src'), complete: i.complete, w: i.naturalWidth,
                                       h: i.naturalHeight, decoded: decoded[k]})),
          table: table !== null,
          rows: table ? table.querySelectorAll('tbody tr').length : 0,
          headers: table ? Array.from(table.querySelectorAll('thead th')).map(t => t.textContent) : []
        };
      })()
      """;

  @BeforeAll
  static void writeReportAndStartChromium() throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path dir = SyntheticSweep.write(tmp.resolve("sweep"));
    page = Report.write(Report.compute(SweepResults.load(dir), StratifiedBootstrap.withSeed(0)), dir);
    browser = HeadlessChromium.start();
  }

  @AfterAll
  static void stopChromium() throws Exception {
    if (browser != null) {
      browser.close();
    }
  }

  @Test
  void reportLoadsFromFileWithEveryImageDecodedAndTheTable() throws Exception {
    HeadlessChromium.PageLoad load = browser.load(page.toUri().toString(), CHECK);
    assertEquals(java.util.List.of(), load.errors(), "console errors, exceptions or failed loads");
    for (String url : load.requests()) {
      assertTrue(url.startsWith("file://"), "the page fetched " + url);
    }
    JsonNode v = load.evaluation();
    assertEquals("isoplast report: toy-switch", v.get("title").asText());
    JsonNode images = v.get("images");
    assertEquals(7, images.size(), images.toString());
    for (JsonNode img : images) {
      assertTrue(img.get("complete").asBoolean(), img.toString());
      assertEquals("ok", img.get("decoded").asText(), img.toString());
      assertEquals(Charts.WIDTH * 2, img.get("w").asInt(), img.toString());
      assertEquals(Charts.HEIGHT * 2, img.get("h").asInt(), img.toString());
    }
    assertTrue(load.requests().size() >= 1 + images.size(), "the page and its images were requested: " + load.requests());
    assertTrue(v.get("table").asBoolean());
    assertEquals(2, v.get("rows").asInt(), "adam and adamo");
    assertTrue(v.get("headers").toString().contains("plasticity ratio"), v.get("headers").toString());
  }

  @Test
  void aBrokenImageIsCaught() throws Exception {
    Path broken = page.resolveSibling("broken.html");
    Files.writeString(broken, Files.readString(page).replace("plots/return.png", "plots/missing.png"));
    HeadlessChromium.PageLoad load = browser.load(broken.toUri().toString(), CHECK);
    assertFalse(load.errors().isEmpty(), "a missing image is a failed load in the console");
    JsonNode missing = null;
    for (JsonNode img : load.evaluation().get("images")) {
      if (img.get("src").asText().equals("plots/missing.png")) {
        missing = img;
      }
    }
    assertTrue(missing != null && missing.get("w").asInt() == 0 && !missing.get("decoded").asText().equals("ok"),
        String.valueOf(missing));
  }
}
