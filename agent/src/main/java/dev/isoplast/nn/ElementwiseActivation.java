package dev.isoplast.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An activation applied unit by unit, {@code h_i = φ(z_i)}, whose derivative can be read off the
 * output h (ReLU, LeakyReLU with slope ≥ 0, tanh: φ′ = 1 − h²). Backward is
 * {@code dL/dz = dL/dh ⊙ φ′}.
 *
 * <p>Forward runs as one ND4J op into a buffer owned per batch size. Backward and {@link
 * #derivative()} are one Java loop over the arrays' memory: measured on nd4j-native, that is 4 µs
 * for a 128×64 float batch against 40 µs for the three ND4J ops {@code (1 − h²) ⊙ g} (each op
 * costs ~13 µs of fixed overhead) and 75 µs for nd4j's {@code TanhDerivative}, which recomputes tanh.
 * The dtype follows the input (FLOAT or DOUBLE).
 */
public abstract class ElementwiseActivation implements Activation {

  private final String name;
  private final int size;
  private final PerBatch<Buffers> buffers;
  private INDArray lastInput;
  private INDArray lastOutput;
  private boolean derivativeFresh;

  private static final class Buffers {
    final INDArray out;
    final INDArray dx;
    INDArray derivative;
    final ContiguousCopy gradCopy = new ContiguousCopy();

    Buffers(INDArray out, INDArray dx) {
      this.out = out;
      this.dx = dx;
    }
  }

  private DataType dataType = DataType.FLOAT;

  protected ElementwiseActivation(String name, int size) {
    if (size <= 0) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " " + name + " needs a positive size, got " + size);
    }
    this.name = name;
    this.size = size;
    this.buffers = new PerBatch<>(b -> new Buffers(Nd4j.zeros(dataType, b, size), Nd4j.zeros(dataType, b, size)));
  }

  /** Writes φ(x) into {@code out} (same shape and dtype), leaving x unchanged. */
  protected abstract void apply(INDArray x, INDArray out);

  /** {@code out[i] = g[i] · φ′} where φ′ is recovered from the output {@code y[i]}; g null means g ≡ 1. */
  protected abstract void derivativeTimes(FloatBuffer y, FloatBuffer g, FloatBuffer out, int n);

  /** The float64 twin of {@link #derivativeTimes(FloatBuffer, FloatBuffer, FloatBuffer, int)}. */
  protected abstract void derivativeTimes(DoubleBuffer y, DoubleBuffer g, DoubleBuffer out, int n);

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public INDArray forward(INDArray x) {
    Layers.checkInput(this, x, null);
    if (Layers.floatingType(this, x) != dataType) {
      dataType = x.dataType();
      buffers.clear();
    }
    Buffers buf = buffers.get((int) x.rows());
    apply(x, buf.out);
    lastInput = x;
    lastOutput = buf.out;
    derivativeFresh = false;
    return buf.out;
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    Layers.checkGradOut(this, gradOut, lastInput);
    Buffers buf = buffers.get((int) gradOut.rows());
    INDArray g = buf.gradCopy.of(gradOut, dataType);
    multiplyByDerivative(buf.out, g, buf.dx);
    return buf.dx;
  }

  /**
   * φ′ at the last forward input {@code [B, size]} (computed on first call after a forward, then
   * cached; owned by the layer like the forward output).
   */
  public INDArray derivative() {
    if (lastOutput == null) {
      throw new IllegalStateException(name + ": derivative before any forward");
    }
    Buffers buf = buffers.get((int) lastOutput.rows());
    if (buf.derivative == null) {
      buf.derivative = Nd4j.zeros(dataType, lastOutput.shape());
    }
    if (!derivativeFresh) {
      multiplyByDerivative(buf.out, null, buf.derivative);
      derivativeFresh = true;
    }
    return buf.derivative;
  }

  @Override
  public INDArray jacobian(int row) {
    if (row < 0 || row >= derivative().rows()) {
      throw new IndexOutOfBoundsException("sample " + row + " outside the last batch of " + derivative().rows());
    }
    return Nd4j.diag(derivative().getRow(row).dup());
  }

  @Override
  public INDArray lastInput() {
    return lastInput;
  }

  @Override
  public INDArray lastOutput() {
    return lastOutput;
  }

  private void multiplyByDerivative(INDArray y, INDArray g, INDArray out) {
    int n = (int) y.length();
    if (dataType == DataType.FLOAT) {
      derivativeTimes(HostArrays.floats(y), g == null ? null : HostArrays.floats(g), HostArrays.floats(out), n);
    } else {
      derivativeTimes(HostArrays.doubles(y), g == null ? null : HostArrays.doubles(g), HostArrays.doubles(out), n);
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + name + ": " + size + ")";
  }
}
