package dev.isoplast.continual;

import dev.isoplast.agents.GradientStep;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.loss.Mse;
import dev.isoplast.nn.loss.SoftmaxCrossEntropy;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.plasticity.Interventions;
import dev.isoplast.plasticity.Learner;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The supervised learner of the continual benchmarks (DESIGN.md §10): one network ({@code net})
 * trained by minibatch steps through the same {@link GradientStep} as PPO and DQN, so every
 * optimizer, regularizer, intervention and monitor acts on it unchanged. Classification uses
 * softmax cross-entropy on integer labels, regression the mean squared error on one output.
 *
 * <p>Each step first predicts on its batch with the current network (the online accuracy or
 * error, measured before the update, as the continual-learning literature reports it), then
 * updates. The last {@link #RECENT} inputs are kept for the monitors' probe batches and ReDo.
 *
 * <p>Seeding: {@code seed} fixes the initialisation and the interventions' streams; the order of
 * the examples is the caller's. Not thread-safe.
 */
public final class SupervisedLearner implements Learner {

  /** Inputs kept for {@link #recentInputs}: 16 probe batches of 256. */
  public static final int RECENT = 4096;

  private final SupervisedConfig config;
  private final int inSize;
  private final int outSize;
  private final Sequential net;
  private final List<Param> params;
  private final Optimizer optimizer;
  private final GradientStep gradientStep;
  private final Map<Integer, INDArray[]> buffers = new HashMap<>();
  private final float[] recent;
  private int recentRows;
  private int recentNext;
  private double lastLoss;
  private int lastBatch;

  public SupervisedLearner(SupervisedConfig config, int inSize, int outSize, long seed) {
    this(config, new int[] {inSize}, outSize, seed);
  }

  /** A learner on inputs of shape {@code inShape} ({@link TaskSequence#inShape}: a conv body needs an image's). */
  public SupervisedLearner(SupervisedConfig config, int[] inShape, int outSize, long seed) {
    this.config = config;
    int size = 1;
    for (int d : inShape) {
      size = Math.multiplyExact(size, d);
    }
    this.inSize = size;
    this.outSize = outSize;
    Nd4j.getRandom().setSeed(seed);
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom initRng = root.split();
    SplittableRandom regRng = root.split();
    long interventionSeed = root.nextLong();
    this.net = Networks.build("net", inShape, config.body(), outSize, config.headInit(), initRng, DataType.FLOAT);
    this.params = net.params();
    this.optimizer = config.methods().optimizer(params, config.learningRate(), seed);
    Interventions interventions = config.methods().interventions(networks(), interventionSeed);
    this.gradientStep = new GradientStep(params, optimizer, config.methods().regularizers(params, regRng),
        config.methods().lossTerms(output(), interventionSeed), null, interventions);
    this.recent = new float[RECENT * inSize];
  }

  /** [x, grad] buffers for a batch of {@code b} rows. */
  private INDArray[] buffers(int b) {
    return buffers.computeIfAbsent(b, k -> new INDArray[] {Nd4j.zeros(DataType.FLOAT, k, inSize),
        Nd4j.zeros(DataType.FLOAT, k, outSize)});
  }

  /**
   * One classification step on {@code b} rows of {@code x} with {@code labels}: predicts (the
   * returned count of correct argmax predictions is the online figure), then one gradient step on
   * the mean cross-entropy. The batch's loss is {@link #lastLoss()}.
   */
  public int step(float[] x, int[] labels, int b) {
    INDArray[] buf = load(x, b);
    int[] correct = new int[1];
    gradientStep.take(this, () -> {
      INDArray logits = net.forward(buf[0]);
      correct[0] = countCorrect(logits, labels, b);
      lastLoss = SoftmaxCrossEntropy.loss(logits, labels.length == b ? labels : java.util.Arrays.copyOf(labels, b),
          buf[1]);
      net.backwardParams(buf[1]);
    });
    gradientStep.endUpdate(this);
    return correct[0];
  }

  /** One regression step on {@code b} rows of {@code x} with {@code targets}; returns the batch's mean squared error before the update. */
  public double step(float[] x, float[] targets, int b) {
    INDArray[] buf = load(x, b);
    INDArray t = Nd4j.create(java.util.Arrays.copyOf(targets, b), new long[] {b, 1}, 'c');
    gradientStep.take(this, () -> {
      lastLoss = Mse.loss(net.forward(buf[0]), t, buf[1]);
      net.backwardParams(buf[1]);
    });
    gradientStep.endUpdate(this);
    return lastLoss;
  }

  /** Correct argmax predictions on {@code b} rows of {@code x} (no update; not kept as recent inputs). */
  public int evaluate(float[] x, int[] labels, int b) {
    INDArray[] buf = buffers(b);
    HostArrays.floats(buf[0]).put(0, x, 0, b * inSize);
    return countCorrect(net.forward(buf[0]), labels, b);
  }

  /** The batch's inputs into the network's input buffer, and into the recent inputs. */
  private INDArray[] load(float[] x, int b) {
    INDArray[] buf = buffers(b);
    HostArrays.floats(buf[0]).put(0, x, 0, b * inSize);
    remember(x, b);
    lastBatch = b;
    return buf;
  }

  private int countCorrect(INDArray logits, int[] labels, int b) {
    float[] z = new float[b * outSize];
    HostArrays.floats(logits).get(0, z);
    int correct = 0;
    for (int r = 0; r < b; r++) {
      int best = 0;
      for (int k = 1; k < outSize; k++) {
        if (z[r * outSize + k] > z[r * outSize + best]) {
          best = k;
        }
      }
      correct += best == labels[r] ? 1 : 0;
    }
    return correct;
  }

  private void remember(float[] x, int b) {
    for (int r = 0; r < b; r++) {
      System.arraycopy(x, r * inSize, recent, recentNext * inSize, inSize);
      recentNext = (recentNext + 1) % RECENT;
      recentRows = Math.min(recentRows + 1, RECENT);
    }
  }

  /**
   * Its whole state for a checkpoint: parameters, the gradient step's (optimizer, regularizers,
   * interventions, update count) and the recent inputs.
   */
  public Snapshot state() {
    return new Snapshot().put("params", Param.values(params)).put("step", gradientStep.state()).put("recent", recent)
        .put("recent_rows", (long) recentRows).put("recent_next", (long) recentNext);
  }

  /** Puts back {@link #state()} taken from a learner of the same configuration. */
  public void restore(Snapshot s) {
    Param.restoreValues(params, s.getTree("params"));
    gradientStep.restore(s.getTree("step"));
    float[] r = s.getFloats("recent");
    if (r.length != recent.length) {
      throw new IllegalArgumentException("the saved recent inputs do not fit this learner");
    }
    System.arraycopy(r, 0, recent, 0, r.length);
    recentRows = s.getInt("recent_rows");
    recentNext = s.getInt("recent_next");
  }

  /** The loss of the last step's batch (before its update). */
  public double lastLoss() {
    return lastLoss;
  }

  /** Regularizer penalties and intervention counts, for the learner's rows. */
  public Map<String, Double> metrics() {
    return gradientStep.metrics();
  }

  public SupervisedConfig config() {
    return config;
  }

  public Sequential net() {
    return net;
  }

  @Override
  public Map<String, Sequential> networks() {
    return Map.of("net", net);
  }

  @Override
  public List<Param> params() {
    return params;
  }

  @Override
  public Optimizer optimizer() {
    return optimizer;
  }

  /** The newest {@code min(max, seen)} inputs, oldest first. */
  @Override
  public float[] recentInputs(int max) {
    int rows = Math.min(max, recentRows);
    float[] out = new float[rows * inSize];
    int start = (recentNext - rows + RECENT) % RECENT;
    for (int k = 0; k < rows; k++) {
      System.arraycopy(recent, ((start + k) % RECENT) * inSize, out, k * inSize, inSize);
    }
    return out;
  }

  @Override
  public Output output() {
    return new Output(net, Output.Kind.PREDICTIONS);
  }

  /** {@code rows} of its recent inputs drawn uniformly with replacement (this step's batch included). */
  @Override
  public float[] referenceInputs(int rows, RandomGenerator rng) {
    if (recentRows == 0) {
      return new float[0];
    }
    float[] out = new float[rows * inSize];
    int start = (recentNext - recentRows + RECENT) % RECENT;
    for (int k = 0; k < rows; k++) {
      int row = (start + rng.nextInt(recentRows)) % RECENT;
      System.arraycopy(recent, row * inSize, out, k * inSize, inSize);
    }
    return out;
  }

  /** Rows of the current (or last) step's batch; {@code batch_size} before any step. */
  @Override
  public int batchRows() {
    return lastBatch > 0 ? lastBatch : config.batchSize();
  }

  @Override
  public double taskLoss() {
    return lastLoss;
  }

  @Override
  public long updates() {
    return gradientStep.updates();
  }

  @Override
  public Interventions interventions() {
    return gradientStep.interventions();
  }
}
