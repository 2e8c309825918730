/**
 * Dense linear algebra shared by the whole project: {@link dev.isoplast.linalg.Spectral} (symmetric
 * eigenvalues, singular values) for the NTK and Jacobian monitors, the regularizers and the tests.
 */
package dev.isoplast.linalg;
