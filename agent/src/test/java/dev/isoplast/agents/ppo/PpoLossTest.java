package dev.isoplast.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.dist.Categorical;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** PPO's loss terms on fixed small inputs against hand arithmetic. */
class PpoLossTest {

  private static final double EPS = 1e-12;

  // ratios 1.5, 0.5, 1.1, 0.5, 1.5 (old log-prob 0, new = log ratio); clip ε = 0.2
  private static final double[] RATIOS = {1.5, 0.5, 1.1, 0.5, 1.5};
  private static final double[] ADV = {1, -2, 3, 2, -1};

  private static double[] logs(double[] r) {
    double[] l = new double[r.length];
    for (int i = 0; i < r.length; i++) {
      l[i] = Math.log(r[i]);
    }
    return l;
  }

  @Test
  void clippedSurrogateOnBothSides() {
    double[] newLp = logs(RATIOS);
    double[] oldLp = new double[5];
    double[] ratio = new double[5];
    double[] grad = new double[5];
    double loss = PpoLoss.policyLoss(newLp, oldLp, ADV, 0.2, ratio, grad);
    // per sample max(−A·r, −A·clip(r, 0.8, 1.2)):
    //  0: A=+1, r=1.5: max(−1.5, −1.2) = −1.2  (clipped above: no gradient)
    //  1: A=−2, r=0.5: max(1.0, 1.6)   =  1.6  (clipped below: no gradient)
    //  2: A=+3, r=1.1: max(−3.3, −3.3) = −3.3  (inside: d/dlogπ = −A·r = −3.3)
    //  3: A=+2, r=0.5: max(−1.0, −1.6) = −1.0  (below the range but unclipped wins: −A·r = −1.0)
    //  4: A=−1, r=1.5: max(1.5, 1.2)   =  1.5  (above the range, unclipped wins: −A·r = 1.5)
    assertEquals((-1.2 + 1.6 - 3.3 - 1.0 + 1.5) / 5, loss, EPS);
    assertArrayEquals(new double[] {0, 0, -3.3 / 5, -1.0 / 5, 1.5 / 5}, grad, 1e-12);
    assertArrayEquals(RATIOS, ratio, 1e-12);
  }

  @Test
  void surrogateGradientMatchesFiniteDifferences() {
    double[] newLp = {0.1, -0.3, 0.05, 0.4, -0.02};
    double[] oldLp = new double[5];
    double[] grad = new double[5];
    PpoLoss.policyLoss(newLp, oldLp, ADV, 0.2, null, grad);
    double h = 1e-6;
    for (int i = 0; i < 5; i++) {
      double[] p = newLp.clone();
      double[] m = newLp.clone();
      p[i] += h;
      m[i] -= h;
      double fd = (PpoLoss.policyLoss(p, oldLp, ADV, 0.2, null, null)
          - PpoLoss.policyLoss(m, oldLp, ADV, 0.2, null, null)) / (2 * h);
      assertEquals(fd, grad[i], 1e-7, "sample " + i);
    }
  }

  @Test
  void clippedValueLoss() {
    double[] v = {1.0, 1.0, 0.6};
    double[] old = {0.5, 0.5, 0.5};
    double[] ret = {2.0, 0.0, 1.0};
    double[] grad = new double[3];
    double loss = PpoLoss.valueLoss(v, old, ret, 0.2, true, grad);
    //  0: unclipped (1 − 2)² = 1, clipped (0.5 + 0.2 − 2)² = 1.69 → 1.69, no gradient (clamp saturated)
    //  1: unclipped (1 − 0)² = 1, clipped (0.7 − 0)² = 0.49 → 1, d/dV = 2·(1 − 0) = 2
    //  2: inside the clip range, both (0.6 − 1)² = 0.16, d/dV = 2·(0.6 − 1) = −0.8
    assertEquals(0.5 * (1.69 + 1 + 0.16) / 3, loss, EPS);
    assertArrayEquals(new double[] {0, 0.5 * 2 / 3, 0.5 * -0.8 / 3}, grad, 1e-12);
  }

