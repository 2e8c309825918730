package dev.isoplast.agents.ppo;

import dev.isoplast.agents.Agent;
import dev.isoplast.agents.Callback;
import dev.isoplast.agents.Callbacks;
import dev.isoplast.agents.Episodes;
import dev.isoplast.agents.Gae;
import dev.isoplast.agents.GradientStep;
import dev.isoplast.agents.HostRows;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.agents.Policy;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.config.RngStream;
import dev.isoplast.config.Snapshot;
import dev.isoplast.envs.PendingStep;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.TwoHalves;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.envs.spaces.Space;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.nn.dist.Categorical;
import dev.isoplast.nn.dist.DiagGaussian;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.optim.Regularizer;
import dev.isoplast.optim.Schedule;
import dev.isoplast.plasticity.Interventions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Proximal Policy Optimization (Schulman et al. 2017), following CleanRL's {@code ppo.py} (and
 * {@code ppo_continuous_action.py} for Box actions) step by step: separate actor and critic
 * networks, a rollout of {@code num_steps} vector steps, GAE, then {@code update_epochs} epochs of
 * shuffled minibatches with the clipped surrogate, clipped value loss and entropy bonus
 * ({@link PpoLoss}), global-norm clipping over all parameters, one optimizer over all of them, and a
 * linearly annealed learning rate. Differences from CleanRL, both deliberate: truncated episodes
 * are bootstrapped from the env's final observation ({@link Gae}), and continuous-action envs are
 * not wrapped in observation/reward normalisation.
 *
 * <p>Seeding: one {@code seed} fixes the networks' initialisation, action sampling, minibatch
 * shuffling, the envs ({@code env.reset(seed)}) and ND4J's RNG; the same seed on the same machine
 * gives the same metrics (except {@code charts/SPS}).
 *
 * <p>Not thread-safe. {@link #train} may be called again to continue training (the env is reset
 * only on the first call; each call anneals the learning rate over its own budget).
 */
public final class Ppo implements Agent {


  private final PpoConfig config;
  private final DataType dtype;
  private final VectorEnv env;
  private final long seed;

  // spaces
  private final int numEnvs;
  private final int numSteps;
  private final int obsDim;
  private final boolean discrete;
  private final int actDim; // 1 for Discrete, flat size of the Box otherwise
  private final int numActions; // Discrete only
  private final long actionStart; // Discrete only
  private final double[] actLow;
  private final double[] actHigh;

  // agent
  private final Sequential actor;
  private final Sequential critic;
  private final Param logStd; // Box only
  private final List<Param> params;
  private final Optimizer optimizer;
  private final GradientStep gradientStep;
  private RngStream actionRng;
  private RngStream shuffleRng;
  private final Categorical categorical = new Categorical();
  private final DiagGaussian gaussian = new DiagGaussian();

  // rollout storage, flat [T, N, ...] (CleanRL's obs, actions, logprobs, rewards, dones, values)
  private final float[] obs;
  private final double[] actions;
  private final double[] logprobs;
  private final double[] rewards;
  private final double[] values;
  private final boolean[] terminated;
  private final boolean[] truncated;
  private final double[] finalValues;
  private final double[] advantages;
  private final double[] returns;

  // per-step work arrays: one group for the whole vector, or one per half with overlap_rollout
  private float[] nextObs;
  private final INDArray stepObs;
  private final List<Group> groups;
  private final double[] lastValues;

  // minibatch work arrays (CleanRL's mb_*)
  private final int minibatchSize;
  private final int[] bInds;
  private final float[] mbObsHost;
  private final INDArray mbObs;
  private final int[] mbActionsInt;
  private final double[] mbActionsHost;
  private final INDArray mbActions; // Box only
  private final double[] mbOldLogProb;
  private final double[] mbAdvantages;
  private final double[] mbReturns;
  private final double[] mbOldValues;
  private final double[] newLogProb;
  private final double[] newEntropy;
  private final double[] newValues;
  private final double[] ratio;
  private final double[] dLogProb;
  private final double[] dEntropy;
  private final double[] dValue;
  private final INDArray gradHead;
  private final INDArray gradValue;

