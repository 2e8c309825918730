package dev.isoplast.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rectified linear unit φ(z) = max(z, 0) (Nair &amp; Hinton 2010), with φ′(0) = 0 as in PyTorch.
 */
public final class ReLU extends ElementwiseActivation {

  public ReLU(String name, int size) {
    super(name, size);
  }

  /**
   * One Java pass over the memory of a contiguous input (max(x, 0): NaN passes through, −0 becomes
   * 0, which libnd4j's {@code RectifiedLinear} keeps; no sum or product tells them apart), else the
   * ND4J op. The op costs ~15 µs of fixed overhead per call (most of it building the op's scalar
   * argument), which was 15% of a DQN CartPole run's wall time, where every env step forwards a
   * batch of one (docs/performance.md). {@code Math.max} rather than {@code x < 0 ? 0 : x}: the
   * JIT vectorises it, while the branch is mispredicted on half the units (0.11 against 2.7 ns an
   * element on a [32, 1024] batch).
   */
  @Override
  protected void apply(INDArray x, INDArray out) {
    if (!HostArrays.isContiguous(x) || x.dataType() != out.dataType()) {
      Nd4j.exec(new RectifiedLinear(x, out, 0.0));
      return;
    }
    HostArrays.mapChunks(x, null, out, (a, unused, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.max(a[i], 0f);
      }
    }, (a, unused, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.max(a[i], 0.0);
      }
    });
  }

  @Override
  protected void derivativeTimes(float[] y, float[] g, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      float step = positive(y[i]);
      out[i] = g == null ? step : g[i] * step;
    }
  }

  @Override
  protected void derivativeTimes(double[] y, double[] g, double[] out, int n) {
    for (int i = 0; i < n; i++) {
      double step = positive(y[i]);
      out[i] = g == null ? step : g[i] * step;
    }
  }
}