  @Test
  void unclippedValueLoss() {
    double[] v = {1.0, 1.0, 0.6};
    double[] ret = {2.0, 0.0, 1.0};
    double[] grad = new double[3];
    double loss = PpoLoss.valueLoss(v, new double[3], ret, 0.2, false, grad);
    assertEquals(0.5 * (1 + 1 + 0.16) / 3, loss, EPS);
    assertArrayEquals(new double[] {0.5 * -2 / 3, 0.5 * 2 / 3, 0.5 * -0.8 / 3}, grad, 1e-12);
  }

  @Test
  void approxKlAndClipFraction() {
    double[] newLp = logs(RATIOS);
    double[] oldLp = new double[5];
    // ((r − 1) − log r) summed: 2·(0.5 − log 1.5) + 2·(−0.5 − log 0.5) + (0.1 − log 1.1)
    double k3 = (2 * (0.5 - Math.log(1.5)) + 2 * (-0.5 - Math.log(0.5)) + (0.1 - Math.log(1.1))) / 5;
    assertEquals(k3, PpoLoss.approxKl(newLp, oldLp), 1e-12);
    double k1 = -(2 * Math.log(1.5) + 2 * Math.log(0.5) + Math.log(1.1)) / 5;
    assertEquals(k1, PpoLoss.oldApproxKl(newLp, oldLp), 1e-12);
    // |r − 1| > 0.2 for 1.5, 0.5, 0.5, 1.5 but not 1.1
    assertEquals(0.8, PpoLoss.clipFraction(RATIOS, 0.2), EPS);
    assertTrue(PpoLoss.approxKl(new double[] {0.3}, new double[] {0.3}) == 0);
  }

  @Test
  void entropyTermAndItsGradient() {
    // logits [0, log 3] → p = (1/4, 3/4); [0, 0, 0, 0] → uniform over 4
    INDArray logits = Nd4j.createFromArray(new double[][] {{0, Math.log(3), 0, 0}, {0, 0, 0, 0}});
    logits.putScalar(0, 2, -1e9);
    logits.putScalar(0, 3, -1e9);
    Categorical dist = Categorical.fromLogits(logits);
    double h0 = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
    double h1 = Math.log(4);
    double[] h = dist.entropy((double[]) null);
    assertEquals((h0 + h1) / 2, PpoLoss.meanEntropy(h), 1e-9);
    // loss term −ent_coef · mean(H): dL/dH_b = −c/M; dH/dz_j = −p_j (log p_j + H)
    double c = 0.01;
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 2, 4);
    dist.backward(null, (int[]) null, new double[] {-c / 2, -c / 2}, g);
    double expected00 = (-c / 2) * -0.25 * (Math.log(0.25) + h0);
    double expected01 = (-c / 2) * -0.75 * (Math.log(0.75) + h0);
    assertEquals(expected00, g.getDouble(0, 0), 1e-12);
    assertEquals(expected01, g.getDouble(0, 1), 1e-12);
    // a uniform distribution is a maximum of the entropy: zero gradient
    for (int j = 0; j < 4; j++) {
      assertEquals(0, g.getDouble(1, j), 1e-12);
    }
  }

  @Test
  void advantageNormalisationUsesTheUnbiasedStd() {
    double[] a = {1, 2, 3, 4};
    PpoLoss.normalizeAdvantages(a);
    double std = Math.sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3); // n − 1 = 3
    assertArrayEquals(new double[] {-1.5 / (std + 1e-8), -0.5 / (std + 1e-8), 0.5 / (std + 1e-8),
        1.5 / (std + 1e-8)}, a, 1e-12);
  }

  @Test
  void explainedVariance() {
    // Var(y) = 2/3; y − ŷ = (0, 0, −1): Var = 2/9 → 1 − (2/9)/(2/3) = 2/3
    assertEquals(2.0 / 3, PpoLoss.explainedVariance(new double[] {1, 2, 4}, new double[] {1, 2, 3}), 1e-12);
    assertTrue(Double.isNaN(PpoLoss.explainedVariance(new double[] {1, 2}, new double[] {3, 3})));
  }
}
