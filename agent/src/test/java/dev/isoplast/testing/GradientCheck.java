package dev.isoplast.testing;

import dev.isoplast.nn.Layer;
import dev.isoplast.nn.Param;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Central finite differences against analytic gradients, in float64. The one gradient checker of
 * the test suite: layers, losses, distributions and regularizers all go through it.
 */
public final class GradientCheck {

  private GradientCheck() {}

  /**
   * Compares {@code analytic} with the central difference of {@code loss} with respect to every
   * entry of {@code x} (perturbed in place and restored), and returns the largest relative error
   * {@code |a - n| / max(|a| + |n|, floor)}.
   *
   * @param loss recomputes the scalar loss from the current contents of x
   * @param x a float64 array the loss reads
   * @param analytic dL/dx, same shape as x
   */
  public static double maxRelativeError(Supplier<Double> loss, INDArray x, INDArray analytic) {
    return maxRelativeError(loss, x, analytic, 1e-6, 1e-8);
  }

  public static double maxRelativeError(Supplier<Double> loss, INDArray x, INDArray analytic, double eps, double floor) {
    if (x.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException("gradient checks run in float64, got " + x.dataType());
    }
    INDArray flat = x.reshape(x.length());
    INDArray g = analytic.reshape(analytic.length());
    double worst = 0;
    for (long i = 0; i < flat.length(); i++) {
      double orig = flat.getDouble(i);
      flat.putScalar(i, orig + eps);
      double plus = loss.get();
      flat.putScalar(i, orig - eps);
      double minus = loss.get();
      flat.putScalar(i, orig);
      double numeric = (plus - minus) / (2 * eps);
      double a = g.getDouble(i);
      double rel = Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), floor);
      worst = Math.max(worst, rel);
    }
    return worst;
  }

  /**
   * Checks a whole {@link Layer} against its backward contract with the loss {@code L = Σ out ⊙ R}
   * for a fixed random {@code R} (so dL/dout = R): the input gradient and every parameter gradient
   * against central differences. Also asserts the contract's other two rules: backward leaves its
   * argument unchanged, and it ADDS into the parameter gradients (a second forward/backward doubles
   * them). Parameter gradients are zero afterwards.
   *
   * @param x a float64 input [B, in] (perturbed in place and restored)
   * @return the largest relative error per tensor: {@code "input"}, then each parameter's name
   */
  public static Map<String, Double> layer(Layer layer, INDArray x, long seed) {
    return layer(layer, x, seed, 1e-8);
  }

  /**
   * {@link #layer(Layer, INDArray, long)} with the relative errors' floor given: for a layer some
   * of whose gradient entries are exactly zero (the central difference then is rounding noise,
   * ~10⁻⁹ of a loss of order 10, against the default floor 10⁻⁸).
   */
  public static Map<String, Double> layer(Layer layer, INDArray x, long seed, double floor) {
    if (x.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException("gradient checks run in float64, got " + x.dataType());
    }
    INDArray r = RandomArrays.gaussian(new SplittableRandom(seed), DataType.DOUBLE, x.rows(), layer.outSize());
    INDArray rCopy = r.dup();
    List<Param> params = layer.params();
    params.forEach(Param::zeroGrad);
    layer.forward(x);
    INDArray dx = layer.backward(r).dup();
    if (r.sub(rCopy).amaxNumber().doubleValue() != 0) {
      throw new AssertionError(layer.name() + ": backward modified its argument");
    }
    Map<Param, INDArray> grads = new LinkedHashMap<>();
    for (Param p : params) {
      grads.put(p, p.grad().dup());
    }
    layer.forward(x);
    layer.backward(r);
    for (Param p : params) {
      INDArray twice = grads.get(p).mul(2);
      double diff = Transforms.abs(p.grad().sub(twice), false).maxNumber().doubleValue();
      double scale = Math.max(1e-12, Transforms.abs(twice, true).maxNumber().doubleValue());
      if (diff > 1e-12 * scale) {
        throw new AssertionError(layer.name() + ": backward must ADD into " + p.name() + "'s gradient");
      }
      p.zeroGrad();
    }
    Supplier<Double> loss = () -> layer.forward(x).mul(r).sumNumber().doubleValue();
    Map<String, Double> errors = new LinkedHashMap<>();
    errors.put("input", maxRelativeError(loss, x, dx, 1e-6, floor));
    for (Param p : params) {
      errors.put(p.name(), maxRelativeError(loss, p.value(), grads.get(p), 1e-6, floor));
    }
    return errors;
  }

  /** The largest value of {@link #layer}'s map, for a one-line assertion. */
  public static double worst(Map<String, Double> errors) {
    return errors.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }
}
