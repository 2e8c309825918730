package dev.isoplast.nn;

import dev.isoplast.linalg.Spectral;
import dev.isoplast.testing.RandomArrays;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Not a test: the singular values of a delta-orthogonal conv body (DeltaOrthogonalTest's conv 4→4 →
 * MaxMin → conv 4→4 → MaxMin → conv 4→2, 3×3, same, 5×5) and of each of its convolutions after N
 * Adam steps with and without the Björck projection after each step, for docs/methods.md
 * ("Isometric convolutions").
 *
 * <p>Run: {@code java -cp agent/target/isoplast.jar:agent/target/test-classes dev.isoplast.nn.ConvIsometryProbe 10 30 100 300}.
 */
public final class ConvIsometryProbe {

  public static void main(String[] args) {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    int[][] convs = {{4, 4, 3}, {4, 4, 3}, {4, 2, 3}};
    INDArray probe = RandomArrays.gaussian(new SplittableRandom(9), DataType.DOUBLE, 1, 4 * 25);
    for (String steps : args) {
      for (boolean bjorck : new boolean[] {true, false}) {
        Sequential net = DeltaOrthogonalTest.stack(Init.deltaOrthogonal(1.0), 3, convs);
        DeltaOrthogonalTest.train(net, Integer.parseInt(steps), bjorck);
        System.out.println(row(steps + " steps, " + (bjorck ? "Björck" : "free") + ": body",
            Spectral.singularValues(Jacobians.inputOutput(net, probe))));
        for (Conv2D conv : net.layersOf(Conv2D.class)) {
          double[] kernel = Spectral.singularValues(conv.weight().value());
          System.out.println(row("  " + conv.name(), Spectral.singularValues(Jacobians.of(conv)))
              + String.format(Locale.ROOT, "  kernel matrix σ %.3f..%.3f", kernel[kernel.length - 1], kernel[0]));
        }
      }
    }
  }

  private static String row(String what, double[] s) {
    return String.format(Locale.ROOT, "%-28s σ %.3f..%.3f, mean σ² %.3f, std %.3f", what, s[s.length - 1], s[0],
        DeltaOrthogonalTest.meanSquare(s), DeltaOrthogonalTest.std(s));
  }
}
