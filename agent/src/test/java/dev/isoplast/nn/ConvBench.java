package dev.isoplast.nn;

import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Not a test: times a float32 forward + backward of {@link Conv2D} (im2col in Java + {@link Gemm})
 * against libnd4j's native conv2d and conv2d_bp ops (written out here only to be measured) at the
 * two sizes of issue 24: MinAtar's layer (batch 32, 4×10×10 → 16, 3×3, valid) and the Nature-CNN's
 * first layer (batch 32, 4×84×84 → 32, 8×8, stride 4). The numbers are in docs/performance.md.
 *
 * <p>Run: {@code java -cp agent/target/classes:agent/target/test-classes:$(deps) dev.isoplast.nn.ConvBench}.
 */
public final class ConvBench {

  public static void main(String[] args) {
    int[][] sizes = {{32, 4, 10, 10, 16, 3, 1}, {32, 4, 84, 84, 32, 8, 4}};
    for (int[] s : sizes) {
      Conv2D im2col = new Conv2D("c", s[1], s[2], s[3], s[4], s[5], s[6], 0, false, DataType.FLOAT);
      im2col.weight().value().assign(Nd4j.rand(DataType.FLOAT, im2col.weight().value().shape()));
      NativeConv native_ = new NativeConv(im2col, s[0]);
      INDArray x = Nd4j.rand(DataType.FLOAT, s[0], im2col.inSize());
      INDArray g = Nd4j.rand(DataType.FLOAT, s[0], im2col.outSize());
      // the two agree (so the timing compares like with like)
      double diff = native_.forward(x).sub(im2col.forward(x)).amaxNumber().doubleValue();
      INDArray dxNative = native_.backward(g).dup();
      INDArray dxIm2col = im2col.backward(g);
      im2col.weight().zeroGrad();
      double diffDx = dxNative.sub(dxIm2col).amaxNumber().doubleValue() / dxNative.amaxNumber().doubleValue();
      int reps = s[2] > 20 ? 40 : 400;
      double tn = time(() -> { native_.forward(x); native_.backward(g); }, reps);
      double ti = time(() -> { im2col.forward(x); im2col.backward(g); }, reps);
      double tnf = time(() -> native_.forward(x), reps);
      double tif = time(() -> im2col.forward(x), reps);
      System.out.printf(Locale.ROOT, "%s batch %d: native fwd %.3f ms, fwd+bwd %.3f ms | im2col+gemm fwd %.3f ms,"
          + " fwd+bwd %.3f ms (max |Δz| %.2g, relative |Δdx| %.2g, %d reps)%n", im2col, s[0], tnf, tn, tif, ti, diff, diffDx, reps);
    }
  }

  private static double time(Runnable r, int reps) {
    for (int i = 0; i < reps / 4 + 2; i++) {
      r.run();
    }
    double best = Double.MAX_VALUE;
    for (int trial = 0; trial < 3; trial++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        r.run();
      }
      best = Math.min(best, (System.nanoTime() - t0) / 1e6 / reps);
    }
    return best;
  }

  /** libnd4j's conv2d and conv2d_bp ops on the layer's parameters (kernel view [out, C, k, k]). */
  private static final class NativeConv {
    final Conv2D c;
    final INDArray z;
    final INDArray dx;
    final INDArray gradW;
    final INDArray gradB;
    INDArray lastInput;

    NativeConv(Conv2D c, int batch) {
      this.c = c;
      z = Nd4j.zeros(DataType.FLOAT, batch, c.outSize());
      dx = Nd4j.zeros(DataType.FLOAT, batch, c.inSize());
      gradW = Nd4j.zeros(DataType.FLOAT, c.outChannels(), c.inChannels(), c.kernel(), c.kernel());
      gradB = Nd4j.zeros(DataType.FLOAT, c.outChannels());
    }

    INDArray forward(INDArray x) {
      Nd4j.exec(DynamicCustomOp.builder("conv2d")
          .addInputs(image(x, c.inChannels(), c.height(), c.width()), kernel4(c.weight().value()), c.bias().value())
          .addOutputs(image(z, c.outChannels(), c.outHeight(), c.outWidth()))
          .addIntegerArguments(intArgs())
          .build());
      lastInput = x;
      return z;
    }

    INDArray backward(INDArray gradOut) {
      Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
          .addInputs(image(lastInput, c.inChannels(), c.height(), c.width()), kernel4(c.weight().value()),
              c.bias().value(), image(gradOut, c.outChannels(), c.outHeight(), c.outWidth()))
          .addOutputs(image(dx, c.inChannels(), c.height(), c.width()), gradW, gradB)
          .addIntegerArguments(intArgs())
          .build());
      kernel4(c.weight().grad()).addi(gradW);
      c.bias().grad().addi(gradB);
      return dx;
    }

    /** kH, kW, sH, sW, pH, pW, dilation 1, 1, explicit padding, NCHW, weights [out, in, kH, kW]. */
    private int[] intArgs() {
      return new int[] {c.kernel(), c.kernel(), c.stride(), c.stride(), c.padding(), c.padding(), 1, 1, 0, 0, 1};
    }

    private INDArray kernel4(INDArray matrix) {
      return matrix.reshape(c.outChannels(), c.inChannels(), c.kernel(), c.kernel());
    }

    private static INDArray image(INDArray rows, int ch, int h, int w) {
      return rows.reshape('c', rows.rows(), ch, h, w);
    }
  }
}
