/**
 * Parsing and range checks shared by every config record ({@link dev.isoplast.config.ConfigValues}):
 * values arrive typed from YAML or as strings from {@code --set}, and every error names its key.
 * {@link dev.isoplast.config.Seeds} derives the seeds of tasks and events from a run's seed. The
 * bottom of the package graph: it imports nothing of the project's.
 */
package dev.isoplast.config;
