package dev.isoplast.agents.dqn;

import dev.isoplast.agents.Agent;
import dev.isoplast.agents.Callback;
import dev.isoplast.agents.Callbacks;
import dev.isoplast.agents.Episodes;
import dev.isoplast.agents.GradientStep;
import dev.isoplast.agents.HostRows;
import dev.isoplast.agents.MetricSink;
import dev.isoplast.agents.Policy;
import dev.isoplast.agents.TrainResult;
import dev.isoplast.config.RngStream;
import dev.isoplast.config.Snapshot;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Discrete;
import dev.isoplast.nn.HostArrays;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.optim.Optimizer;
import dev.isoplast.optim.Regularizer;
import dev.isoplast.plasticity.Interventions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Deep Q-Network (Mnih et al. 2015), following CleanRL's {@code dqn.py} step by step: a linear ε
 * schedule over {@code exploration_fraction × total_timesteps}, ε-greedy actions over the
 * Q-network's argmax, every transition into a {@link ReplayBuffer}, and once past
 * {@code learning_starts}, every {@code train_frequency} steps one gradient step on a sampled batch
 * towards {@code r + γ (1 − done) max_a' Q_target(s', a')} (or Double DQN's
 * {@code Q_target(s', argmax_a' Q(s', a'))}) with MSE or Huber loss ({@link DqnLoss}); every
 * {@code target_network_frequency} steps the target network moves to the Q-network with Polyak
 * rate τ (τ = 1: a copy). Differences from CleanRL: truncated episodes are bootstrapped from the
 * env's final observation with done = terminated (CleanRL does the same through SB3's buffer);
 * with {@code num_envs > 1} each env draws its own ε coin (SB3), the step counters of
 * {@code train_frequency} and {@code target_network_frequency} count vector steps and
 * {@code learning_starts} and the ε schedule count env steps (all equal to CleanRL's for one env).
 *
 * <p>Seeding: one {@code seed} fixes the networks' initialisation, the ε-greedy draws, buffer
 * sampling, the envs ({@code env.reset(seed)}) and ND4J's RNG; the same seed on the same machine
 * gives the same metrics (except {@code charts/SPS}).
 *
 * <p>Discrete actions only. Not thread-safe. {@link #train} may be called again to continue (the
 * env is reset only on the first call; each call runs its own ε schedule over its own budget).
 */
public final class Dqn implements Agent {

  /** Metrics of gradient steps are logged when the vector step is a multiple of this (CleanRL). */
  static final int LOG_EVERY = 100;

  private final DqnConfig config;
  private final VectorEnv env;
  private final long seed;

  // spaces
  private final int numEnvs;
  private final int obsDim;
  private final int numActions;
  private final long actionStart;

  // agent
  private final Sequential qNetwork;
  private final Sequential targetNetwork;
  private final List<Param> params;
  private final Optimizer optimizer;
  private final GradientStep gradientStep;
  private RngStream explorationRng;
  private RngStream sampleRng;
  private final ReplayBuffer rb;

  // per-step work arrays
  private float[] obs;
  private final INDArray stepObs;
  private final double[] stepQ;
  private final int[] stepActions;
  private final double[] envActions;

  // batch work arrays
  private final int batchSize;
  private final INDArray batchObs;
  private final INDArray batchNextObs;
  private final double[] nextTargetQ;
  private final double[] nextOnlineQ;
  private final double[] q;
  private final double[] tdTarget;
  private final double[] oldVal;
  private final double[] dPred;
  private final double[] dQ;
  private final INDArray gradQ;

  private double lastLoss; // the last gradient step's TD loss (taskLoss)
  private long globalStep;
  private long vectorStep;
  private boolean started;
  private long trainOrigin; // the global step at which the current train call began
  private boolean resumed; // restore() ran: the next train call continues the one the state was taken in

  /** A float32 agent for {@code env} (whose vector size must equal {@code num_envs}). */
  public Dqn(DqnConfig config, VectorEnv env, long seed) {
    this(config, env, seed, DataType.FLOAT);
  }

  /** With networks in {@code dtype} (FLOAT or DOUBLE). */
  Dqn(DqnConfig config, VectorEnv env, long seed, DataType dtype) {
    this.config = config;
    this.env = env;
    this.seed = seed;
    int[] obsShape = Agent.observationShape("DQN", env, config.numEnvs());
    this.obsDim = env.observationSpace().flatSize();
    this.numEnvs = config.numEnvs();
    if (!(env.actionSpace() instanceof Discrete d)) {
      throw new IllegalArgumentException("DQN supports only Discrete action spaces, " + env.envId() + " has "
          + env.actionSpace() + " (use PPO for continuous actions)");
    }
    this.numActions = Math.toIntExact(d.n());
    this.actionStart = d.start();

    // Seeding: one root stream, split in a fixed order.
    Nd4j.getRandom().setSeed(seed);
    RngStream root = new RngStream(seed);
    RngStream initRng = root.split();
    this.explorationRng = root.split();
    this.sampleRng = root.split();
    RngStream regRng = root.split();
    RngStream targetInitRng = root.split();
    long interventionSeed = root.nextLong();

    // Agent: the Q-network (PyTorch-default init, as CleanRL's QNetwork) and its target copy.
    this.qNetwork = Networks.build("q_network", obsShape, config.body(), numActions, Init.torchDefault(), initRng,
        dtype);
    this.targetNetwork = Networks.build("target_network", obsShape, config.body(), numActions, Init.torchDefault(),
        targetInitRng, dtype);
    DqnLoss.softUpdate(targetNetwork.params(), qNetwork.params(), 1.0); // load_state_dict
    this.params = qNetwork.params();
    this.optimizer = config.methods().optimizer(params, config.learningRate(), seed);
    Interventions interventions = config.methods().interventions(networks(), interventionSeed);
    this.gradientStep = new GradientStep(params, optimizer, config.methods().regularizers(params, regRng),
        config.methods().lossTerms(output(), interventionSeed), null, interventions);
    this.rb = new ReplayBuffer(config.bufferSize(), obsDim);

    // Work arrays.
    stepObs = Nd4j.zeros(dtype, numEnvs, obsDim);
    stepQ = new double[numEnvs * numActions];
    stepActions = new int[numEnvs];
    envActions = new double[numEnvs];
    batchSize = config.batchSize();
    batchObs = Nd4j.zeros(dtype, batchSize, obsDim);
    batchNextObs = Nd4j.zeros(dtype, batchSize, obsDim);
    nextTargetQ = new double[batchSize * numActions];
    nextOnlineQ = new double[batchSize * numActions];
    q = new double[batchSize * numActions];
    tdTarget = new double[batchSize];
    oldVal = new double[batchSize];
    dPred = new double[batchSize];
    dQ = new double[batchSize * numActions];
    gradQ = Nd4j.zeros(dtype, batchSize, numActions);
  }

  /**
   * Trains for {@code total_timesteps} env steps (rounded down to whole vector steps), logging
   * CleanRL's metrics to {@code sink} and calling the callbacks.
   */
  @Override
  public TrainResult train(long totalTimesteps, MetricSink sink, List<Callback> callbacks) {
    long numVectorSteps = totalTimesteps / numEnvs;
    if (numVectorSteps < 1) {
      throw new IllegalArgumentException("total_timesteps (" + totalTimesteps + ") must be at least num_envs = "
          + numEnvs);
    }
    Episodes episodes = new Episodes();
    long startStep = globalStep;
    long startGradientSteps = gradientSteps();
    long startNanos = System.nanoTime();
    if (!started) {
      obs = env.reset(seed);
      started = true;
    }
    if (!resumed) {
      trainOrigin = globalStep;
    }
    resumed = false;
    Callback cbs = Callbacks.of(callbacks);
    cbs.onStart(globalStep);
    boolean stop = false;
    for (long it = (globalStep - trainOrigin) / numEnvs; it < numVectorSteps && !stop; it++) {
      long step = globalStep - trainOrigin; // CleanRL's global_step (env steps before this one)
      // ALGO LOGIC: put action logic here
      double epsilon = config.epsilon(totalTimesteps, step);
      selectActions(epsilon);

      // execute the game and log data
      StepResult r = env.step(envActions);
      globalStep += numEnvs;
      episodes.record(globalStep, r, sink, cbs, Map.of("charts/epsilon", epsilon));

      // save data to the replay buffer; s' of an ended episode is its final observation
      rb.add(obs, stepActions, r);
      obs = r.observations();

      // ALGO LOGIC: training
      if (step > config.learningStarts()) {
        if (vectorStep % config.trainFrequency() == 0) {
          double loss = trainStep();
          if (vectorStep % LOG_EVERY == 0) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("losses/td_loss", loss);
            m.put("losses/q_values", mean(oldVal));
            m.put("charts/epsilon", epsilon);
            m.putAll(gradientStep.metrics());
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            m.put("charts/SPS", (double) (long) ((globalStep - startStep) / elapsed));
            sink.log(globalStep, m);
          }
          cbs.onUpdate(globalStep);
        }
        // update target network
        if (vectorStep % config.targetNetworkFrequency() == 0) {
          DqnLoss.softUpdate(targetNetwork.params(), qNetwork.params(), config.tau());
        }
      }
      vectorStep++;
      if (!cbs.onStep(globalStep)) {
        stop = true;
      }
      cbs.onSafePoint(globalStep);
    }
    cbs.onEnd(globalStep);
    double wall = (System.nanoTime() - startNanos) / 1e9;
    return new TrainResult(globalStep, Math.toIntExact(gradientSteps() - startGradientSteps),
        episodes.returns(), episodes.lengths(), (globalStep - startStep) / wall, wall, stop);
  }

  /** ε-greedy per env: a uniform random action with probability ε, else argmax_a Q(obs, a) (one batched forward). */
  private void selectActions(double epsilon) {
    boolean anyGreedy = false;
    for (int i = 0; i < numEnvs; i++) {
      if (explorationRng.nextDouble() < epsilon) {
        stepActions[i] = explorationRng.nextInt(numActions);
      } else {
        stepActions[i] = -1;
        anyGreedy = true;
      }
    }
    if (anyGreedy) {
      HostRows.write(obs, stepObs);
      HostArrays.toDoubles(qNetwork.forward(stepObs), stepQ);
      for (int i = 0; i < numEnvs; i++) {
        if (stepActions[i] < 0) {
          stepActions[i] = Policy.argmax(stepQ, i, numActions);
        }
      }
    }
    for (int i = 0; i < numEnvs; i++) {
      envActions[i] = stepActions[i] + actionStart;
    }
  }

  /** One gradient step on a batch sampled from the replay buffer; returns the TD loss. */
  private double trainStep() {
    ReplayBuffer.Batch data = rb.sample(batchSize, sampleRng);
    return trainOn(data);
  }

  /**
   * One gradient step on {@code data} (of {@code batch_size}), one update: TD targets under no
   * gradient, the loss on Q(s, a), backprop through the chosen actions' outputs only, then the
   * shared {@link GradientStep} (regularizers, optimizer step, interventions).
   */
  double trainOn(ReplayBuffer.Batch data) {
    double[] loss = new double[1];
    gradientStep.take(this, () -> loss[0] = lossAndBackward(data));
    lastLoss = loss[0];
    gradientStep.endUpdate(this);
    return loss[0];
  }

  /** The TD loss on {@code data} and its gradient added into the Q-network's grads. */
  private double lossAndBackward(ReplayBuffer.Batch data) {
    // with torch.no_grad(): the TD target
    HostRows.write(data.nextObservations, batchNextObs);
    HostArrays.toDoubles(targetNetwork.forward(batchNextObs), nextTargetQ);
    if (config.doubleDqn()) {
      HostArrays.toDoubles(qNetwork.forward(batchNextObs), nextOnlineQ);
    }
    DqnLoss.tdTargets(data.rewards, data.dones, nextTargetQ, config.doubleDqn() ? nextOnlineQ : null, numActions,
        config.gamma(), tdTarget);

    // old_val = q_network(obs).gather(1, actions); loss
    HostRows.write(data.observations, batchObs);
    HostArrays.toDoubles(qNetwork.forward(batchObs), q);
    DqnLoss.chosen(q, data.actions, numActions, oldVal);
    double loss = DqnLoss.loss(config.loss(), oldVal, tdTarget, dPred);

    // optimize the model
    DqnLoss.headGradient(dPred, data.actions, numActions, dQ);
    HostArrays.fromDoubles(dQ, gradQ);
    qNetwork.backwardParams(gradQ);
    return loss;
  }

  private static double mean(double[] a) {
    double s = 0;
    for (double x : a) {
      s += x;
    }
    return s / a.length;
  }

  @Override
  public Snapshot state() {
    return new Snapshot().put("kind", "dqn").put("params", Param.values(params))
        .put("target_params", Param.values(targetNetwork.params())).put("step", gradientStep.state())
        .put("exploration_rng", explorationRng.state()).put("sample_rng", sampleRng.state())
        .put("global_step", globalStep).put("vector_step", vectorStep).put("train_origin", trainOrigin)
        .put("started", started).put("obs", started ? obs : new float[0]).put("replay_buffer", rb.state());
  }

  @Override
  public void restore(Snapshot s) {
    Agent.checkKind(s, "dqn");
    rb.restore(s.getTree("replay_buffer"));
    Param.restoreValues(params, s.getTree("params"));
    Param.restoreValues(targetNetwork.params(), s.getTree("target_params"));
    gradientStep.restore(s.getTree("step"));
    explorationRng = RngStream.of(s.getTree("exploration_rng"));
    sampleRng = RngStream.of(s.getTree("sample_rng"));
    globalStep = s.getLong("global_step");
    vectorStep = s.getLong("vector_step");
    trainOrigin = s.getLong("train_origin");
    started = s.getBoolean("started");
    obs = started ? s.getFloats("obs") : null;
    resumed = true;
  }

  // ---- accessors (monitors, checkpoints) ----

  public DqnConfig config() {
    return config;
  }

  @Override
  public VectorEnv env() {
    return env;
  }

  /** {@code q_network} (the target network is a copy, not trained). */
  @Override
  public Map<String, Sequential> networks() {
    return Map.of("q_network", qNetwork);
  }

  /**
   * Deterministic: argmax_a Q(s, a); otherwise ε-greedy with ε = {@code end_e} (CleanRL's
   * {@code dqn_eval} uses its end ε), coins and random actions from {@code policySeed}.
   */
  @Override
  public Policy policy(boolean deterministic, long policySeed) {
    RngStream rng = new RngStream(policySeed);
    double eps = deterministic ? 0.0 : config.endE();
    return (observations, n) -> {
      INDArray x = Nd4j.create(qNetwork.params().get(0).value().dataType(), n, obsDim);
      HostRows.write(observations, x);
      double[] q = HostArrays.toDoubles(qNetwork.forward(x), null);
      double[] act = new double[n];
      for (int i = 0; i < n; i++) {
        int a = eps > 0 && rng.nextDouble() < eps ? rng.nextInt(numActions) : Policy.argmax(q, i, numActions);
        act[i] = a + actionStart;
      }
      return act;
    };
  }

  @Override
  public float[] recentInputs(int max) {
    return rb.recentObservations(max);
  }

  @Override
  public Output output() {
    return new Output(qNetwork, Output.Kind.Q_VALUES);
  }

  @Override
  public float[] referenceInputs(int rows, RandomGenerator rng) {
    return rb.size() == 0 ? new float[0] : rb.sampleObservations(rows, rng);
  }

  @Override
  public int batchRows() {
    return batchSize;
  }

  @Override
  public double taskLoss() {
    return lastLoss;
  }

  public Sequential qNetwork() {
    return qNetwork;
  }

  public Sequential targetNetwork() {
    return targetNetwork;
  }

  /** The Q-network's trainable parameters, in the optimizer's order. */
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

  public ReplayBuffer replayBuffer() {
    return rb;
  }

  /** Env steps taken so far over all {@link #train} calls. */
  @Override
  public long globalStep() {
    return globalStep;
  }

  /** Gradient steps taken so far over all {@link #train} calls. */
  public long gradientSteps() {
    return gradientStep.updates();
  }

  /** The TD targets of the last gradient step, [batch_size]; live, for tests. */
  double[] lastTdTargets() {
    return tdTarget;
  }

  /** Q(s, a) of the last gradient step's batch, [batch_size]; live, for tests. */
  double[] lastChosenQ() {
    return oldVal;
  }
}
