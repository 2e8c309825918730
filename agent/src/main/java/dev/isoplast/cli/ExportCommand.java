package dev.isoplast.cli;

import dev.isoplast.export.OnnxExport;
import dev.isoplast.export.OnnxModel;
import dev.isoplast.export.RunNetwork;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code isoplast export RUN_DIR --onnx FILE}: a run's acting network as an ONNX model (docs/export.md). */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Write the network that acts in RUN_DIR as an ONNX model (opset " + OnnxModel.OPSET + "): PPO's "
        + "actor (logits for Discrete actions, the Gaussian's mean for Box ones), DQN's Q-network (Q-values), the "
        + "supervised learner's net (logits, or the prediction of a regression). Input 'obs' [batch, obs_dim] "
        + "float32, the env's observation as is (no learner normalises observations); output [batch, n] float32 "
        + "named logits, mean, q_values or prediction. The model's metadata_props say which, with the run's env, "
        + "seed, method and checkpoint step (and a Box policy's log_std). From the run's newest whole checkpoint "
        + "unless --checkpoint names one. docs/export.md; Python: isoplast.policy(FILE)."})
final class ExportCommand implements Callable<Integer> {

  @Parameters(paramLabel = "RUN_DIR", description = "A run directory (of train, continual, or a sweep's cell).")
  Path runDir;

  @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "The ONNX file to write.")
  Path onnx;

  @Option(names = "--checkpoint", paramLabel = "FILE", description = "The checkpoint to export (a file under RUN_DIR/checkpoints); default: the newest whole one.")
  Path checkpoint;

  @Option(names = "--check", paramLabel = "N", defaultValue = "0", description = "Also write FILE.check.npz: N standard-normal observations (obs.npy) and the Java network's outputs on them (outputs.npy), to check a runtime against. Default: ${DEFAULT-VALUE} (none).")
  int check;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the --check observations. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Override
  public Integer call() {
    RunNetwork network = RunNetwork.read(runDir, checkpoint);
    OnnxExport.Written w = OnnxExport.write(network, onnx, check, seed);
    System.out.printf("wrote %s: %s %s, %s [batch, %d] -> %s [batch, %d], opset %d, from %s (step %d)%n", w.model(),
        network.kind(), network.source(), RunNetwork.INPUT, network.net().inSize(), network.output(),
        network.net().outSize(), OnnxModel.OPSET, network.checkpoint(), network.step());
    if (w.check() != null) {
      System.out.printf("wrote %s: %d observations and the Java outputs%n", w.check(), check);
    }
    return 0;
  }
}
