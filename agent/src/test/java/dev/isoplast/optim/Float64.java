package dev.isoplast.optim;

import dev.isoplast.nn.Param;
import dev.isoplast.testing.RandomArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Float64 fixtures for optimizer tests: parameters from a seeded Gaussian. */
final class Float64 {

  private Float64() {}

  static INDArray gaussian(SplittableRandom rng, double std, long rows, long cols) {
    return RandomArrays.gaussian(rng, DataType.DOUBLE, rows, cols).muli(std);
  }

  static Param weight(String name, SplittableRandom rng, long out, long in) {
    return new Param(name, Param.Role.WEIGHT, false, gaussian(rng, 1 / Math.sqrt(in), out, in));
  }

  static Param bias(String name, SplittableRandom rng, long n) {
    return new Param(name, Param.Role.BIAS, false, gaussian(rng, 0.1, 1, n).reshape(n));
  }

  /** A small body: hidden weights, a bias and a head weight. */
  static List<Param> params(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Param> ps = new ArrayList<>();
    ps.add(weight("body.0.W", rng, 6, 4));
    ps.add(bias("body.0.b", rng, 6));
    ps.add(weight("body.1.W", rng, 3, 6));
    ps.add(new Param("head.W", Param.Role.WEIGHT, true, gaussian(rng, 0.3, 2, 3)));
    return ps;
  }

  /** {@code steps} gradients for {@code ps}, N(0, 1) entries from {@code seed}: [step][parameter][element]. */
  static List<List<double[]>> gaussianGrads(List<Param> ps, int steps, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<List<double[]>> grads = new ArrayList<>();
    for (int t = 0; t < steps; t++) {
      List<double[]> gt = new ArrayList<>();
      for (Param p : ps) {
        gt.add(gaussian(rng, 1.0, 1, p.length()).data().asDouble());
      }
      grads.add(gt);
    }
    return grads;
  }

  /** Sets each parameter's gradient to the matching array of {@code g}. */
  static void setGrads(List<Param> ps, List<double[]> g) {
    for (int i = 0; i < ps.size(); i++) {
      ps.get(i).grad().assign(Nd4j.createFromArray(g.get(i)).reshape(ps.get(i).value().shape()));
    }
  }
}
