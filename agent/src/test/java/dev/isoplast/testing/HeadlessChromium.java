package dev.isoplast.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's chromium ({@code /usr/bin/chromium}, which {@code ./isoplast test} installs when it is
 * missing) in headless mode, driven through the Chrome DevTools Protocol over its WebSocket, with
 * nothing but the JDK: open a page, collect console errors, uncaught exceptions, failed loads and
 * every request the page makes, and evaluate an expression in it. Never a downloaded browser.
 */
public final class HeadlessChromium implements AutoCloseable {

  /** Where Debian's package puts it. */
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a page did while it loaded. */
  public record PageLoad(List<String> errors, List<String> requests, JsonNode evaluation) {}

  private final Process process;
  private final WebSocket socket;
  private final Path profile;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());

  private HeadlessChromium(Process process, WebSocket socket, Path profile) {
    this.process = process;
    this.socket = socket;
    this.profile = profile;
  }

  /**
   * Starts chromium with the flags of a quiet, isolated headless browser and a fresh profile
   * directory, and connects to its DevTools endpoint. Fails (never skips) when it is missing.
   */
  public static HeadlessChromium start() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      throw new AssertionError(CHROMIUM + " is missing: ./isoplast test installs Debian's chromium "
          + "(apt-get install -y chromium); the report's browser test needs it");
    }
    Path profile = Files.createTempDirectory("isoplast-chromium-");
    ProcessBuilder pb = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
        "about:blank");
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    CompletableFuture<String> endpoint = new CompletableFuture<>();
    StringBuilder log = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (log) {
            log.append(line).append('\n');
          }
          int i = line.indexOf("ws://");
          if (line.startsWith("DevTools listening on") && i >= 0) {
            endpoint.complete(line.substring(i).trim());
          }
        }
      } catch (IOException e) {
        endpoint.completeExceptionally(e);
      }
      endpoint.completeExceptionally(new IllegalStateException("chromium exited before its DevTools endpoint"));
    }, "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    String ws;
    try {
      ws = endpoint.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      p.destroyForcibly();
      synchronized (log) {
        throw new AssertionError("chromium did not start its DevTools endpoint: " + e.getMessage() + "\n" + log, e);
      }
    }
    HeadlessChromium[] self = new HeadlessChromium[1];
    CountDownLatch ready = new CountDownLatch(1);
    WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create(ws), new WebSocket.Listener() {
          private final StringBuilder partial = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              String message = partial.toString();
              partial.setLength(0);
              try {
                ready.await();
                self[0].dispatch(JSON.readTree(message));
              } catch (Exception e) {
                // a message we cannot read fails the command waiting for it by timeout
              }
            }
            w.request(1);
            return null;
          }
        }).get(30, TimeUnit.SECONDS);
    self[0] = new HeadlessChromium(p, socket, profile);
    ready.countDown();
    return self[0];
  }

  private void dispatch(JsonNode message) {
    if (message.has("id")) {
      CompletableFuture<JsonNode> f = pending.remove(message.get("id").asInt());
      if (f != null) {
        f.complete(message);
      }
    } else {
      events.add(message);
    }
  }

  /** Sends a DevTools command (to a page's session when {@code session} is given) and returns its result. */
  public JsonNode send(String session, String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    ObjectNode m = JSON.createObjectNode();
    m.put("id", id);
    m.put("method", method);
    m.set("params", params == null ? JSON.createObjectNode() : params);
    if (session != null) {
      m.put("sessionId", session);
    }
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    socket.sendText(m.toString(), true).get(10, TimeUnit.SECONDS);
    JsonNode answer = f.get(60, TimeUnit.SECONDS);
    if (answer.has("error")) {
      throw new AssertionError(method + " failed: " + answer.get("error"));
    }
    return answer.get("result");
  }

  /**
   * Opens {@code url} in a new tab, waits for its load event, then evaluates {@code expression}
   * (awaiting a promise, returned by value); reports every console error, uncaught exception and
   * log entry of level error (failed loads), and the URL of every request the page made.
   */
  public PageLoad load(String url, String expression) throws Exception {
    String target = send(null, "Target.createTarget", JSON.createObjectNode().put("url", "about:blank"))
        .get("targetId").asText();
    String session = send(null, "Target.attachToTarget", JSON.createObjectNode().put("targetId", target)
        .put("flatten", true)).get("sessionId").asText();
    for (String domain : List.of("Page", "Runtime", "Log", "Network")) {
      send(session, domain + ".enable", null);
    }
    int before = events.size();
    send(session, "Page.navigate", JSON.createObjectNode().put("url", url));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!seen(session, "Page.loadEventFired", before)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no load event for " + url + " within 30 s");
      }
      Thread.sleep(20);
    }
    JsonNode result = send(session, "Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
        .put("awaitPromise", true).put("returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new AssertionError("the check threw in the page: " + result.get("exceptionDetails"));
    }
    Thread.sleep(200); // late console messages of the load
    List<String> errors = new ArrayList<>();
    List<String> requests = new ArrayList<>();
    synchronized (events) {
      for (JsonNode e : events.subList(before, events.size())) {
        if (!session.equals(e.path("sessionId").asText())) {
          continue;
        }
        JsonNode p = e.path("params");
        switch (e.path("method").asText()) {
          case "Runtime.consoleAPICalled" -> {
            if (p.path("type").asText().equals("error") || p.path("type").asText().equals("assert")) {
              errors.add("console." + p.path("type").asText() + ": " + p.path("args"));
            }
          }
          case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails"));
          case "Log.entryAdded" -> {
            if (p.path("entry").path("level").asText().equals("error")) {
              errors.add("log: " + p.path("entry").path("text").asText() + " " + p.path("entry").path("url").asText());
            }
          }
          case "Network.loadingFailed" -> errors.add("loading failed: " + p.path("errorText").asText());
          case "Network.requestWillBeSent" -> requests.add(p.path("request").path("url").asText());
          default -> { }
        }
      }
    }
    send(null, "Target.closeTarget", JSON.createObjectNode().put("targetId", target));
    return new PageLoad(errors, requests, result.path("result").path("value"));
  }

  private boolean seen(String session, String method, int from) {
    synchronized (events) {
      for (JsonNode e : events.subList(from, events.size())) {
        if (method.equals(e.path("method").asText()) && session.equals(e.path("sessionId").asText())) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void close() throws Exception {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the browser goes anyway
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try (var s = Files.walk(profile)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
