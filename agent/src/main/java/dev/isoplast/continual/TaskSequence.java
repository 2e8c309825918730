package dev.isoplast.continual;

/**
 * A supervised continual-learning benchmark: an endless sequence of tasks over one input space,
 * each a finite set of examples (DESIGN.md §10). Task k is a pure function of (the sequence's seed,
 * k), so a run, its fresh references and a resumed run see the same tasks.
 */
public interface TaskSequence {

  /** How a task's figure is measured. */
  enum Measure {
    /** The mean over the task's steps of the figure on each batch before its update (online accuracy or error). */
    ONLINE,
    /** Accuracy on all the task's examples after its last step (e.g. memorisation of random labels). */
    FINAL
  }

  /** The benchmark's name, e.g. {@code permuted-mnist}. */
  String name();

  int inSize();

  /**
   * The shape of one input: {@code [inSize]} for vectors; an image task's {@code [C, H, W]} (a
   * grayscale image has one channel), whose NCHW rows a conv body reads.
   */
  default int[] inShape() {
    return new int[] {inSize()};
  }

  /** The number of classes, or 1 for regression. */
  int outSize();

  boolean regression();

  /** Passes over each task's examples (1: online, each example seen once). */
  int epochs();

  /** Whether each pass visits the examples in a fresh random order (false: the task's own order, a stream). */
  boolean shuffle();

  Measure measure();

  /** Task {@code k} (0-based). */
  Task task(int k);

  /** One task: its examples, by index. */
  interface Task {

    int size();

    /** Writes example {@code i}'s inputs into {@code dst} from {@code offset}. */
    void input(int i, float[] dst, int offset);

    /** Example {@code i}'s class (classification). */
    int label(int i);

    /** Example {@code i}'s target (regression). */
    float target(int i);
  }
}
