package dev.isoplast.continual.data;

/** The official training or test part of a data set whose files come split (MNIST, CIFAR). */
public enum Split {
  TRAIN,
  TEST;

  /** {@code train} or {@code test}, as used in data set names such as {@code mnist-train}. */
  public String label() {
    return this == TRAIN ? "train" : "test";
  }
}
