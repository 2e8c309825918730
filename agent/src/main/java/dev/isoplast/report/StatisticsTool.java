package dev.isoplast.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link Statistics} and {@link StratifiedBootstrap} for JSON on standard input, answered as JSON
 * on standard output; used by the rliable comparison in {@code agent/src/test/python} and usable
 * from any script:
 * <pre>
 *   java -cp agent/target/isoplast.jar dev.isoplast.report.StatisticsTool &lt; request.json
 * </pre>
 * Request: {@code {"scores": {"adam": [[run0task0, run0task1, …], …], …}, "pairs": [["adamo",
 * "adam"], …], "reps": 50000, "confidence": 0.95, "seed": 0, "replicates": false}}; only
 * {@code scores} is required. Answer: {@code {"reps", "confidence", "seed", "aggregates": {name:
 * {"iqm": E, "mean": E}}, "probability_of_improvement": [{"x", "y", …E}], "iqm_ratio": [{"x", "y",
 * …E}]}} where E is {@code {"point", "lower", "upper"}} plus, with {@code "replicates": true}, the
 * bootstrap replicates in drawing order. A pair (x, y) gives P(x &gt; y) and IQM(x) / IQM(y), and
 * on the runs' mean scores ({@link Statistics#runMeans}) the two-sided Mann–Whitney test
 * ({@code "mann_whitney": [{"x", "y", "u", "p", "exact"}]}) and the minimum detectable difference
 * at 80% power ({@code "mdd": [{"x", "y", "mdd", "pooled_sd"}]}). With {@code "per_run": true}
 * every matrix is first reduced to its runs' means over all tasks (a runs × 1 matrix), as the
 * study's tables do, so intervals resample whole runs.
 * Exit code 0, or 2 with a message on standard error for a bad request.
 */
public final class StatisticsTool {

  private static final ObjectMapper JSON = new ObjectMapper();

  private StatisticsTool() {}

  public static void main(String[] args) {
    System.exit(run(System.in, System.out, System.err));
  }

  /** Reads one request from {@code in}, writes the answer to {@code out}; returns the exit code. */
  static int run(InputStream in, PrintStream out, PrintStream err) {
    try {
      JsonNode answer = answer(JSON.readTree(in));
      out.println(JSON.writeValueAsString(answer));
      out.flush();
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      err.println("statistics: " + e.getMessage());
      return 2;
    }
  }

  static JsonNode answer(JsonNode request) {
    if (request == null || !request.isObject() || !request.path("scores").isObject()) {
      throw new IllegalArgumentException("the request must be a JSON object with \"scores\": {name: [[run x task]]}");
    }
    StratifiedBootstrap bootstrap = new StratifiedBootstrap(request.path("reps").asInt(StratifiedBootstrap.DEFAULT_REPS),
        request.path("confidence").asDouble(StratifiedBootstrap.DEFAULT_CONFIDENCE), request.path("seed").asLong(0));
    boolean withReplicates = request.path("replicates").asBoolean(false);
    Map<String, double[][]> scores = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = request.get("scores").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      double[][] m = Statistics.check(matrix(e.getValue(), e.getKey()), e.getKey());
      scores.put(e.getKey(), request.path("per_run").asBoolean(false) ? Statistics.runMeans(m) : m);
    }

    ObjectNode answer = JSON.createObjectNode();
    answer.put("reps", bootstrap.reps());
    answer.put("confidence", bootstrap.confidence());
    answer.put("seed", bootstrap.seed());
    ObjectNode aggregates = answer.putObject("aggregates");
    scores.forEach((name, s) -> {
      ObjectNode a = aggregates.putObject(name);
      a.set("iqm", estimate(bootstrap.iqm(s), withReplicates ? bootstrap.replicates(s, Statistics::iqm) : null));
      a.set("mean", estimate(bootstrap.mean(s), withReplicates ? bootstrap.replicates(s, Statistics::mean) : null));
    });
    ArrayNode poi = answer.putArray("probability_of_improvement");
    ArrayNode ratios = answer.putArray("iqm_ratio");
    ArrayNode tests = answer.putArray("mann_whitney");
    ArrayNode mdds = answer.putArray("mdd");
    for (JsonNode pair : request.path("pairs")) {
      if (!pair.isArray() || pair.size() != 2) {
        throw new IllegalArgumentException("each pair must be [x, y], got " + pair);
      }
      String xn = pair.get(0).asText();
      String yn = pair.get(1).asText();
      double[][] x = scores.get(xn);
      double[][] y = scores.get(yn);
      if (x == null || y == null) {
        throw new IllegalArgumentException("pair " + pair + " names a method without scores");
      }
      ObjectNode p = estimate(bootstrap.probabilityOfImprovement(x, y),
          withReplicates ? bootstrap.replicates(x, y, Statistics::probabilityOfImprovement) : null);
      poi.add(JSON.createObjectNode().put("x", xn).put("y", yn).setAll(p));
      ObjectNode r = estimate(bootstrap.ratio(x, y, Statistics::iqm),
          withReplicates ? bootstrap.replicates(x, y, (a, b) -> Statistics.iqm(a) / Statistics.iqm(b)) : null);
      ratios.add(JSON.createObjectNode().put("x", xn).put("y", yn).setAll(r));
      double[] xr = Statistics.column(Statistics.runMeans(x));
      double[] yr = Statistics.column(Statistics.runMeans(y));
      MannWhitney.Result t = MannWhitney.test(xr, yr);
      tests.add(JSON.createObjectNode().put("x", xn).put("y", yn).put("u", t.u()).put("p", t.p())
          .put("exact", t.exact()));
      mdds.add(JSON.createObjectNode().put("x", xn).put("y", yn).put("mdd", Power.minimumDetectableDifference(xr, yr))
          .put("pooled_sd", Power.pooledSd(xr, yr)));
    }
    return answer;
  }

  private static ObjectNode estimate(StratifiedBootstrap.Interval i, double[] replicates) {
    ObjectNode o = JSON.createObjectNode();
    o.put("point", i.point());
    o.put("lower", i.lower());
    o.put("upper", i.upper());
    if (replicates != null) {
      ArrayNode a = o.putArray("replicates");
      for (double v : replicates) {
        a.add(v);
      }
    }
    return o;
  }

  private static double[][] matrix(JsonNode node, String name) {
    if (!node.isArray() || node.isEmpty()) {
      throw new IllegalArgumentException(name + ": scores must be a non-empty array of runs, each an array of tasks");
    }
    double[][] m = new double[node.size()][];
    for (int n = 0; n < node.size(); n++) {
      JsonNode row = node.get(n);
      if (!row.isArray()) {
        throw new IllegalArgumentException(name + ": run " + n + " is not an array of task scores");
      }
      m[n] = new double[row.size()];
      for (int t = 0; t < row.size(); t++) {
        if (!row.get(t).isNumber()) {
          throw new IllegalArgumentException(name + "[" + n + "][" + t + "] is not a number: " + row.get(t));
        }
        m[n][t] = row.get(t).asDouble();
      }
    }
    return m;
  }
}
