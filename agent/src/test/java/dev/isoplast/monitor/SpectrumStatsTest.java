package dev.isoplast.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.Init;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SpectrumStatsTest {

  private static final double F64 = Math.ulp(1.0);

  @Test
  void identityHasFullEffectiveAndStableRank() {
    for (int n : new int[] {1, 10, 64}) {
      SpectrumStats s = SpectrumStats.ofSymmetric(Nd4j.eye(n).castTo(DataType.DOUBLE));
      assertEquals(n, s.erank(), 1e-9 * n);
      assertEquals(1.0, s.erankFraction(), 1e-9);
      assertEquals(n, s.srank(), "srank of I_" + n);
      assertEquals(1.0, s.cond(), 1e-12);
      assertEquals(n, s.trace(), 1e-12);
      assertEquals(n, s.numericalRank());
    }
    // srank keeps (1 − δ) of the mass: ⌈0.99 · 256⌉ = 254 of 256 equal eigenvalues
    double[] ones = new double[256];
    java.util.Arrays.fill(ones, 1.0);
    SpectrumStats s = SpectrumStats.of(ones, 0);
    assertEquals(254, s.srank());
    assertEquals(256, s.erank(), 1e-9);
  }

  @Test
  void rankROrthogonalProjectionHasRankR() {
    // P = Q Qᵀ with Q [20, 7] orthonormal columns: eigenvalues 1 (×7) and 0 (×13) up to round-off
    int n = 20;
    int r = 7;
    double[][] q = Init.orthogonal(n, r, 1.0, new SplittableRandom(3));
    INDArray qa = Nd4j.create(q);
    INDArray p = qa.mmul(qa.transpose());
    SpectrumStats s = SpectrumStats.ofSymmetric(p);
    assertEquals(r, s.erank(), 1e-9);
    assertEquals(r, s.srank());
    assertEquals(r, s.numericalRank());
    assertEquals(1.0, s.cond(), 1e-9);
    assertEquals(r, s.trace(), 1e-12);
    assertEquals(n * F64, s.relativeFloor(), 0);
  }

  @Test
  void conditionNumberOnAKnownSpectrumExcludesEigenvaluesBelowTheFloor() {
    double[] diag = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(10, SpectrumStats.of(diag, SpectrumStats.relativeFloor(10, DataType.DOUBLE)).cond(), 1e-12);
    // through the eigen solver, as the NTK goes
    assertEquals(10, SpectrumStats.ofSymmetric(Nd4j.diag(Nd4j.create(diag))).cond(), 1e-9);
    // an eleventh eigenvalue 1e-16 lies below the float64 floor 11 · 2⁻⁵² · 10 ≈ 2.4e-14: left out
    double[] withTiny = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1e-16};
    SpectrumStats s = SpectrumStats.of(withTiny, SpectrumStats.relativeFloor(11, DataType.DOUBLE));
    assertEquals(10, s.cond(), 1e-12);
    assertEquals(10, s.numericalRank());
    // without a floor it would dominate
    assertEquals(1e17, SpectrumStats.of(withTiny, 0).cond(), 1e3);
    // the float32 floor for B = 256 is 256 · 2⁻²³ = 2⁻¹⁵: 1e-5 · λ_max is then excluded, 1e-4 · λ_max kept
    double floor32 = SpectrumStats.relativeFloor(256, DataType.FLOAT);
    assertEquals(Math.pow(2, -15), floor32, 0);
    assertEquals(1.0, SpectrumStats.of(new double[] {1, 1e-5}, floor32).cond(), 0);
    assertEquals(1e4, SpectrumStats.of(new double[] {1, 1e-4}, floor32).cond(), 1e-6);
  }

  @Test
  void effectiveAndStableRanksByHand() {
    // p = (3/4, 1/4): erank = exp(−(3/4 ln 3/4 + 1/4 ln 1/4))
    double expected = Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)));
    SpectrumStats s = SpectrumStats.of(new double[] {1, 3}, 0);
    assertEquals(expected, s.erank(), 1e-14);
    assertEquals(4, s.trace(), 0);
    assertEquals(3, s.cond(), 0);
    // total 100, 99 needed: 50 + 30 + 18 = 98 is short, so all 4; 60 + 30 + 9.5 = 99.5 suffices
    assertEquals(4, SpectrumStats.of(new double[] {50, 30, 18, 2}, 0).srank());
    assertEquals(3, SpectrumStats.of(new double[] {0.5, 60, 9.5, 30}, 0).srank());
  }

  @Test
  void roundOffNegativesAreClampedAndAZeroSpectrumIsRankZero() {
    SpectrumStats s = SpectrumStats.of(new double[] {1, -1e-17, 1}, 0);
    assertEquals(2, s.erank(), 1e-12);
    assertEquals(2, s.srank());
    assertEquals(2, s.numericalRank());
    SpectrumStats zero = SpectrumStats.of(new double[] {0, 0, -1e-18}, 1e-6);
    assertEquals(0, zero.erank());
    assertEquals(0, zero.srank());
    assertTrue(Double.isNaN(zero.cond()));
  }

  @Test
  void singularValueVersionForFeatures() {
    // Φ with orthogonal columns of norms 3 and 1 (and a zero column): σ = (3, 1, 0)
    INDArray phi = Nd4j.create(new double[][] {{3, 0, 0}, {0, 1, 0}, {0, 0, 0}, {0, 0, 0}});
    SpectrumStats s = SpectrumStats.ofSingularValues(phi);
    assertEquals(3, s.size());
    assertEquals(4, s.trace(), 1e-12);
    assertEquals(Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))), s.erank(), 1e-12);
    assertEquals(2, s.srank());
    assertEquals(3, s.cond(), 1e-12);
    assertEquals(4 * F64, s.relativeFloor(), 0);
  }

  @Test
  void metricNames() {
    assertEquals(List.of("plasticity/ntk_erank", "plasticity/ntk_erank_frac", "plasticity/ntk_srank",
        "plasticity/ntk_cond", "plasticity/ntk_rank", "plasticity/ntk_cond_rel", "plasticity/ntk_rank_rel",
        "plasticity/ntk_trace"),
        List.copyOf(SpectrumStats.of(new double[] {1, 2}, 0).metrics("plasticity/ntk_").keySet()));
    // a rank-1 kernel with round-off below the floor: rank 1 and cond 1 (cond counts what is above the floor)
    var collapsed = SpectrumStats.of(new double[] {5, 1e-17, -1e-17, 0}, 1e-12).metrics("k_");
    assertEquals(1.0, collapsed.get("k_rank"));
    assertEquals(1.0, collapsed.get("k_cond"));
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> SpectrumStats.of(new double[0], 0));
    assertThrows(IllegalArgumentException.class, () -> SpectrumStats.of(new double[] {1}, 1.0));
    assertThrows(IllegalArgumentException.class, () -> SpectrumStats.relativeFloor(4, DataType.INT32));
  }
  @Test
  void condRelIsTakenOverTheEigenvaluesWithinSixDecadesOfAKnownSpectrum() {
    // K = Q diag(λ) Qᵀ with Q a random orthogonal matrix: its eigenvalues are λ, spanning 12 decades
    double[] lambda = {1, 0.3, 1e-2, 2e-4, 3e-6, 5e-7, 1e-9, 1e-12};
    int n = lambda.length;
    double[][] q = Init.orthogonal(n, n, 1.0, new SplittableRandom(3));
    double[] k = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        for (int r = 0; r < n; r++) {
          k[i * n + j] += q[i][r] * lambda[r] * q[j][r];
        }
      }
    }
    SpectrumStats s = SpectrumStats.ofSymmetric(Nd4j.create(k, new long[] {n, n}, 'c'));
    // float64's floor n·ε = 1.8·10⁻¹⁵ keeps all eight: cond = 10¹², near where the RL kernels sit
    assertEquals(n, s.numericalRank());
    assertEquals(1e12, s.cond(), 1e-3 * 1e12);
    // the stated floor 10⁻⁶ λ_max keeps 1 … 3·10⁻⁶: cond_rel = 1 / 3·10⁻⁶, rank_rel = 5
    assertEquals(5, s.rankRel());
    assertEquals(1 / 3e-6, s.condRel(), 1e-6 / 3e-6);
    assertEquals(s.condRel(), s.metrics("plasticity/ntk_").get("plasticity/ntk_cond_rel"));
    assertEquals(5.0, s.metrics("plasticity/ntk_").get("plasticity/ntk_rank_rel"));
    // a floor above 10⁻⁶ (a float32 spectrum of a large batch) wins: 10⁻³ keeps 1, 0.3, 10⁻²
    SpectrumStats coarse = SpectrumStats.of(lambda, 1e-3);
    assertEquals(3, coarse.rankRel());
    assertEquals(100, coarse.condRel(), 1e-9);
    // a spectrum within six decades: cond_rel = cond
    SpectrumStats narrow = SpectrumStats.of(new double[] {4, 2, 1, 0.01}, SpectrumStats.relativeFloor(4,
        DataType.DOUBLE));
    assertEquals(400, narrow.condRel(), 1e-12);
    assertEquals(narrow.cond(), narrow.condRel());
    assertEquals(4, narrow.rankRel());
  }
}
