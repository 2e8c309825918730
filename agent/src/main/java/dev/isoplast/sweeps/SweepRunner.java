package dev.isoplast.sweeps;

import dev.isoplast.runs.Checkpoints;
import dev.isoplast.runs.ProgressCallback;
import dev.isoplast.runs.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs the cells of a {@link SweepIndex}, {@code workers} at a time, each as a child process
 * (a JVM running the CLI command of the cell, from the {@link CellLauncher}): a crash or an
 * out-of-memory error in one cell cannot take the others down, and no two cells share ND4J's
 * global random stream or OpenMP thread pool. Cells already finished ({@link RunDirectory#isCompleted})
 * are skipped; every other cell starts in a clean run directory, holding only the cell's settings
 * ({@link SweepSpec#writeCellConfig}, its {@code --config} file), or continues from its newest
 * checkpoint ({@code --resume}) if it was cut short after one. A failed cell is recorded with its
 * error (the child's one-line {@code error:} message) and the others go on. The child's output
 * goes to {@code cell.log} in its run directory.
 *
 * <p>Threads: each child gets {@code OMP_NUM_THREADS} = max(1, cores / workers) (and the same for
 * OpenBLAS) unless the environment already sets {@code OMP_NUM_THREADS}, so that {@code workers}
 * children do not oversubscribe the cores (docs/sweeps.md has the measurement).
 */
public final class SweepRunner {

  /** How a cell's CLI command becomes a process. */
  @FunctionalInterface
  public interface CellLauncher {
    /**
     * The process for the CLI arguments {@code args} (subcommand first), run by worker
     * {@code worker} (0 .. workers-1; a worker runs one cell at a time); output is redirected by
     * the runner.
     */
    ProcessBuilder processFor(List<String> args, int worker);
  }

  /**
   * The env servers of worker {@code worker} out of {@code workers}, given the sweep's
   * {@code servers}: with at least as many servers as workers, the servers {@code j} with
   * {@code j mod workers == worker} (each cell then spreads its envs over its worker's servers and
   * no two running cells share a server); with fewer, server {@code worker mod servers} (cells
   * share the servers evenly). Which servers a cell uses never changes its results.
   */
  public static List<String> serversOf(int worker, int workers, List<String> servers) {
    if (servers.size() < workers) {
      return List.of(servers.get(worker % servers.size()));
    }
    List<String> mine = new ArrayList<>();
    for (int j = worker; j < servers.size(); j += workers) {
      mine.add(servers.get(j));
    }
    return mine;
  }

  /** What a sweep invocation did. */
  public record Outcome(int cells, int skipped, int completed, int failed, int interrupted) {}

  /** The child's output file in its run directory. */
  public static final String LOG = "cell.log";

  /** The child's process id, in its run directory while it runs (a rerun waits for a cell left running). */
  static final String PID = "cell.pid";

  /** The environment variable that tells a cell the process id of the sweep that started it. */
  public static final String SWEEP_PID_ENV = "ISOPLAST_SWEEP_PID";

  /**
   * In a cell (a process started by a sweep, {@value #SWEEP_PID_ENV} set): ends the process as soon
   * as the sweep is gone (killed with {@code kill -9}, a dead machine's session), so that no cell
   * runs on unattended and a rerun of the sweep finds its directory free; the rerun continues the
   * cell from its newest checkpoint. Checked every half second by a daemon thread.
   */
  public static void stopWithSweep() {
    String pid = System.getenv(SWEEP_PID_ENV);
    if (pid == null || !pid.trim().matches("[0-9]+")) {
      return;
    }
    java.util.Optional<ProcessHandle> sweep = ProcessHandle.of(Long.parseLong(pid.trim()));
    if (sweep.isEmpty()) {
      Runtime.getRuntime().halt(1);
    }
    Thread watch = new Thread(() -> {
      while (sweep.get().isAlive()) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
      System.err.println("isoplast: the sweep that started this cell (pid " + pid.trim() + ") is gone; stopping "
          + "(a rerun of the sweep continues the cell from its newest checkpoint)");
      Runtime.getRuntime().halt(1);
    }, "isoplast-sweep-watch");
    watch.setDaemon(true);
    watch.start();
  }

  private final Path sweepDir;
  private final SweepSpec spec;
  private final SweepIndex index;
  private final CellLauncher launcher;
  private final boolean progressBar;
  private final Set<Process> live = ConcurrentHashMap.newKeySet();
  private static final ThreadLocal<Integer> WORKER = ThreadLocal.withInitial(() -> 0);
  private volatile boolean stopping;
  private volatile String failure; // why the whole sweep failed ({@link #fail}), or null

  public SweepRunner(Path sweepDir, SweepSpec spec, SweepIndex index, CellLauncher launcher, boolean progressBar) {
    this.sweepDir = sweepDir;
    this.spec = spec;
    this.index = index;
    this.launcher = launcher;
    this.progressBar = progressBar;
  }

  /** OpenMP threads per child: {@code OMP_NUM_THREADS} from the environment, else max(1, cores / workers). */
  public static int threadsPerCell(int workers, Map<String, String> env, int cores) {
    String set = env.get("OMP_NUM_THREADS");
    if (set != null && set.trim().matches("[1-9][0-9]*")) {
      return Integer.parseInt(set.trim());
    }
    return Math.max(1, cores / workers);
  }

  /** Runs every unfinished cell; returns when all have ended (or the JVM is shutting down). */
  public Outcome run() {
    List<SweepIndex.Entry> todo = new ArrayList<>();
    for (SweepIndex.Entry e : index.entries()) {
      if (e.status() != SweepIndex.Status.COMPLETED) {
        index.update(e, SweepIndex.Status.PENDING, null, null);
        todo.add(e);
      }
    }
    int skipped = index.entries().size() - todo.size();
    int threads = threadsPerCell(spec.workers(), System.getenv(), Runtime.getRuntime().availableProcessors());
    index.setting("cell_threads", threads);
    index.write();
    Thread hook = new Thread(this::interrupt, "isoplast-sweep-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    ProgressCallback bar = progressBar ? new ProgressCallback("sweep", index.entries().size(), "cells", this::status)
        : null;
    java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong(skipped);
    if (bar != null) {
      bar.onStart(skipped);
    }
    java.util.concurrent.atomic.AtomicInteger nextWorker = new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(spec.workers(), r -> {
      int worker = nextWorker.getAndIncrement(); // a fixed pool: each thread is one worker for good
      Thread t = new Thread(() -> {
        WORKER.set(worker);
        r.run();
      }, "isoplast-sweep-worker-" + worker);
      t.setDaemon(true);
      return t;
    });
    try {
      for (SweepIndex.Entry e : todo) {
        pool.submit(() -> {
          runCell(e, threads);
          long now = done.incrementAndGet();
          if (bar != null) {
            bar.onStep(now);
          }
        });
      }
      pool.shutdown();
      while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
        if (bar != null) {
          bar.onStep(done.get());
        }
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      interrupt();
    } finally {
      pool.shutdownNow();
      if (bar != null) {
        bar.close();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ex) {
        // shutting down: the hook runs
      }
    }
    index.write();
    return new Outcome(index.entries().size(), skipped, (int) index.count(SweepIndex.Status.COMPLETED) - skipped,
        (int) index.count(SweepIndex.Status.FAILED), (int) index.count(SweepIndex.Status.INTERRUPTED));
  }

  private String status() {
    return index.count(SweepIndex.Status.RUNNING) + " running, " + index.count(SweepIndex.Status.FAILED) + " failed";
  }

  /** Runs one cell in a clean run directory and records how it ended. */
  private void runCell(SweepIndex.Entry e, int threads) {
    if (stopping) {
      return;
    }
    Path runDir = sweepDir.resolve(e.cell.runDir());
    long t0 = System.nanoTime();
    try {
      List<String> args = spec.cellArgs(e.cell, runDir);
      awaitLeftover(runDir);
      if (resumable(runDir, args.get(0))) {
        // cut short after a checkpoint (a killed sweep, a dead machine): the cell continues from it,
        // to the same rows an uninterrupted cell writes (train --resume, continual --resume)
        args = List.of(args.get(0), "--resume", runDir.toString());
        Files.writeString(runDir.resolve(LOG), "sweep: resuming this cell from its newest checkpoint\n",
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } else {
        clean(runDir);
        Files.createDirectories(runDir);
        spec.writeCellConfig(e.cell, runDir);
      }
      ProcessBuilder pb = launcher.processFor(args, WORKER.get());
      Path log = runDir.resolve(LOG);
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(nullFile()));
      if (!System.getenv().containsKey("OMP_NUM_THREADS")) {
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
      }
      index.threads(e, threads);
      index.update(e, SweepIndex.Status.RUNNING, null, null);
      index.write();
      Process p;
      synchronized (this) {
        if (stopping) {
          return;
        }
        pb.environment().put(SWEEP_PID_ENV, String.valueOf(ProcessHandle.current().pid()));
        p = pb.start();
        live.add(p);
      }
      Files.writeString(runDir.resolve(PID), p.pid() + "\n");
      int code;
      try {
        code = p.waitFor();
      } finally {
        live.remove(p);
      }
      Files.deleteIfExists(runDir.resolve(PID));
      double wall = (System.nanoTime() - t0) / 1e9;
      if (stopping) {
        index.update(e, failure != null ? SweepIndex.Status.FAILED : SweepIndex.Status.INTERRUPTED,
            failure != null ? failure : "interrupted", wall);
      } else if (code == 0 && RunDirectory.isCompleted(runDir)) {
        index.update(e, SweepIndex.Status.COMPLETED, null, wall);
      } else {
        String why = code == 0 ? "the cell exited 0 but its summary.json does not say completed" : errorOf(log, code);
        index.update(e, SweepIndex.Status.FAILED, why, wall);
        if (!progressBar) {
          System.err.printf("sweep: cell %d (%s seed %d) failed: %s%n", e.cell.index(), e.cell.method(), e.cell.seed(),
              why);
        }
      }
    } catch (IOException | RuntimeException ex) {
      index.update(e, SweepIndex.Status.FAILED, "could not run the cell: " + ex.getMessage(),
          (System.nanoTime() - t0) / 1e9);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      index.update(e, SweepIndex.Status.INTERRUPTED, "interrupted", (System.nanoTime() - t0) / 1e9);
    }
    if (!progressBar && e.status() == SweepIndex.Status.COMPLETED) {
      System.err.printf("sweep: cell %d (%s seed %d) completed in %.1f s%n", e.cell.index(), e.cell.method(),
          e.cell.seed(), e.wallSeconds());
    }
    index.write();
  }

  /** Ctrl-C or a kill of the sweep: stop the children, mark their cells interrupted, keep the index. */
  private void interrupt() {
    stop(SweepIndex.Status.INTERRUPTED, "interrupted");
  }

  /**
   * The sweep cannot go on (e.g. its env server cannot be kept alive): stops the running cells,
   * marks them failed with {@code why}, and starts no more; {@link #run} then returns.
   */
  public void fail(String why) {
    failure = why;
    stop(SweepIndex.Status.FAILED, why);
  }

  private void stop(SweepIndex.Status as, String why) {
    synchronized (this) {
      stopping = true;
    }
    for (Process p : live) {
      p.destroy(); // SIGTERM: the child JVM runs its shutdown hooks
    }
    for (Process p : live) {
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException ex) {
        p.destroyForcibly();
      }
    }
    for (SweepIndex.Entry e : index.entries()) {
      if (e.status() == SweepIndex.Status.RUNNING) {
        index.update(e, as, why, e.wallSeconds());
      }
    }
    try {
      index.write();
    } catch (RuntimeException ex) {
      // the directory may be gone; nothing more to save
    }
  }

  /**
   * The error of a failed cell in one line: the child's last {@code error:} line (the CLI's own
   * message), else its exit status and last line of output.
   */
  static String errorOf(Path log, int code) {
    List<String> lines;
    try {
      lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException ex) {
      lines = List.of();
    }
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("error: ")) {
        return lines.get(i).substring("error: ".length()).trim();
      }
    }
    String last = "";
    for (int i = lines.size() - 1; i >= 0 && last.isEmpty(); i--) {
      last = lines.get(i).trim();
    }
    String status = code > 128 ? "killed by signal " + (code - 128) + " (exit code " + code + ")" : "exit code " + code;
    return status + (last.isEmpty() ? "" : "; last output: " + last) + " (see " + log + ")";
  }

  /**
   * A cell of an earlier sweep process may still run in {@code runDir} (that sweep was killed a
   * moment ago: its cells stop within a second, {@link #stopWithSweep}); waits for it to end, up to
   * 30 s, then kills it, so that no two processes write one run directory.
   */
  static void awaitLeftover(Path runDir) throws IOException, InterruptedException {
    Path pidFile = runDir.resolve(PID);
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    String text = Files.readString(pidFile).trim();
    java.util.Optional<ProcessHandle> old = text.matches("[0-9]+") ? ProcessHandle.of(Long.parseLong(text))
        : java.util.Optional.empty();
    // the pid may have been reused since: only a JVM running isoplast in this directory is that cell
    if (old.isPresent() && old.get().info().commandLine().map(c -> c.contains(runDir.toString())).orElse(false)) {
      try {
        old.get().onExit().get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ex) {
        old.get().destroyForcibly();
        old.get().onExit().join();
      }
    }
    Files.deleteIfExists(pidFile);
  }

  /**
   * Whether the unfinished cell in {@code runDir} can continue rather than start again: it was
   * made by the same subcommand (its command.txt) and holds a whole checkpoint.
   */
  static boolean resumable(Path runDir, String subcommand) {
    Path command = runDir.resolve("command.txt");
    try {
      if (!Files.isRegularFile(command) || !Files.readString(command).startsWith("isoplast " + subcommand + " ")) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    return new Checkpoints(runDir).latest().isPresent();
  }

  static void clean(Path runDir) throws IOException {
    if (!Files.exists(runDir)) {
      return;
    }
    Files.walkFileTree(runDir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        if (exc != null) {
          throw exc;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static java.io.File nullFile() {
    return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }

}
