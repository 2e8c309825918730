package dev.isoplast.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.loss.Mse;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.AdamO;
import dev.isoplast.optim.Optimizer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code isoplast bench optim}: the cost of AdamO's decoupled isometry stage against Adam, and of a
 * forward+backward pass, on the PPO-sized 4-64-64-2 tanh net at batch 128 and an 8-256-256-256-4
 * net at batch 256 (float32, MSE on fixed random data). Medians over the measured steps, after
 * warm-up; Adam and AdamO steps are interleaved so that drift of the machine hits both alike.
 *
 * <p>{@code adam_step_ms} / {@code adamo_step_ms} time the optimizer update alone (the stricter
 * comparison, and {@code ratio} is theirs); {@code train_step_*} time a whole training step
 * (zero grads, forward, loss, backward, update).
 */
@Command(name = "optim", mixinStandardHelpOptions = true,
    description = "Adam versus AdamO update time, and forward+backward time, on two network sizes.")
final class BenchOptimCommand implements Callable<Integer> {

  @Option(names = "--steps", defaultValue = "300", description = "Measured steps per figure (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--warmup", defaultValue = "100", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--iso-coef", defaultValue = "1e-3", description = "AdamO's λ (default: ${DEFAULT-VALUE}).")
  double isoCoef;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  record Net(String name, int in, List<Integer> hidden, int out, int batch) {}

  @Override
  public Integer call() throws Exception {
    if (steps < 1 || warmup < 0) {
      throw new IllegalArgumentException("--steps must be >= 1 and --warmup >= 0");
    }
    ObjectNode out = MAPPER.createObjectNode();
    ArrayNode results = out.putArray("results");
    for (Net net : List.of(new Net("4-64-64-2", 4, List.of(64, 64), 2, 128),
        new Net("8-256-256-256-4", 8, List.of(256, 256, 256), 4, 256))) {
      results.add(measure(net));
    }
    if (json) {
      System.out.println(MAPPER.writeValueAsString(out));
    } else {
      System.out.printf("%-17s %6s %11s %10s %11s %7s %13s %14s %9s%n", "net", "batch", "fwd_bwd_ms", "adam_ms",
          "adamo_ms", "ratio", "train_adam_ms", "train_adamo_ms", "tr_ratio");
      results.forEach(r -> System.out.printf("%-17s %6d %11.3f %10.3f %11.3f %7.3f %13.3f %14.3f %9.3f%n",
          r.get("net").asText(), r.get("batch").asInt(), r.get("fwd_bwd_ms").asDouble(), r.get("adam_step_ms").asDouble(),
          r.get("adamo_step_ms").asDouble(), r.get("ratio").asDouble(), r.get("train_step_adam_ms").asDouble(),
          r.get("train_step_adamo_ms").asDouble(), r.get("train_step_ratio").asDouble()));
    }
    return 0;
  }

  private ObjectNode measure(Net net) {
    BodyConfig body = BodyConfig.cleanRlPpo().withHiddenSizes(net.hidden());
    Sequential a = Networks.build(net.in(), body, net.out(), Init.orthogonal(1.0), new SplittableRandom(seed), DataType.FLOAT);
    Sequential o = Networks.build(net.in(), body, net.out(), Init.orthogonal(1.0), new SplittableRandom(seed), DataType.FLOAT);
    Optimizer adam = new Adam(a.params(), 2.5e-4);
    Optimizer adamo = new AdamO(o.params(), 2.5e-4, isoCoef);
    Nd4j.getRandom().setSeed(seed);
    INDArray x = Nd4j.randn(DataType.FLOAT, net.batch(), net.in());
    INDArray y = Nd4j.randn(DataType.FLOAT, net.batch(), net.out());
    INDArray ga = Nd4j.zeros(DataType.FLOAT, net.batch(), net.out());
    INDArray go = ga.dup();
    long[] fwdBwd = new long[steps];
    long[] stepA = new long[steps];
    long[] stepO = new long[steps];
    long[] trainA = new long[steps];
    long[] trainO = new long[steps];
    for (int i = -warmup; i < steps; i++) {
      long t0 = System.nanoTime();
      gradients(a, x, y, ga);
      long t1 = System.nanoTime();
      adam.step();
      long t2 = System.nanoTime();
      gradients(o, x, y, go);
      long t3 = System.nanoTime();
      adamo.step();
      long t4 = System.nanoTime();
      if (i >= 0) {
        fwdBwd[i] = t1 - t0;
        stepA[i] = t2 - t1;
        trainA[i] = t2 - t0;
        stepO[i] = t4 - t3;
        trainO[i] = t4 - t2;
      }
    }
    ObjectNode r = MAPPER.createObjectNode();
    r.put("net", net.name());
    r.put("batch", net.batch());
    r.put("fwd_bwd_ms", median(fwdBwd));
    double sa = median(stepA);
    double so = median(stepO);
    r.put("adam_step_ms", sa);
    r.put("adamo_step_ms", so);
    r.put("ratio", round(so / sa));
    double ta = median(trainA);
    double to = median(trainO);
    r.put("train_step_adam_ms", ta);
    r.put("train_step_adamo_ms", to);
    r.put("train_step_ratio", round(to / ta));
    return r;
  }

  private static void gradients(Sequential net, INDArray x, INDArray y, INDArray grad) {
    net.zeroGrad();
    INDArray pred = net.forward(x);
    Mse.loss(pred, y, grad);
    net.backwardParams(grad);
  }

  private static double median(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return round(s[s.length / 2] / 1e6);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
