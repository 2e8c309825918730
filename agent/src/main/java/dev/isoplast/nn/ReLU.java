package dev.isoplast.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
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
    int n = (int) x.length();
    int chunk = HostArrays.CHUNK;
    if (x.dataType() == DataType.DOUBLE) {
      DoubleBuffer xs = HostArrays.doubles(x);
      DoubleBuffer os = HostArrays.doubles(out);
      double[] a = HostArrays.doubleScratch(0, chunk);
      for (int off = 0; off < n; off += chunk) {
        int k = Math.min(chunk, n - off);
        xs.get(off, a, 0, k);
        for (int i = 0; i < k; i++) {
          a[i] = Math.max(a[i], 0.0);
        }
        os.put(off, a, 0, k);
      }
    } else {
      FloatBuffer xs = HostArrays.floats(x);
      FloatBuffer os = HostArrays.floats(out);
      float[] a = HostArrays.floatScratch(0, chunk);
      for (int off = 0; off < n; off += chunk) {
        int k = Math.min(chunk, n - off);
        xs.get(off, a, 0, k);
        for (int i = 0; i < k; i++) {
          a[i] = Math.max(a[i], 0f);
        }
        os.put(off, a, 0, k);
      }
    }
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
