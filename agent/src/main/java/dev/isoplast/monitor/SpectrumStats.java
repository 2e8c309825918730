package dev.isoplast.monitor;

import dev.isoplast.linalg.Spectral;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rank and conditioning summaries of a nonnegative spectrum s_1 ≥ … ≥ s_n: the eigenvalues λ of a
 * PSD matrix (the empirical NTK; for a PSD matrix they are also its singular values) or the
 * singular values σ of a feature matrix Φ. Negative entries (round-off of a PSD matrix's
 * eigenvalues) are clamped to 0 before the ranks; the trace is the plain sum.
 *
 * <pre>
 *   trace  = Σ_i s_i
 *   erank  = exp(−Σ_i p_i log p_i),  p_i = s_i / Σ_j s_j        (Roy &amp; Vetterli 2007, "The
 *            effective rank"; 0 log 0 = 0; an all-zero spectrum has erank 0)
 *   srank  = min k such that Σ_{i≤k} s_i ≥ (1 − δ) Σ_i s_i, δ = {@link #SRANK_DELTA}   (Kumar,
 *            Agarwal, Ghosh &amp; Levine 2021, "Implicit under-parameterization", on the singular
 *            values of Φ; here applied to whichever spectrum is given)
 *   cond      = s_max / s_min over the s_i &gt; floor · s_max   (NaN if s_max ≤ 0)
 *   cond_rel  = s_max / s_min over the s_i ≥ f · s_max,  f = max({@link #REL_FLOOR}, floor) = 10⁻⁶
 *   rank_rel  = #{i : s_i ≥ f · s_max}
 * </pre>
 *
 * <p>Which spectrum each monitor passes: the NTK metrics use the eigenvalues λ of K (so srank is
 * "smallest k holding 99% of Σλ" as DESIGN.md §8 states); the feature metrics use the singular
 * values σ of Φ, as Kumar et al. define srank. Note srank of the n×n identity is ⌈(1 − δ) n⌉, which
 * is n only for n ≤ 100.
 *
 * <p>The condition-number floor. Eigenvalues below {@code n · ε · s_max}, with ε the machine epsilon
 * of the precision the matrix was computed in (2⁻²³ for float32, 2⁻⁵² for float64), are
 * indistinguishable from round-off: this is the default rank tolerance of
 * {@code numpy.linalg.matrix_rank} (after Press et al., Numerical Recipes, §2.6) with n = max(rows,
 * cols). Below it, λ_min would report the accumulation error rather than the network, so those
 * eigenvalues are left out of cond and counted out of {@link #numericalRank()}. Consequently cond is
 * capped at 1/(n ε): about 3.3·10⁴ for a float32 NTK with B = 256; a value at the cap means "singular
 * to working precision". {@link #relativeFloor} computes the floor.
 *
 * <p>The stated floor of cond_rel (issue 21). In float64 the numerical floor lets cond reach
 * 1/(n ε) ≈ 1.8·10¹³ at n = 256, and the RL NTKs measured sit there (10¹²–1.2·10¹³): their spectra
 * run down to round-off, so cond reports where float64 stops rather than how the kernel changes.
 * cond_rel cuts the spectrum at a fixed relative floor, 10⁻⁶ of s_max (six decades, well above
 * float64's round-off and at float32's for n ≈ 8), the same for every network, precision and batch
 * size: it lies in [1, 10⁶], and rank_rel counts the eigen-directions within those six decades of
 * the largest. A kernel that keeps its spectrum within six decades shows cond_rel &lt; 10⁶ and
 * rank_rel = n; one that loses directions shows rank_rel falling while cond_rel stays near 10⁶.
 * The floor never sits below the numerical one (a float32 spectrum with n ε &gt; 10⁻⁶ keeps that).
 *
 * @param size the number of spectrum entries n
 * @param trace Σ s_i
 * @param erank the effective rank
 * @param srank the δ-stable rank
 * @param cond s_max / s_min over the entries above the floor
 * @param numericalRank how many entries lie above the floor
 * @param relativeFloor the floor as a fraction of s_max
 * @param condRel s_max / s_min over the entries at or above max({@link #REL_FLOOR}, relativeFloor) · s_max
 * @param rankRel how many entries lie at or above that floor
 */
public record SpectrumStats(int size, double trace, double erank, int srank, double cond, int numericalRank,
    double relativeFloor, double condRel, int rankRel) {

  /** Kumar et al.'s δ: srank keeps 99% of the spectrum's mass. */
  public static final double SRANK_DELTA = 0.01;

  /** The stated relative floor of cond_rel and rank_rel: six decades below s_max. */
  public static final double REL_FLOOR = 1e-6;

  /** Summaries of {@code spectrum} (any order) with eigenvalues below {@code relativeFloor · s_max} left out of cond. */
  public static SpectrumStats of(double[] spectrum, double relativeFloor) {
    if (spectrum.length == 0) {
      throw new IllegalArgumentException("spectrum statistics need at least one value");
    }
    if (!(relativeFloor >= 0) || relativeFloor >= 1) {
      throw new IllegalArgumentException("the relative floor must be in [0, 1), got " + relativeFloor);
    }
    double[] s = new double[spectrum.length];
    double trace = 0;
    for (int i = 0; i < s.length; i++) {
      trace += spectrum[i];
      s[i] = Math.max(0, spectrum[i]);
    }
    Arrays.sort(s);
    int n = s.length;
    double max = s[n - 1];
    double total = 0;
    for (double v : s) {
      total += v;
    }
    if (!(max > 0)) {
      return new SpectrumStats(n, trace, 0, 0, Double.NaN, 0, relativeFloor, Double.NaN, 0);
    }
    double entropy = 0;
    for (double v : s) {
      if (v > 0) {
        double p = v / total;
        entropy -= p * Math.log(p);
      }
    }
    int srank = 0;
    double kept = 0;
    double target = (1 - SRANK_DELTA) * total;
    for (int i = n - 1; i >= 0 && kept < target; i--) {
      kept += s[i];
      srank++;
    }
    double floor = relativeFloor * max;
    double min = max;
    int rank = 0;
    double relFloor = Math.max(REL_FLOOR, relativeFloor) * max;
    double minRel = max;
    int rankRel = 0;
    for (double v : s) {
      if (v > floor) {
        min = Math.min(min, v);
        rank++;
      }
      if (v >= relFloor) {
        minRel = Math.min(minRel, v);
        rankRel++;
      }
    }
    return new SpectrumStats(n, trace, Math.exp(entropy), srank, max / min, rank, relativeFloor, max / minRel, rankRel);
  }

  /**
   * The floor {@code n · ε} of a matrix whose larger dimension is {@code n}, computed in
   * {@code precision} (FLOAT: ε = 2⁻²³, DOUBLE: ε = 2⁻⁵²).
   */
  public static double relativeFloor(int n, DataType precision) {
    double eps = switch (precision) {
      case FLOAT -> Math.ulp(1.0f);
      case DOUBLE -> Math.ulp(1.0);
      default -> throw new IllegalArgumentException("spectra are computed in FLOAT or DOUBLE, got " + precision);
    };
    return n * eps;
  }

  /** Summaries of the eigenvalues of a symmetric PSD matrix (e.g. the NTK), floor from its size and dtype. */
  public static SpectrumStats ofSymmetric(INDArray psd) {
    return of(Spectral.symmetricEigenvalues(psd), relativeFloor((int) psd.rows(), psd.dataType()));
  }

  /** Summaries of the singular values of a matrix (e.g. features Φ), floor from max(rows, cols) and its dtype. */
  public static SpectrumStats ofSingularValues(INDArray m) {
    return of(Spectral.singularValues(m), relativeFloor((int) Math.max(m.rows(), m.columns()), m.dataType()));
  }

  /** erank / n, in (0, 1]: the share of the dimensions the spectrum effectively uses. */
  public double erankFraction() {
    return erank / size;
  }

  /**
   * The metrics {@code <prefix>erank}, {@code <prefix>erank_frac}, {@code <prefix>srank},
   * {@code <prefix>cond}, {@code <prefix>rank}, {@code <prefix>cond_rel}, {@code <prefix>rank_rel}
   * and {@code <prefix>trace}, e.g. with prefix {@code plasticity/ntk_}.
   */
  public Map<String, Double> metrics(String prefix) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(prefix + "erank", erank);
    m.put(prefix + "erank_frac", erankFraction());
    m.put(prefix + "srank", (double) srank);
    m.put(prefix + "cond", cond);
    m.put(prefix + "rank", (double) numericalRank);
    m.put(prefix + "cond_rel", condRel);
    m.put(prefix + "rank_rel", (double) rankRel);
    m.put(prefix + "trace", trace);
    return m;
  }
}
