/**
 * Parsing and range checks shared by every config record ({@link dev.isoplast.config.ConfigValues}):
 * values arrive typed from YAML or as strings from {@code --set}, and every error names its key.
 * The bottom of the package graph: it imports nothing of the project's.
 */
package dev.isoplast.config;