  private long globalStep;
  private boolean started;
  private long trainOrigin; // the global step at which the current train call began
  private boolean resumed; // restore() ran: the next train call continues the one the state was taken in
  private boolean stopRequested; // a callback asked to stop during the current rollout

  // the last minibatch's loss terms and diagnostics (logged per iteration, as CleanRL)
  private double pgLoss;
  private double vLoss;
  private double entropyLoss;
  private double oldApproxKl;
  private double approxKl;

  /** A float32 agent for {@code env} (whose vector size must equal {@code num_envs}). */
  public Ppo(PpoConfig config, VectorEnv env, long seed) {
    this(config, env, seed, DataType.FLOAT);
  }

  /** With networks in {@code dtype} (FLOAT or DOUBLE; float64 is for gradient checks). */
  Ppo(PpoConfig config, VectorEnv env, long seed, DataType dtype) {
    this.config = config;
    this.dtype = dtype;
    this.env = env;
    this.seed = seed;
    int[] obsShape = Agent.observationShape("PPO", env, config.numEnvs());
    this.obsDim = env.observationSpace().flatSize();
    this.numEnvs = config.numEnvs();
    this.numSteps = config.numSteps();
    Space as = env.actionSpace();
    if (as instanceof Discrete d) {
      discrete = true;
      numActions = Math.toIntExact(d.n());
      actionStart = d.start();
      actDim = 1;
      actLow = null;
      actHigh = null;
    } else if (as instanceof Box box) {
      discrete = false;
      numActions = 0;
      actionStart = 0;
      actDim = box.flatSize();
      actLow = box.low();
      actHigh = box.high();
    } else {
      throw new IllegalArgumentException("PPO supports Discrete and Box action spaces, " + env.envId() + " has " + as);
    }

    // Seeding: one root stream, split in a fixed order.
    Nd4j.getRandom().setSeed(seed);
    RngStream root = new RngStream(seed);
    RngStream initRng = root.split();
    this.actionRng = root.split();
    this.shuffleRng = root.split();
    RngStream regRng = root.split();
    long interventionSeed = root.nextLong();

    // Agent: critic and actor are separate networks (CleanRL's Agent.critic / Agent.actor).
    int outSize = discrete ? numActions : actDim;
    this.critic = Networks.build("critic", obsShape, config.body(), 1, Networks.CRITIC_HEAD, initRng, dtype);
    this.actor = Networks.build("actor", obsShape, config.body(), outSize, Networks.ACTOR_HEAD, initRng, dtype);
    List<Param> all = new ArrayList<>(critic.params());
    all.addAll(actor.params());
    if (discrete) {
      logStd = null;
    } else {
      INDArray init = Nd4j.zeros(dtype, 1, actDim).addi(config.logStdInit());
      // no layer's: no plasticity method acts on it (ParamMask.layerParams), only the task gradient
      logStd = new Param("actor.log_std", Param.Role.DISTRIBUTION, true, init);
      all.add(logStd);
    }
    this.params = List.copyOf(all);
    this.optimizer = config.methods().optimizer(params, config.learningRate(), seed);
    Interventions interventions = config.methods().interventions(networks(), interventionSeed);
    this.gradientStep = new GradientStep(params, optimizer, config.methods().regularizers(params, regRng),
        config.methods().lossTerms(output(), interventionSeed), config.maxGradNorm(), interventions);

    // Storage.
    int b = config.batchSize();
    obs = new float[b * obsDim];
    actions = new double[b * actDim];
    logprobs = new double[b];
    rewards = new double[b];
    values = new double[b];
    terminated = new boolean[b];
    truncated = new boolean[b];
    finalValues = new double[b];
    advantages = new double[b];
    returns = new double[b];

    stepObs = Nd4j.zeros(dtype, numEnvs, obsDim);
    if (config.overlapRollout()) {
      if (!(env instanceof TwoHalves split)) {
        throw new IllegalArgumentException("overlap_rollout steps the two halves of the vector separately: PPO needs "
            + "its env in two halves, e.g. a SplitVectorEnv of two or more parts (the trainer makes one), got " + env);
      }
      List<VectorEnv> halves = split.halves();
      groups = List.of(new Group(halves.get(0), 0), new Group(halves.get(1), halves.get(0).numEnvs()));
    } else {
      groups = List.of(new Group(env, 0));
    }
    lastValues = new double[numEnvs];

    minibatchSize = config.minibatchSize();
    int m = minibatchSize;
    bInds = new int[b];
    mbObsHost = new float[m * obsDim];
    mbObs = Nd4j.zeros(dtype, m, obsDim);
    mbActionsInt = new int[m];
    mbActionsHost = new double[m * actDim];
    mbActions = discrete ? null : Nd4j.zeros(dtype, m, actDim);
    mbOldLogProb = new double[m];
    mbAdvantages = new double[m];
    mbReturns = new double[m];
    mbOldValues = new double[m];
    newLogProb = new double[m];
    newEntropy = new double[m];
    newValues = new double[m];
    ratio = new double[m];
    dLogProb = new double[m];
    dEntropy = new double[m];
    dValue = new double[m];
    gradHead = Nd4j.zeros(dtype, m, outSize);
    gradValue = Nd4j.zeros(dtype, m, 1);
  }

