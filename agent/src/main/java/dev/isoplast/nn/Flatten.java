package dev.isoplast.nn;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The boundary between a convolutional torso and dense layers: a batch of images {@code [B, C, H, W]}
 * (NCHW, as the env server delivers pixel observations) or of their rows {@code [B, C·H·W]} becomes
 * rows {@code [B, C·H·W]}, in row-major (channel, row, column) order, the layout {@link Conv2D}
 * reads and writes. A reshape, so no copy for a contiguous batch; backward passes the gradient
 * through unchanged (it returns its argument, which it does not modify).
 */
public final class Flatten implements Layer {

  private final String name;
  private final int channels;
  private final int height;
  private final int width;
  private INDArray lastInput;

  public Flatten(String name, int channels, int height, int width) {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException("Flatten " + name + " needs a positive image shape, got " + channels + "×"
          + height + "×" + width);
    }
    this.name = name;
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  @Override
  public String name() {
    return name;
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  @Override
  public int inSize() {
    return channels * height * width;
  }

  @Override
  public int outSize() {
    return inSize();
  }

  @Override
  public List<Param> params() {
    return List.of();
  }

  @Override
  public INDArray forward(INDArray x) {
    if (x.rank() == 4) {
      if (x.size(1) != channels || x.size(2) != height || x.size(3) != width) {
        throw new IllegalArgumentException(name + " expects images [B, " + channels + ", " + height + ", " + width
            + "], got " + Arrays.toString(x.shape()));
      }
      x = x.reshape('c', x.size(0), inSize());
    }
    Layers.checkInput(this, x, null);
    lastInput = x;
    return x;
  }

  @Override
  public INDArray backward(INDArray gradOut) {
    Layers.checkGradOut(this, gradOut, lastInput);
    return gradOut;
  }

  @Override
  public String toString() {
    return "Flatten(" + name + ": " + channels + "×" + height + "×" + width + "→" + inSize() + ")";
  }
}
