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
import dev.isoplast.linalg.Spectral;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Gemm;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.loss.Mse;
import dev.isoplast.optim.Adam;
import dev.isoplast.optim.AdamO;
import dev.isoplast.optim.IsometryStep;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.optim.ParamMask;
import dev.isoplast.plasticity.Methods;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code isoplast bench optim}: what AdamO's decoupled isometry step costs against Adam, per
 * optimizer update and per whole training step (zero grads, forward, loss, backward, update), on
 * the PPO-sized 4-64-64-2 tanh net at batch 128, a 256-wide RL body (8-256-256-256-4 tanh) at
 * batch 256 and the paper's 784-512-512-512-512-10 ReLU net at batch 16 (float32, MSE on fixed
 * random data); for AdamO's exact step (the paper's rule) and its cheaper forms
 * ({@code --iso-every}, {@code --iso-sketch}: this project's additions). All optimizers of a net
 * are stepped in turn within each iteration, so that drift of the machine hits them alike. Every-k
 * is cheap at most updates and dear at one in k, so a form's cost is its mean over blocks of
 * {@code B} consecutive steps (B = the largest k measured), and the figure reported is the median
 * of those block means over the run ({@code *_ms}; robust to the load spikes of a shared machine,
 * which a plain mean is not); {@code ratio_vs_adam} divides whole-step figures.
 *
 * <p>Then the isometry gap each form reaches against the exact step (the gap of a weight is
 * E[(σ − 1)²] over its singular values, averaged over the hidden weights): (1) the isometry step
 * alone, no task gradient, on the paper net's hidden weights from a Gaussian start, with
 * η_iso λ = {@code --gap-rate}; (2) the paper net learning the first task of Permuted MNIST with
 * each optimizer for {@code --gap-steps} updates from the same initialisation.
 */
@Command(name = "optim", mixinStandardHelpOptions = true,
    description = "Adam versus AdamO (exact and cheaper isometry steps): update and whole-step time on three nets, "
        + "and the isometry gap each form reaches.")
final class BenchOptimCommand implements Callable<Integer> {

  @Option(names = "--steps", defaultValue = "320", description = "Measured steps per figure; the paper net runs half of them, at least 3 blocks (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--warmup", defaultValue = "100", description = "Warm-up steps (default: ${DEFAULT-VALUE}; a third for the paper net).")
  int warmup;

  @Option(names = "--iso-coef", defaultValue = "" + AdamO.PRESET_ISO_COEF, description = "AdamO's λ (default: ${DEFAULT-VALUE}, the adamo preset's).")
  double isoCoef;

  @Option(names = "--iso-every", split = ",", defaultValue = "4,16", description = "Every-k forms to measure (default: ${DEFAULT-VALUE}).")
  List<Integer> everyKs;

  @Option(names = "--iso-sketch", split = ",", defaultValue = "8,32", description = "Sketch ranks to measure (default: ${DEFAULT-VALUE}).")
  List<Integer> sketches;

  @Option(names = "--nets", split = ",", defaultValue = "small,rl256,paper", description = "Nets to time: small, rl256, paper (default: ${DEFAULT-VALUE}).")
  List<String> nets;

  @Option(names = "--gap-rate", defaultValue = "0.0005", description = "η_iso λ of the isometry-only gap run (default: ${DEFAULT-VALUE}).")
  double gapRate;

  @Option(names = "--gap-iso-steps", defaultValue = "400", description = "Updates of the isometry-only gap run; 0 skips it (default: ${DEFAULT-VALUE}).")
  int gapIsoSteps;

  @Option(names = "--gap-steps", defaultValue = "300", description = "Updates of the Permuted-MNIST gap run; 0 skips it (default: ${DEFAULT-VALUE}).")
  int gapSteps;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  record Net(String name, int in, BodyConfig body, int out, int batch, double lr) {}

  /** An optimizer configuration: Adam, or AdamO with one form of its isometry step. */
  record Form(String name, IsometryStep step) {
    boolean adam() {
      return step == null;
    }

    Optimizer build(List<Param> params, double lr, double isoCoef, long seed) {
      return adam() ? new Adam(params, lr) : new AdamO(params, lr, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2,
          Adam.DEFAULT_EPS, isoCoef, null, ParamMask.hiddenWeights(), step, seed);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (steps < 3 || warmup < 0 || gapSteps < 0 || gapIsoSteps < 0) {
      throw new IllegalArgumentException("--steps must be >= 3, --warmup, --gap-steps and --gap-iso-steps >= 0");
    }
    List<Form> forms = forms();
    ObjectNode out = MAPPER.createObjectNode();
    out.put("load_average", BenchEnvCommand.loadAverage());
    out.put("iso_coef", isoCoef);
    ArrayNode results = out.putArray("results");
    Map<String, Net> known = new LinkedHashMap<>();
    BodyConfig tanh = BodyConfig.cleanRlPpo();
    known.put("small", new Net("4-64-64-2", 4, tanh.withHiddenSizes(List.of(64, 64)), 2, 128, 2.5e-4));
    known.put("rl256", new Net("8-256-256-256-4", 8, tanh.withHiddenSizes(List.of(256, 256, 256)), 4, 256, 2.5e-4));
    known.put("paper", new Net("784-512-512-512-512-10", 784, SupervisedConfig.paper().body(), 10, 16, 1e-4));
    for (String name : nets) {
      Net net = known.get(name);
      if (net == null) {
        throw new IllegalArgumentException("unknown net '" + name + "': expected one of " + known.keySet());
      }
      boolean paper = name.equals("paper");
      int n = Math.max(3 * block(), paper ? steps / 2 : steps);
      results.add(measure(net, forms, n, paper ? warmup / 3 : warmup));
    }
    ArrayNode gaps = out.putArray("isometry_gap");
    if (gapIsoSteps > 0) {
      gaps.add(isometryOnlyGap(forms));
    }
    if (gapSteps > 0) {
      gaps.add(trainingGap(forms));
    }
    if (json) {
      System.out.println(MAPPER.writeValueAsString(out));
    } else {
      print(out, forms);
    }
    return 0;
  }

  private List<Form> forms() {
    List<Form> forms = new ArrayList<>(List.of(new Form("adam", null), new Form("adamo", IsometryStep.EXACT)));
    for (int k : everyKs) {
      forms.add(new Form("adamo_every" + k, new IsometryStep(k, 0)));
    }
    for (int s : sketches) {
      forms.add(new Form("adamo_sketch" + s, new IsometryStep(1, s)));
    }
    return forms;
  }

  // ---- time ----

  private ObjectNode measure(Net net, List<Form> forms, int n, int warm) {
    int f = forms.size();
    Sequential[] nets = new Sequential[f];
    Optimizer[] opts = new Optimizer[f];
    for (int i = 0; i < f; i++) {
      nets[i] = Networks.build(net.in(), net.body(), net.out(), Init.orthogonal(1.0), new SplittableRandom(seed),
          DataType.FLOAT);
      opts[i] = forms.get(i).build(nets[i].params(), net.lr(), isoCoef, seed);
    }
    Nd4j.getRandom().setSeed(seed);
    INDArray x = Nd4j.randn(DataType.FLOAT, net.batch(), net.in());
    INDArray y = Nd4j.randn(DataType.FLOAT, net.batch(), net.out());
    INDArray grad = Nd4j.zeros(DataType.FLOAT, net.batch(), net.out());
    long[][] update = new long[f][n];
    long[][] whole = new long[f][n];
    long[] fwdBwd = new long[n];
    for (int s = -warm; s < n; s++) {
      for (int i = 0; i < f; i++) {
        long t0 = System.nanoTime();
        gradients(nets[i], x, y, grad);
        long t1 = System.nanoTime();
        opts[i].step();
        long t2 = System.nanoTime();
        if (s >= 0) {
          update[i][s] = t2 - t1;
          whole[i][s] = t2 - t0;
          if (i == 0) {
            fwdBwd[s] = t1 - t0;
          }
        }
      }
    }
    int block = block();
    ObjectNode r = MAPPER.createObjectNode();
    r.put("net", net.name());
    r.put("batch", net.batch());
    r.put("steps", n);
    r.put("block", block);
    r.put("fwd_bwd_ms", median(fwdBwd));
    double adamWhole = blockMedian(whole[0], block);
    ArrayNode fs = r.putArray("forms");
    for (int i = 0; i < f; i++) {
      ObjectNode o = fs.addObject();
      o.put("form", forms.get(i).name());
      o.put("update_ms", blockMedian(update[i], block));
      o.put("train_step_ms", blockMedian(whole[i], block));
      o.put("train_step_mean_ms", mean(whole[i]));
      o.put("ratio_vs_adam", round(blockMedian(whole[i], block) / adamWhole));
    }
    // the figures of earlier versions of this command: Adam against AdamO's exact step
    r.put("adam_step_ms", blockMedian(update[0], block));
    r.put("adamo_step_ms", blockMedian(update[1], block));
    r.put("ratio", round(blockMedian(update[1], block) / blockMedian(update[0], block)));
    r.put("train_step_adam_ms", adamWhole);
    r.put("train_step_adamo_ms", blockMedian(whole[1], block));
    r.put("train_step_ratio", round(blockMedian(whole[1], block) / adamWhole));
    // the exact isometry step's arithmetic rate: its floating-point operations (two products,
    // the Gram matrix and its application: 4 r c min(r, c) per weight, IsometryPenalty.cubic) over
    // its time (AdamO's update less Adam's), against a square gemm of the widest Gram's size, timed here
    double isoMs = blockMedian(update[1], block) - blockMedian(update[0], block);
    double flops = 0;
    long widest = 0;
    for (Param p : nets[1].params()) {
      if (ParamMask.hiddenWeights().test(p) && p.value().rank() == 2) {
        long rows = p.value().rows();
        long cols = p.value().columns();
        flops += 4.0 * rows * cols * Math.min(rows, cols);
        widest = Math.max(widest, Math.min(rows, cols));
      }
    }
    r.put("iso_step_ms", round(isoMs));
    r.put("iso_step_gflop", round(flops / 1e9));
    r.put("iso_step_gflops", round(flops / isoMs / 1e6));
    double gemm = gemmGflops((int) widest);
    r.put("gemm_gflops", round(gemm));
    r.put("iso_step_share_of_gemm", round(flops / isoMs / 1e6 / gemm));
    return r;
  }

  /** GFLOP/s of an n × n × n float32 gemm through {@link Gemm} (its thread policy), best of 7 after 3 warm-ups. */
  static double gemmGflops(int n) {
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.zeros(DataType.FLOAT, n, n);
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      long t0 = System.nanoTime();
      Gemm.gemm(a, b, c, false, false, 1.0, 0.0);
      if (i >= 3) {
        best = Math.min(best, System.nanoTime() - t0);
      }
    }
    return 2.0 * n * n * n / best;
  }

  private static void gradients(Sequential net, INDArray x, INDArray y, INDArray grad) {
    net.zeroGrad();
    INDArray pred = net.forward(x);
    Mse.loss(pred, y, grad);
    net.backwardParams(grad);
  }

  // ---- the isometry gap each form reaches ----

  /** The isometry step alone (no task gradient) on the paper net's hidden weights from a Gaussian start. */
  private ObjectNode isometryOnlyGap(List<Form> forms) {
    ObjectNode r = MAPPER.createObjectNode();
    r.put("run", "isometry step alone: paper net's hidden weights from N(0, 1/in), no task gradient");
    r.put("updates", gapIsoSteps);
    r.put("eta_iso_lambda", gapRate);
    List<Param> start = new ArrayList<>();
    SplittableRandom rng = new SplittableRandom(seed);
    int in = 784;
    for (int l = 0; l < 4; l++) {
      INDArray w = Nd4j.zeros(DataType.FLOAT, 512, in);
      float[] v = new float[512 * in];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (rng.nextGaussian() / Math.sqrt(in));
      }
      w.assign(Nd4j.create(v, new long[] {512, in}, 'c'));
      start.add(new Param("body." + l + ".W", Param.Role.WEIGHT, false, w));
      in = 512;
    }
    r.put("start_gap", gap(start));
    ArrayNode out = r.putArray("forms");
    for (Form form : forms) {
      if (form.adam()) {
        continue;
      }
      List<Param> ps = new ArrayList<>();
      for (Param p : start) {
        ps.add(new Param(p.name(), p.role(), false, p.value().dup()));
      }
      // η_iso λ = gapRate: λ = 1 with a fixed η_iso, and no task gradient (Adam's part is then 0)
      Optimizer opt = new AdamO(ps, 0.0, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPS, 1.0, gapRate,
          ParamMask.hiddenWeights(), form.step(), seed);
      long t0 = System.nanoTime();
      for (int s = 0; s < gapIsoSteps; s++) {
        ps.forEach(Param::zeroGrad);
        opt.step();
      }
      ObjectNode o = out.addObject();
      o.put("form", form.name());
      o.put("gap", gap(ps));
      o.put("ms_per_update", round((System.nanoTime() - t0) / 1e6 / gapIsoSteps));
    }
    relativeToExact(out);
    return r;
  }

  /** The paper net on the first task of Permuted MNIST, each optimizer from the same initialisation. */
  private ObjectNode trainingGap(List<Form> forms) {
    ObjectNode r = MAPPER.createObjectNode();
    r.put("run", "paper net (4 x 512 ReLU, orthogonal init, batch 16, lr 1e-4) on task 0 of Permuted MNIST");
    r.put("updates", gapSteps);
    r.put("iso_coef", isoCoef);
    PermutedImages tasks = new PermutedImages("permuted-mnist", MnistDigits.load(), MnistDigits.COUNT, 1, seed);
    TaskSequence.Task task = tasks.task(0);
    ArrayNode out = r.putArray("forms");
    for (Form form : forms) {
      Map<String, Object> keys = new LinkedHashMap<>(Methods.get(form.adam() ? "adam" : "adamo").overrides(LearnerKind.SUPERVISED));
      if (!form.adam()) {
        keys.put("iso_coef", isoCoef);
        keys.put("iso_every", form.step().every());
        keys.put("iso_sketch", form.step().sketch());
      }
      SupervisedConfig config = SupervisedConfig.fromMap(SupervisedConfig.paper(), keys);
      SupervisedLearner learner = new SupervisedLearner(config, tasks.inSize(), tasks.outSize(), seed);
      int b = config.batchSize();
      float[] x = new float[b * tasks.inSize()];
      int[] y = new int[b];
      long correct = 0;
      long seen = 0;
      long t0 = System.nanoTime();
      for (int s = 0; s < gapSteps; s++) {
        for (int k = 0; k < b; k++) {
          int i = (s * b + k) % task.size();
          task.input(i, x, k * tasks.inSize());
          y[k] = task.label(i);
        }
        int c = learner.step(x, y, b);
        if (s >= gapSteps / 2) {
          correct += c;
          seen += b;
        }
      }
      ObjectNode o = out.addObject();
      o.put("form", form.name());
      o.put("gap", gap(learner.net().params()));
      o.put("online_accuracy_second_half", round((double) correct / seen));
      o.put("ms_per_update", round((System.nanoTime() - t0) / 1e6 / gapSteps));
    }
    relativeToExact(out);
    return r;
  }

  /** Adds each form's gap relative to the exact step's: (gap − gap_exact) / gap_exact. */
  private static void relativeToExact(ArrayNode forms) {
    double exact = Double.NaN;
    for (var o : forms) {
      if (o.get("form").asText().equals("adamo")) {
        exact = o.get("gap").asDouble();
      }
    }
    for (var o : forms) {
      ((ObjectNode) o).put("gap_vs_exact", round((o.get("gap").asDouble() - exact) / exact));
    }
  }

  /**
   * Mean over the hidden weights of E[(σ − 1)²] over each weight's min(out, in) singular values,
   * σ = √λ of the eigenvalues λ of the smaller Gram matrix (float64).
   */
  private static double gap(List<Param> params) {
    double total = 0;
    int count = 0;
    for (Param p : params) {
      if (!p.isHiddenWeight()) {
        continue;
      }
      INDArray w = p.value().castTo(DataType.DOUBLE);
      INDArray gram = w.rows() >= w.columns() ? w.transpose().mmul(w) : w.mmul(w.transpose());
      double[] eig = Spectral.symmetricEigenvalues(gram);
      double g = 0;
      for (double e : eig) {
        double s = Math.sqrt(Math.max(e, 0));
        g += (s - 1) * (s - 1);
      }
      total += g / eig.length;
      count++;
    }
    return Math.round(total / count * 1e8) / 1e8;
  }

  // ---- output ----

  private static void print(ObjectNode out, List<Form> forms) {
    System.out.printf("%-24s %6s %-16s %10s %14s %15s %8s%n", "net", "batch", "form", "update_ms", "train_step_ms",
        "(plain mean)", "ratio");
    out.get("results").forEach(r -> r.get("forms").forEach(f -> System.out.printf("%-24s %6d %-16s %10.3f %14.3f %15.3f %8.3f%n",
        r.get("net").asText(), r.get("batch").asInt(), f.get("form").asText(), f.get("update_ms").asDouble(),
        f.get("train_step_ms").asDouble(), f.get("train_step_mean_ms").asDouble(), f.get("ratio_vs_adam").asDouble())));
    out.get("results").forEach(r -> System.out.printf("%-24s exact isometry step %.3f ms, %.3f GFLOP: %.1f GFLOP/s,"
        + " %.0f%% of a %s gemm's %.1f GFLOP/s%n", r.get("net").asText(), r.get("iso_step_ms").asDouble(),
        r.get("iso_step_gflop").asDouble(), r.get("iso_step_gflops").asDouble(),
        100 * r.get("iso_step_share_of_gemm").asDouble(), "square", r.get("gemm_gflops").asDouble()));
    for (var g : out.get("isometry_gap")) {
      System.out.printf("%n%s, %d updates:%n", g.get("run").asText(), g.get("updates").asInt());
      if (g.has("start_gap")) {
        System.out.printf("  start gap %.6f%n", g.get("start_gap").asDouble());
      }
      g.get("forms").forEach(f -> System.out.printf("  %-16s gap %.6f (vs exact %+.3f)%s, %.2f ms/update%n",
          f.get("form").asText(), f.get("gap").asDouble(), f.get("gap_vs_exact").asDouble(),
          f.has("online_accuracy_second_half") ? String.format(", accuracy %.3f",
              f.get("online_accuracy_second_half").asDouble()) : "", f.get("ms_per_update").asDouble()));
    }
    System.out.printf("load average at start: %s%n", out.get("load_average").asText());
  }

  /** Steps per block: the largest every-k measured (at least 1). */
  private int block() {
    return Math.max(1, everyKs.stream().mapToInt(Integer::intValue).max().orElse(1));
  }

  /** The median over consecutive blocks of {@code block} steps of each block's mean, in ms. */
  private static double blockMedian(long[] nanos, int block) {
    int blocks = nanos.length / block;
    if (blocks == 0) {
      return mean(nanos);
    }
    long[] sums = new long[blocks];
    for (int b = 0; b < blocks; b++) {
      for (int i = 0; i < block; i++) {
        sums[b] += nanos[b * block + i];
      }
    }
    Arrays.sort(sums);
    double mid = blocks % 2 == 1 ? sums[blocks / 2] : (sums[blocks / 2 - 1] + sums[blocks / 2]) / 2.0;
    return round(mid / block / 1e6);
  }

  private static double median(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return round(s[s.length / 2] / 1e6);
  }

  private static double mean(long[] nanos) {
    double total = 0;
    for (long v : nanos) {
      total += v;
    }
    return round(total / nanos.length / 1e6);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