  /**
   * Trains for {@code total_timesteps} env steps (rounded down to whole iterations of
   * {@code batch_size}), logging CleanRL's metrics to {@code sink} and calling the callbacks.
   */
  @Override
  public TrainResult train(long totalTimesteps, MetricSink sink, List<Callback> callbacks) {
    int numIterations = config.numIterations(totalTimesteps);
    Schedule lrSchedule = config.annealLr() ? Schedule.linear(config.learningRate(), 0.0)
        : Schedule.constant(config.learningRate());
    Episodes episodes = new Episodes();
    long startStep = globalStep;
    long startNanos = System.nanoTime();
    if (!started) {
      nextObs = env.reset(seed);
      started = true;
    }
    if (!resumed) {
      trainOrigin = globalStep;
    }
    resumed = false;
    int firstIteration = Math.toIntExact((globalStep - trainOrigin) / config.batchSize()) + 1;
    Callback cbs = Callbacks.of(callbacks);
    cbs.onStart(globalStep);
    boolean stop = false;
    int iterationsDone = 0;
    for (int iteration = firstIteration; iteration <= numIterations && !stop; iteration++) {
      // Annealing the rate if instructed to do so.
      optimizer.setLearningRate(lrSchedule.value((iteration - 1.0) / numIterations));

      // ---- rollout ----
      stopRequested = false;
      int stepsDone = groups.size() == 1 ? rollout(episodes, sink, cbs) : overlappedRollout(episodes, sink, cbs);
      stop = stopRequested;
      if (stepsDone < numSteps) {
        break; // stopped mid-rollout: no update on a partial batch
      }
      cbs.onRolloutEnd(globalStep);

      // ---- bootstrap value if not done, GAE ----
      HostRows.write(nextObs, stepObs);
      HostArrays.toDoubles(critic.forward(stepObs), lastValues);
      Gae.compute(numSteps, numEnvs, config.gamma(), config.gaeLambda(), rewards, values, lastValues, terminated,
          truncated, finalValues, advantages, returns);

      // ---- optimizing the policy and value network ----
      Map<String, Double> metrics = update();
      gradientStep.endUpdate(this);
      metrics.putAll(gradientStep.metrics());
      metrics.put("charts/learning_rate", optimizer.learningRate());
      if (logStd != null) {
        metrics.put("charts/policy_std", policyStd());
      }
      double elapsed = (System.nanoTime() - startNanos) / 1e9;
      metrics.put("charts/SPS", (double) (long) ((globalStep - startStep) / elapsed));
      sink.log(globalStep, metrics);
      iterationsDone++;
      cbs.onUpdate(globalStep);
      cbs.onSafePoint(globalStep);
    }
    cbs.onEnd(globalStep);
    double wall = (System.nanoTime() - startNanos) / 1e9;
    return new TrainResult(globalStep, iterationsDone, episodes.returns(), episodes.lengths(),
        (globalStep - startStep) / wall, wall, stop);
  }

