package dev.isoplast.envs.spaces;

/** Element types of spaces and wire tensors, mirroring numpy's (and the proto's DType). */
public enum DType {
  FLOAT32(4, true),
  FLOAT64(8, true),
  INT32(4, false),
  INT64(8, false),
  INT8(1, false),
  UINT8(1, false),
  BOOL(1, false);

  private final int bytes;
  private final boolean floating;

  DType(int bytes, boolean floating) {
    this.bytes = bytes;
    this.floating = floating;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }

  public boolean isFloating() {
    return floating;
  }

  /** numpy's name for the type, as Gymnasium prints it. */
  public String numpyName() {
    return this == BOOL ? "bool" : name().toLowerCase();
  }
}
