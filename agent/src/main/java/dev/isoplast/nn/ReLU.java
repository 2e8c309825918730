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
   * One Java pass over the memory of a contiguous input (x &lt; 0 ? 0 : x, as libnd4j's
   * {@code RectifiedLinear}: NaN and −0 pass through), else the ND4J op. The op costs ~15 µs of fixed
   * overhead per call (most of it building the op's scalar argument), which was 15% of a DQN
   * CartPole run's wall time, where every env step forwards a batch of one (docs/performance.md).
   */
  @Override
  protected void apply(INDArray x, INDArray out) {
    if (!HostArrays.isContiguous(x) || x.dataType() != out.dataType()) {
      Nd4j.exec(new RectifiedLinear(x, out, 0.0));
      return;
    }
    int n = (int) x.length();
    if (x.dataType() == DataType.DOUBLE) {
      DoubleBuffer xs = HostArrays.doubles(x);
      DoubleBuffer os = HostArrays.doubles(out);
      for (int i = 0; i < n; i++) {
        double v = xs.get(i);
        os.put(i, v < 0 ? 0.0 : v);
      }
    } else {
      FloatBuffer xs = HostArrays.floats(x);
      FloatBuffer os = HostArrays.floats(out);
      for (int i = 0; i < n; i++) {
        float v = xs.get(i);
        os.put(i, v < 0f ? 0f : v);
      }
    }
  }

  @Override
  protected void derivativeTimes(FloatBuffer y, FloatBuffer g, FloatBuffer out, int n) {
    for (int i = 0; i < n; i++) {
      out.put(i, y.get(i) > 0 ? (g == null ? 1f : g.get(i)) : 0f);
    }
  }

  @Override
  protected void derivativeTimes(DoubleBuffer y, DoubleBuffer g, DoubleBuffer out, int n) {
    for (int i = 0; i < n; i++) {
      out.put(i, y.get(i) > 0 ? (g == null ? 1.0 : g.get(i)) : 0.0);
    }
  }
}
