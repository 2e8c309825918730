/**
 * Run directories: the fully resolved {@code config.yaml}, {@code metrics.jsonl} (one JSON object
 * per log step, CleanRL's metric names keyed by {@code global_step}), {@code summary.json}, and
 * the training progress bar. DESIGN.md §11.
 */
package dev.isoplast.runs;
