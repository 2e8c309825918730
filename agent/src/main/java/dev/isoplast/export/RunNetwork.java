package dev.isoplast.export;

import dev.isoplast.config.RngStream;
import dev.isoplast.config.LearnerKind;
import dev.isoplast.config.Snapshot;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Init;
import dev.isoplast.nn.Networks;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.Sequential;
import dev.isoplast.runs.Checkpoints;
import dev.isoplast.runs.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The network that acts or predicts in a run directory, rebuilt from its {@code config.yaml} and a
 * checkpoint: PPO's actor (logits of a Discrete policy, the Gaussian's mean of a Box one, whose
 * state-independent {@code log_std} is carried along), DQN's Q-network, the supervised learner's
 * net. The layers come from the same {@link Networks#build} the learner used, with the body of the
 * run's config (type, hidden sizes, activation, LayerNorm); the input and output widths from the
 * checkpoint's parameters; the values are the checkpoint's.
 *
 * <p>Which checkpoint: the newest whole one ({@link Checkpoints#latest}); an RL run's last one, at
 * the end of training, holds the agent's parameters (runs trained before that was so have them
 * only in the one before it: name it). No learner normalises its observations (PPO deliberately,
 * unlike CleanRL's continuous script), so the network's input is the env's observation as is.
 *
 * @param kind {@code ppo-discrete}, {@code ppo-continuous}, {@code dqn} or {@code supervised}
 * @param output the output's name: {@code logits}, {@code mean}, {@code q_values}, or {@code prediction} (regression)
 * @param logStd a Box policy's log standard deviations, else null
 * @param step the checkpoint's step (env steps, or examples for a supervised run)
 */
public record RunNetwork(Sequential net, String kind, String output, double[] logStd, String source, long step,
    Path checkpoint, Map<String, Object> config) {

  /** The input's name. */
  public static final String INPUT = "obs";

  /** The network of the run in {@code runDir} at {@code checkpoint} (null: the newest whole one). */
  public static RunNetwork read(Path runDir, Path checkpoint) {
    if (!Files.isRegularFile(runDir.resolve("config.yaml"))) {
      throw new IllegalArgumentException(runDir + " is not a run directory (no config.yaml)");
    }
    Map<String, Object> config = RunDirectory.existing(runDir).readConfig();
    Checkpoints.Loaded loaded;
    if (checkpoint != null) {
      try {
        loaded = Checkpoints.read(checkpoint);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--checkpoint " + checkpoint + ": " + e.getMessage());
      }
    } else {
      loaded = new Checkpoints(runDir).latest().orElseThrow(() -> new IllegalArgumentException(runDir
          + " has no whole checkpoint in " + runDir.resolve(Checkpoints.DIR) + " to export from"));
    }
    Snapshot params = params(loaded);
    String algo = config.containsKey("supervised") ? "supervised" : String.valueOf(config.get("algo"));
    LearnerKind learner;
    try {
      learner = LearnerKind.fromName(algo);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(runDir + "/config.yaml names neither a supervised run nor algo ppo or dqn "
          + "(algo: " + algo + ")");
    }
    String name;
    String kind;
    String output;
    switch (learner) {
      case PPO -> {
        name = "actor";
        boolean box = params.has("actor.log_std");
        kind = box ? "ppo-continuous" : "ppo-discrete";
        output = box ? "mean" : "logits";
      }
      case DQN -> {
        name = "q_network";
        kind = "dqn";
        output = "q_values";
      }
      case SUPERVISED -> {
        name = "net";
        kind = "supervised";
        output = "slowly-changing-regression".equals(config.get("task")) ? "prediction" : "logits";
      }
      default -> throw new IllegalStateException(learner.toString());
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> section = (Map<String, Object>) config.get(algo);
    if (section == null) {
      throw new IllegalArgumentException(runDir + "/config.yaml has no '" + algo + "' section");
    }
    BodyConfig body = BodyConfig.fromMap(section, section, BodyConfig.cleanRlPpo(), Init.orthogonal(1.0));
    if (body.type().isConv()) {
      throw new IllegalArgumentException(runDir + " has a " + body.type().configName() + " body: exporting conv "
          + "networks is not supported yet (mlp and isometric bodies only)");
    }
    String first = name + ".body.0.W";
    String head = name + ".head.b";
    if (!params.has(first) || !params.has(head)) {
      throw new IllegalArgumentException("the checkpoint " + loaded.file() + " holds no " + name + " network (no "
          + first + " or " + head + ")");
    }
    int hidden0 = body.hiddenSizes().get(0);
    int firstLength = params.getDoubles(first).length;
    if (firstLength % hidden0 != 0) {
      throw new IllegalArgumentException("the checkpoint's " + first + " has " + firstLength + " values, not a multiple "
          + "of the config's first hidden size " + hidden0 + ": checkpoint and config.yaml do not belong together");
    }
    Sequential net = Networks.build(name, firstLength / hidden0, body, params.getDoubles(head).length,
        Init.orthogonal(1.0), new RngStream(0), DataType.FLOAT);
    try {
      Param.restoreValues(net.params(), params);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the checkpoint " + loaded.file() + " does not fit the network config.yaml "
          + "describes (" + body + "): " + e.getMessage());
    }
    double[] logStd = kind.equals("ppo-continuous") ? params.getDoubles("actor.log_std") : null;
    String source = String.valueOf(config.getOrDefault("env", config.getOrDefault("task", "")));
    return new RunNetwork(net, kind, output, logStd, source, loaded.step(), loaded.file(), config);
  }

  /** The parameters in a checkpoint: an RL run's (its agent's, or at the end of training its own), a supervised run's. */
  private static Snapshot params(Checkpoints.Loaded loaded) {
    Snapshot s = loaded.state();
    String kind = s.has("kind") ? s.getString("kind") : "";
    if (kind.equals("continual")) {
      return s.getTree("learner").getTree("params");
    }
    if (kind.equals("train")) {
      if (s.has("agent")) {
        return s.getTree("agent").getTree("params");
      }
      if (s.has("params")) {
        return s.getTree("params");
      }
      throw new IllegalArgumentException("the checkpoint " + loaded.file() + " was written at the end of training by "
          + "an isoplast that kept no parameters there: export the one before it (--checkpoint "
          + loaded.file().resolveSibling("ckpt-<step>.bin") + ")");
    }
    throw new IllegalArgumentException("the checkpoint " + loaded.file() + " is of an unknown kind '" + kind + "'");
  }

  /** What the model's metadata_props say about it: where it came from and how to use its output. */
  public Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("isoplast.kind", kind);
    m.put("isoplast.source", source);
    m.put("isoplast.input", INPUT + " [batch, " + net.inSize() + "] float32: the env's observation, flattened");
    m.put("isoplast.output", output + " [batch, " + net.outSize() + "] float32: " + switch (kind) {
      case "ppo-discrete" -> "the policy's logits; the greedy action is their argmax (plus the Discrete space's start)";
      case "ppo-continuous" -> "the Gaussian policy's mean; the greedy action is it, clipped to the Box";
      case "dqn" -> "Q-values; the greedy action is their argmax (plus the Discrete space's start)";
      default -> output.equals("logits") ? "class logits" : "the regression's prediction";
    });
    if (logStd != null) {
      m.put("isoplast.log_std", java.util.Arrays.toString(logStd));
    }
    m.put("isoplast.observation_normalization", "none");
    m.put("isoplast.checkpoint_step", Long.toString(step));
    m.put("isoplast.seed", String.valueOf(config.get("seed")));
    if (config.get("method") != null) {
      m.put("isoplast.method", String.valueOf(config.get("method")));
    }
    return m;
  }
}
