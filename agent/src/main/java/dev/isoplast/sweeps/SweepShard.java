package dev.isoplast.sweeps;

/**
 * One machine's share of a sweep ({@code --shard i/N}, DESIGN.md §14): cell {@code c} belongs to
 * shard {@code c mod N}. The choice depends on the cell's index, i and N alone, so N machines (a
 * Kubernetes Indexed Job, a Slurm array) given 0/N .. N-1/N run every cell exactly once with no
 * coordination, and adding seeds to a sweep never moves a cell to another shard. Shard 0/1 is the
 * whole sweep.
 *
 * <p>Each shard keeps its own index file ({@link #indexFile}), so shards writing into one shared
 * sweep directory at once never write the same file; {@link SweepIndex#readMerged} puts them back
 * together for {@code report} and for restarts.
 *
 * @param index i, from 0
 * @param count N, at least 1
 */
public record SweepShard(int index, int count) {

  /** The whole sweep on one machine. */
  public static final SweepShard ALL = new SweepShard(0, 1);

  public SweepShard {
    if (count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException("--shard takes i/N with 0 <= i < N (0/4 .. 3/4 for four machines), got "
          + index + "/" + count);
    }
  }

  /** Parses {@code i/N}; anything else is a one-line usage error. */
  public static SweepShard parse(String text) {
    String t = text == null ? "" : text.trim();
    if (!t.matches("[0-9]{1,9}/[0-9]{1,9}")) {
      throw new IllegalArgumentException("--shard takes i/N with 0 <= i < N (0/4 .. 3/4 for four machines), got '"
          + text + "'");
    }
    int slash = t.indexOf('/');
    return new SweepShard(Integer.parseInt(t.substring(0, slash)), Integer.parseInt(t.substring(slash + 1)));
  }

  /** Whether cell {@code cell} is this shard's: {@code cell mod N == i}. */
  public boolean owns(int cell) {
    return cell % count == index;
  }

  /** Whether this is the whole sweep (0/1). */
  public boolean isAll() {
    return count == 1;
  }

  /** The index file this shard writes: {@code sweep.json} for the whole sweep, else {@code sweep.shard-i-of-N.json}. */
  public String indexFile() {
    return isAll() ? SweepIndex.FILE : SHARD_PREFIX + index + "-of-" + count + ".json";
  }

  /** File name prefix of shard index files. */
  static final String SHARD_PREFIX = "sweep.shard-";

  /** The shard an index file name stands for, or null when it is no index file. */
  static SweepShard ofIndexFile(String name) {
    if (name.equals(SweepIndex.FILE)) {
      return ALL;
    }
    if (name.matches("sweep\\.shard-[0-9]{1,9}-of-[0-9]{1,9}\\.json")) {
      String[] p = name.substring(SHARD_PREFIX.length(), name.length() - 5).split("-of-");
      try {
        return new SweepShard(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return index + "/" + count;
  }
}
