package dev.isoplast.cli;

import dev.isoplast.config.LearnerKind;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.continual.PermutedImages;
import dev.isoplast.continual.SupervisedConfig;
import dev.isoplast.continual.SupervisedLearner;
import dev.isoplast.continual.TaskSequence;
import dev.isoplast.continual.data.MnistDigits;
import dev.isoplast.nn.loss.SoftmaxCrossEntropy;
import dev.isoplast.plasticity.Methods;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code isoplast bench continual}: training steps per second of the supervised learner on
 * Permuted MNIST at batch 16, for the small net (784-100-100-10) and the paper's (4 × 512), with
 * Adam and with AdamO, monitors off; and where a step's time goes (gathering the permuted batch,
 * forward + loss + backward, the optimizer update). The goal: 200 tasks × 10,000 digits
 * (125k steps) with the small net in ≤ 2 minutes with Adam and ≤ 2.5 with AdamO.
 */
@Command(name = "continual", mixinStandardHelpOptions = true,
    description = "Supervised learner steps/s on Permuted MNIST (batch 16): small and paper nets, Adam and AdamO.")
final class BenchContinualCommand implements Callable<Integer> {

  @Option(names = "--steps", defaultValue = "3000", description = "Measured steps for the small net; the paper net runs a third of them (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    if (steps < 10) {
      throw new IllegalArgumentException("--steps must be at least 10, got " + steps);
    }
    PermutedImages tasks = new PermutedImages("permuted-mnist", MnistDigits.load(), MnistDigits.COUNT, 1, 1);
    ObjectNode out = new ObjectMapper().createObjectNode();
    ArrayNode rows = out.putArray("runs");
    // a first, unrecorded round warms the JIT and ND4J up for every configuration alike
    for (boolean record : new boolean[] {false, true}) {
      for (String net : new String[] {"small", "paper"}) {
        for (String method : new String[] {"adam", "adamo"}) {
          SupervisedConfig base = net.equals("small") ? SupervisedConfig.small() : SupervisedConfig.paper();
          SupervisedConfig config = SupervisedConfig.fromMap(base, Methods.get(method).overrides(LearnerKind.SUPERVISED));
          int n = net.equals("small") ? steps : Math.max(10, steps / 3);
          ObjectNode r = record ? rows.addObject() : new ObjectMapper().createObjectNode();
          r.put("net", net);
          r.put("method", method);
          measure(config, tasks, record ? n : Math.max(10, n / 5), r);
        }
      }
    }
    for (var r : rows) {
      if (r.get("net").asText().equals("small")) {
        out.put("small_" + r.get("method").asText() + "_minutes_for_200_tasks", r.get("minutes_for_200_tasks").asDouble());
      }
    }
    if (json) {
      System.out.println(out);
    } else {
      System.out.printf("%-6s %-6s %10s %12s %10s %12s %10s%n", "net", "method", "steps/s", "200 tasks min", "gather ms",
          "fwd+bwd ms", "update ms");
      for (var r : rows) {
        System.out.printf("%-6s %-6s %10.0f %12.2f %10.3f %12.3f %10.3f%n", r.get("net").asText(),
            r.get("method").asText(), r.get("steps_per_s").asDouble(), r.get("minutes_for_200_tasks").asDouble(),
            r.get("gather_ms").asDouble(), r.get("forward_backward_ms").asDouble(), r.get("update_ms").asDouble());
      }
      System.out.println("goal: small net, 200 tasks (125k steps) in <= 2 min with adam, <= 2.5 with adamo");
    }
    return 0;
  }

  /** Whole steps as the trainer takes them, then the parts of a step timed alone. */
  private static void measure(SupervisedConfig config, PermutedImages tasks, int n, ObjectNode r) {
    SupervisedLearner learner = new SupervisedLearner(config, tasks.inSize(), tasks.outSize(), 1);
    TaskSequence.Task task = tasks.task(0);
    int b = config.batchSize();
    float[] x = new float[b * tasks.inSize()];
    int[] y = new int[b];
    int warm = Math.max(5, n / 10);
    long gatherNs = 0;
    long t0 = 0;
    for (int s = 0; s < warm + n; s++) {
      if (s == warm) {
        t0 = System.nanoTime();
        gatherNs = 0;
      }
      long g = System.nanoTime();
      for (int k = 0; k < b; k++) {
        int i = (s * b + k) % task.size();
        task.input(i, x, k * tasks.inSize());
        y[k] = task.label(i);
      }
      gatherNs += System.nanoTime() - g;
      learner.step(x, y, b);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double sps = n / wall;
    r.put("steps", n);
    r.put("steps_per_s", Math.round(sps));
    r.put("minutes_for_200_tasks", Math.round(200.0 * 625 / sps / 60 * 100) / 100.0);
    r.put("gather_ms", gatherNs / 1e6 / n);
    // forward + loss + backward alone, on the last batch
    INDArray xs = Nd4j.create(x, new long[] {b, tasks.inSize()}, 'c');
    INDArray grad = Nd4j.zeros(DataType.FLOAT, b, tasks.outSize());
    long f = System.nanoTime();
    for (int s = 0; s < n; s++) {
      learner.net().zeroGrad();
      SoftmaxCrossEntropy.loss(learner.net().forward(xs), y, grad);
      learner.net().backwardParams(grad);
    }
    r.put("forward_backward_ms", (System.nanoTime() - f) / 1e6 / n);
    // the optimizer's update alone (grads as left by the last backward)
    long u = System.nanoTime();
    for (int s = 0; s < n; s++) {
      learner.optimizer().step();
    }
    r.put("update_ms", (System.nanoTime() - u) / 1e6 / n);
    r.put("step_ms", 1000 / sps);
  }
}
