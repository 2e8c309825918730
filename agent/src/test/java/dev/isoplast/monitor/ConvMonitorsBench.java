package dev.isoplast.monitor;

import dev.isoplast.nn.Sequential;
import dev.isoplast.testing.ConvNets;
import dev.isoplast.testing.RandomArrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Not a test: the wall time of one measurement of each monitor on a MinAtar-shaped conv Q-network
 * (Young &amp; Tian 2019: C×10×10 → 16-channel 3×3 conv, valid → ReLU → Flatten → Dense 1024 → 128
 * → ReLU → 6 Q-values), float32, on 256 probes, beside one DQN gradient step's forward + backward
 * at batch 32. The numbers are in docs/performance.md ("Monitors on conv nets").
 *
 * <p>Run: {@code java -cp agent/target/isoplast.jar:agent/target/test-classes dev.isoplast.monitor.ConvMonitorsBench [C]}.
 */
public final class ConvMonitorsBench {

  public static void main(String[] args) {
    int channels = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    SplittableRandom rng = new SplittableRandom(1);
    Sequential net = ConvNets.qNetwork("q", channels, 10, 16, 0, 128, 6, DataType.FLOAT, rng);
    INDArray probes = RandomArrays.uniform(rng, 0, 1, DataType.FLOAT, 256, net.inSize());
    INDArray batch = RandomArrays.uniform(rng, 0, 1, DataType.FLOAT, 32, net.inSize());
    INDArray grad = RandomArrays.gaussian(rng, DataType.FLOAT, 32, 6);
    Ntk ntk = new Ntk(net, DataType.DOUBLE);
    WeightStats weights = new WeightStats(net);
    System.out.printf(Locale.ROOT, "%s, 256 probes%n", net);
    report("train step fwd+bwd (batch 32)", () -> {
      net.forward(batch);
      net.backwardParams(grad);
    });
    report("dormancy", () -> Dormancy.measure(net, probes));
    report("features", () -> FeatureRank.measure(net, probes));
    report("ntk (float64)", () -> ntk.spectrum(probes));
    report("isometry (8 probes)", () -> JacobianSpectra.measure(net, probes));
    report("weights", weights::measure);
  }

  private static void report(String what, Runnable r) {
    r.run();
    int reps = 5;
    double[] t = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      r.run();
      t[i] = (System.nanoTime() - t0) / 1e6;
    }
    java.util.Arrays.sort(t);
    System.out.printf(Locale.ROOT, "  %-32s median %8.2f ms (min %.2f, max %.2f, %d reps)%n", what, t[reps / 2], t[0],
        t[reps - 1], reps);
  }
}