  @Override
  public Policy policy(boolean deterministic, long policySeed) {
    RngStream rng = new RngStream(policySeed);
    Categorical dist = new Categorical();
    DiagGaussian gauss = new DiagGaussian();
    return (observations, n) -> {
      INDArray x = Nd4j.create(dtype, n, obsDim);
      HostRows.write(observations, x);
      INDArray out = actor.forward(x);
      double[] act = new double[n * actDim];
      if (discrete) {
        double[] logits = HostArrays.toDoubles(out, null);
        int[] sampled = deterministic ? null : dist.set(out).sample(rng, new int[n]);
        for (int i = 0; i < n; i++) {
          act[i] = (deterministic ? Policy.argmax(logits, i, numActions) : sampled[i]) + actionStart;
        }
      } else {
        INDArray a = out;
        if (!deterministic) {
          a = Nd4j.create(dtype, n, actDim);
          gauss.set(out, logStd.value());
          gauss.sample(rng, a);
        }
        HostArrays.toDoubles(a, act);
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < actDim; j++) {
            act[i * actDim + j] = Math.min(Math.max(act[i * actDim + j], actLow[j]), actHigh[j]);
          }
        }
      }
      return act;
    };
  }

  /**
   * The rollout, CleanRL's loop: at each step the actor and critic on the current observations,
   * actions sampled, then the whole vector stepped. Returns the steps done; a callback that asks
   * to stop ends it after its step (and sets stopRequested).
   */
  private int rollout(Episodes episodes, MetricSink sink, Callback cbs) {
    Group g = groups.get(0);
    for (int step = 0; step < numSteps; step++) {
      globalStep += numEnvs;
      int row = step * numEnvs;
      System.arraycopy(nextObs, 0, obs, row * obsDim, numEnvs * obsDim);

      // action logic (no gradients)
      g.evaluate(nextObs);
      g.sample(row);

      // execute the game
      StepResult r = env.step(g.envActions);
      g.record(r, row);
      bootstrapTruncated(r, row);
      episodes.record(globalStep, r, sink, cbs, Map.of());
      if (!cbs.onStep(globalStep)) {
        stopRequested = true;
        return step + 1;
      }
    }
    return numSteps;
  }

  /**
   * The rollout with the vector's two halves A and B stepped in turn (overlap_rollout, EnvPool's
   * asynchronous idea): while the server steps one half, the agent evaluates the actor and critic
   * on the other. Per step t: sample A's actions and send them; evaluate B on its observations of
   * t (the server steps A meanwhile); sample B's actions and send them; await A and evaluate A on
   * its observations of t + 1 (the server steps B meanwhile); await B; record the step; callbacks.
   *
   * <p>The same numbers as {@link #rollout}, bit for bit (PpoOverlapTest): the networks run on
   * the same batch shapes ({@link Group#evaluate}, the truncated envs' final observations in one
   * batch per step), actions are drawn from the one stream in the same order (A's rows, then
   * B's, step after step), and no step of t + 1 is sent before the callbacks of step t ran (a
   * scenario's phase switch included).
   */
  private int overlappedRollout(Episodes episodes, MetricSink sink, Callback cbs) {
    Group a = groups.get(0);
    Group b = groups.get(1);
    System.arraycopy(nextObs, 0, obs, 0, numEnvs * obsDim);
    a.evaluate(nextObs);
    for (int step = 0; step < numSteps; step++) {
      globalStep += numEnvs;
      int row = step * numEnvs;
      boolean last = step + 1 == numSteps;
      a.sample(row);
      a.send();
      b.evaluate(nextObs);
      b.sample(row);
      b.send();
      StepResult ra = a.receive(row);
      if (!last) {
        a.copyObservations(row + numEnvs);
        a.evaluate(nextObs);
      }
      StepResult rb = b.receive(row);
      if (!last) {
        b.copyObservations(row + numEnvs);
      }
      StepResult r = StepResult.concat(List.of(ra, rb));
      bootstrapTruncated(r, row); // one batch of every truncated env, as the sequential rollout has it
      episodes.record(globalStep, r, sink, cbs, Map.of());
      if (!cbs.onStep(globalStep)) {
        stopRequested = true;
        return step + 1;
      }
    }
    return numSteps;
  }

  /**
   * A contiguous slice of the vector's envs ({@code count} of them from {@code offset}) with its
   * own env handle and work arrays: the whole vector, or one half of it when the rollout overlaps.
   */
  private final class Group {
    final VectorEnv env;
    final int offset;
    final int count;
    final boolean whole;
    final INDArray sampled; // Box only
    final double[] sampledHost;
    final int[] sampledInt;
    final double[] logProb;
    final double[] value;
    final double[] allValues; // the critic on every row of stepObs (a half uses its own rows)
    final double[] envActions;
    final Categorical categorical = new Categorical();
    final DiagGaussian gaussian = new DiagGaussian();
    PendingStep pending;

    Group(VectorEnv env, int offset) {
      this.env = env;
      this.offset = offset;
      this.count = env.numEnvs();
      this.whole = count == numEnvs;
      this.sampled = discrete ? null : Nd4j.zeros(dtype, count, actDim);
      this.sampledHost = new double[count * actDim];
      this.sampledInt = new int[count];
      this.logProb = new double[count];
      this.value = new double[count];
      this.allValues = whole ? value : new double[numEnvs];
      this.envActions = new double[count * actDim];
    }

    /**
     * The actor's distribution and the critic's values on this group's rows of
     * {@code observations}. A half writes its rows into the whole-width input (the other rows keep
     * whatever they held) and reads its rows of the outputs: the networks always run on
     * {@code num_envs} rows, because a BLAS may round a row's product differently at another batch
     * size, while a row's result never depends on the other rows' values.
     */
    void evaluate(float[] observations) {
      if (whole) {
        HostRows.write(observations, stepObs);
      } else if (dtype == DataType.FLOAT) {
        HostArrays.floats(stepObs).put(offset * obsDim, observations, offset * obsDim, count * obsDim);
      } else {
        for (int i = offset * obsDim; i < (offset + count) * obsDim; i++) {
          HostArrays.set(stepObs, i, observations[i]);
        }
      }
      INDArray out = actor.forward(stepObs);
      INDArray mine = whole ? out : out.get(NDArrayIndex.interval(offset, offset + count), NDArrayIndex.all());
      if (discrete) {
        categorical.set(mine);
      } else {
        gaussian.set(mine, logStd.value());
      }
      HostArrays.toDoubles(critic.forward(stepObs), allValues);
      if (!whole) {
        System.arraycopy(allValues, offset, value, 0, count);
      }
    }

    /** Draws the actions from the last {@link #evaluate}; stores actions, log-probs and values at {@code row}. */
    void sample(int row) {
      int at = row + offset;
      if (discrete) {
        categorical.sample(actionRng, sampledInt);
        categorical.logProb(sampledInt, logProb);
        for (int i = 0; i < count; i++) {
          actions[at + i] = sampledInt[i];
          envActions[i] = sampledInt[i] + actionStart;
        }
      } else {
        gaussian.sample(actionRng, sampled);
        gaussian.logProb(sampled, logProb);
        HostArrays.toDoubles(sampled, sampledHost);
        System.arraycopy(sampledHost, 0, actions, at * actDim, count * actDim);
        // the stored, log-probed action is unclipped; the env gets it clipped to the Box
        for (int i = 0; i < count; i++) {
          for (int j = 0; j < actDim; j++) {
            double v = sampledHost[i * actDim + j];
            envActions[i * actDim + j] = Math.min(Math.max(v, actLow[j]), actHigh[j]);
          }
        }
      }
      System.arraycopy(logProb, 0, logprobs, at, count);
      System.arraycopy(value, 0, values, at, count);
    }

    void send() {
      pending = env.stepAsync(envActions);
    }

    StepResult receive(int row) {
      StepResult r = pending.await();
      pending = null;
      record(r, row);
      return r;
    }

    /** Stores the step's rewards and flags at {@code row} and its observations in nextObs. */
    void record(StepResult r, int row) {
      int at = row + offset;
      if (whole) {
        nextObs = r.observations();
      } else {
        System.arraycopy(r.observations(), 0, nextObs, offset * obsDim, count * obsDim);
      }
      for (int i = 0; i < count; i++) {
        rewards[at + i] = r.rewards()[i];
        terminated[at + i] = r.terminated()[i];
        truncated[at + i] = r.truncated()[i] && !r.terminated()[i];
        finalValues[at + i] = 0;
      }
    }

    /** This group's rows of nextObs into the rollout's observations at {@code row}. */
    void copyObservations(int row) {
      System.arraycopy(nextObs, offset * obsDim, obs, (row + offset) * obsDim, count * obsDim);
    }
  }

  /** V(final_observation) of the episodes truncated in this step, into finalValues (one batched forward). */
  private void bootstrapTruncated(StepResult r, int row) {
    int[] ended = r.endedIndices();
    int count = 0;
    for (int i : ended) {
      if (truncated[row + i]) {
        count++;
      }
    }
    if (count == 0) {
      return;
    }
    float[] fin = r.finalObservations();
    INDArray batch = Nd4j.zeros(dtype, count, obsDim);
    float[] rows = new float[count * obsDim];
    int c = 0;
    for (int k = 0; k < ended.length; k++) {
      if (truncated[row + ended[k]]) {
        System.arraycopy(fin, k * obsDim, rows, c * obsDim, obsDim);
        c++;
      }
    }
    HostRows.write(rows, batch);
    double[] v = HostArrays.toDoubles(critic.forward(batch), null);
    c = 0;
    for (int i : ended) {
      if (truncated[row + i]) {
        finalValues[row + i] = v[c++];
      }
    }
  }

  /** The epochs of minibatch updates on the current rollout; returns the iteration's loss metrics. */
  private Map<String, Double> update() {
    int b = config.batchSize();
    int m = minibatchSize;
    for (int i = 0; i < b; i++) {
      bInds[i] = i;
    }
    double clipfracSum = 0;
    int clipfracCount = 0;
    for (int epoch = 0; epoch < config.updateEpochs(); epoch++) {
      shuffle(bInds);
      for (int start = 0; start < b; start += m) {
        gatherMinibatch(start);
        gradientStep.take(this, this::minibatchLossAndGradients);
        clipfracSum += PpoLoss.clipFraction(ratio, config.clipCoef());
        clipfracCount++;
      }
      if (config.targetKl() != null && approxKl > config.targetKl()) {
        break;
      }
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("losses/value_loss", vLoss);
    metrics.put("losses/policy_loss", pgLoss);
    metrics.put("losses/entropy", entropyLoss);
    metrics.put("losses/old_approx_kl", oldApproxKl);
    metrics.put("losses/approx_kl", approxKl);
    metrics.put("losses/clipfrac", clipfracSum / clipfracCount);
    metrics.put("losses/explained_variance", PpoLoss.explainedVariance(values, returns));
    return metrics;
  }

  /**
   * On the minibatch in the mb_* arrays: forward, the loss
   * {@code pg_loss − ent_coef · entropy + vf_coef · v_loss}, and its gradient added into every
   * parameter's grad (which {@link GradientStep} zeroed). Leaves the last values in the loss and
   * diagnostic fields; returns the loss.
   */
  private double minibatchLossAndGradients() {
    int m = minibatchSize;
    // forward: new log-probs, entropies and values
    INDArray head = actor.forward(mbObs);
    if (discrete) {
      categorical.set(head);
      categorical.logProb(mbActionsInt, newLogProb);
      categorical.entropy(newEntropy);
    } else {
      gaussian.set(head, logStd.value());
      gaussian.logProb(mbActions, newLogProb);
      gaussian.entropy(newEntropy);
    }
    HostArrays.toDoubles(critic.forward(mbObs), newValues);

    // diagnostics, as CleanRL (under no_grad)
    oldApproxKl = PpoLoss.oldApproxKl(newLogProb, mbOldLogProb);
    approxKl = PpoLoss.approxKl(newLogProb, mbOldLogProb);

    if (config.normAdv()) {
      PpoLoss.normalizeAdvantages(mbAdvantages);
    }
    // policy loss, value loss, entropy loss, and their gradients
    pgLoss = PpoLoss.policyLoss(newLogProb, mbOldLogProb, mbAdvantages, config.clipCoef(), ratio, dLogProb);
    vLoss = PpoLoss.valueLoss(newValues, mbOldValues, mbReturns, config.clipCoef(), config.clipVloss(), dValue);
    entropyLoss = PpoLoss.meanEntropy(newEntropy);
    double loss = pgLoss - config.entCoef() * entropyLoss + vLoss * config.vfCoef();
    double dH = -config.entCoef() / m;
    for (int i = 0; i < m; i++) {
      dEntropy[i] = dH;
      dValue[i] *= config.vfCoef();
    }

    // backward
    if (discrete) {
      categorical.backward(dLogProb, mbActionsInt, dEntropy, gradHead);
    } else {
      gaussian.backward(dLogProb, mbActions, dEntropy, gradHead, logStd.grad());
    }
    actor.backwardParams(gradHead);
    HostArrays.fromDoubles(dValue, gradValue);
    critic.backwardParams(gradValue);
    return loss;
  }

  /**
   * Test hook: the loss of one minibatch given explicitly (each array of {@code minibatch_size}
   * samples; actions {@code [M * actDim]}), with its gradient left in the parameters' grads.
   */
  double lossAndGradients(float[] mbObservations, double[] mbActionValues, double[] oldLogProb, double[] adv,
      double[] ret, double[] oldValues) {
    System.arraycopy(mbObservations, 0, mbObsHost, 0, mbObsHost.length);
    for (int j = 0; j < minibatchSize; j++) {
      if (discrete) {
        mbActionsInt[j] = (int) mbActionValues[j];
      }
      mbOldLogProb[j] = oldLogProb[j];
      mbAdvantages[j] = adv[j];
      mbReturns[j] = ret[j];
      mbOldValues[j] = oldValues[j];
    }
    System.arraycopy(mbActionValues, 0, mbActionsHost, 0, mbActionsHost.length);
    HostRows.write(mbObsHost, mbObs);
    if (!discrete) {
      HostArrays.fromDoubles(mbActionsHost, mbActions);
    }
    gradientStep.zeroGrad();
    return minibatchLossAndGradients();
  }

  /** Copies the minibatch {@code bInds[start .. start + M)} into the mb_* arrays. */
  private void gatherMinibatch(int start) {
    for (int j = 0; j < minibatchSize; j++) {
      int k = bInds[start + j];
      System.arraycopy(obs, k * obsDim, mbObsHost, j * obsDim, obsDim);
      if (discrete) {
        mbActionsInt[j] = (int) actions[k];
      } else {
        System.arraycopy(actions, k * actDim, mbActionsHost, j * actDim, actDim);
      }
      mbOldLogProb[j] = logprobs[k];
      mbAdvantages[j] = advantages[k];
      mbReturns[j] = returns[k];
      mbOldValues[j] = values[k];
    }
    HostRows.write(mbObsHost, mbObs);
    if (!discrete) {
      HostArrays.fromDoubles(mbActionsHost, mbActions);
    }
  }

  /** Fisher–Yates with the shuffle stream (CleanRL: np.random.shuffle(b_inds)). */
  private void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = shuffleRng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  // ---- accessors (monitors, checkpoints) ----

  public PpoConfig config() {
    return config;
  }

  @Override
  public VectorEnv env() {
    return env;
  }

  public Sequential actor() {
    return actor;
  }

  public Sequential critic() {
    return critic;
  }

  /** The state-independent log-std of a Box policy, or null for Discrete actions. */
  public Param logStd() {
    return logStd;
  }

  /** The Box policy's standard deviation averaged over action dimensions, mean of exp(log_std) (logged as {@code charts/policy_std}). */
  public double policyStd() {
    double sum = 0;
    double[] ls = HostArrays.toDoubles(logStd.value(), null);
    for (double v : ls) {
      sum += Math.exp(v);
    }
    return sum / ls.length;
  }

  /** {@code actor} and {@code critic}. */
  @Override
  public Map<String, Sequential> networks() {
    Map<String, Sequential> m = new LinkedHashMap<>();
    m.put("actor", actor);
    m.put("critic", critic);
    return m;
  }

  /** Every trainable parameter (critic, actor, log-std), in the optimizer's order. */
  @Override
  public List<Param> params() {
    return params;
  }

  @Override
  public Optimizer optimizer() {
    return optimizer;
  }

  public List<Regularizer> regularizers() {
    return gradientStep.regularizers();
  }

  @Override
  public Interventions interventions() {
    return gradientStep.interventions();
  }

  @Override
  public long updates() {
    return gradientStep.updates();
  }

  /** Env steps taken so far over all {@link #train} calls. */
  @Override
  public long globalStep() {
    return globalStep;
  }

  /** {@code min(max, batch_size)} observations of the last rollout, evenly spaced over it. */
  @Override
  public Output output() {
    return new Output(actor, discrete ? Output.Kind.POLICY_LOGITS : Output.Kind.POLICY_MEAN);
  }

  /** {@code rows} distinct rows of the current rollout (a partial Fisher–Yates shuffle with {@code rng}). */
  @Override
  public float[] referenceInputs(int rows, RandomGenerator rng) {
    if (globalStep == 0) {
      return new float[0];
    }
    return HostArrays.sampleRows(obs, obsDim, rows, rng);
  }

  @Override
  public int batchRows() {
    return minibatchSize;
  }

  @Override
  public double taskLoss() {
    return pgLoss;
  }

  @Override
  public float[] recentInputs(int max) {
    if (globalStep == 0) {
      return new float[0];
    }
    int batch = config.batchSize();
    int rows = Math.min(max, batch);
    float[] out = new float[rows * obsDim];
    for (int k = 0; k < rows; k++) {
      int row = (int) ((long) k * batch / rows);
      System.arraycopy(obs, row * obsDim, out, k * obsDim, obsDim);
    }
    return out;
  }

  @Override
  public Snapshot state() {
    return new Snapshot().put("kind", "ppo").put("params", Param.values(params)).put("step", gradientStep.state())
        .put("action_rng", actionRng.state()).put("shuffle_rng", shuffleRng.state()).put("global_step", globalStep)
        .put("train_origin", trainOrigin).put("started", started).put("next_obs", started ? nextObs : new float[0])
        .put("obs", obs);
  }

  @Override
  public void restore(Snapshot s) {
    Agent.checkKind(s, "ppo");
    float[] savedObs = s.getFloats("obs");
    if (savedObs.length != obs.length) {
      throw new IllegalArgumentException("the saved PPO state has a rollout of " + savedObs.length
          + " values, this agent's has " + obs.length + ": not the same configuration");
    }
    Param.restoreValues(params, s.getTree("params"));
    gradientStep.restore(s.getTree("step"));
    actionRng = RngStream.of(s.getTree("action_rng"));
    shuffleRng = RngStream.of(s.getTree("shuffle_rng"));
    globalStep = s.getLong("global_step");
    trainOrigin = s.getLong("train_origin");
    started = s.getBoolean("started");
    nextObs = started ? s.getFloats("next_obs") : null;
    System.arraycopy(savedObs, 0, obs, 0, obs.length);
    resumed = true;
  }

  /** The last rollout's GAE returns (critic targets), [T * N]; live, for tests. */
  double[] rolloutReturns() {
    return returns;
  }

  public boolean isDiscrete() {
    return discrete;
  }
}
