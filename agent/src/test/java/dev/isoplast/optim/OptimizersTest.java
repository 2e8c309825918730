package dev.isoplast.optim;

import dev.isoplast.testing.Float64Mode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.nn.Param;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Optimizer updates against the equations computed by hand in plain Java doubles. */
@ExtendWith(Float64Mode.class)
class OptimizersTest {


  /** A gradient for step t that does not depend on θ, so hand computation can use it directly. */
  private static double grad(int t, int i) {
    return Math.sin(1.3 * t + 0.7 * i) * (1 + i % 3) - 0.2;
  }

  private static void setGrads(List<Param> ps, int t) {
    int k = 0;
    for (Param p : ps) {
      double[] g = new double[(int) p.length()];
      for (int i = 0; i < g.length; i++) {
        g[i] = grad(t, k++);
      }
      p.grad().assign(org.nd4j.linalg.factory.Nd4j.createFromArray(g).reshape(p.value().shape()));
    }
  }

  private static double[] flat(List<Param> ps) {
    return ps.stream().flatMapToDouble(p -> java.util.Arrays.stream(p.value().dup().data().asDouble())).toArray();
  }

  /** The equations of DESIGN.md §6, scalar by scalar. decayMask[i] says whether entry i is decayed. */
  private static double[] handAdam(double[] theta, int steps, double lr, double b1, double b2, double eps,
      double decay, boolean[] decayMask) {
    double[] th = theta.clone();
    double[] m = new double[th.length];
    double[] v = new double[th.length];
    for (int t = 1; t <= steps; t++) {
      for (int i = 0; i < th.length; i++) {
        double g = grad(t, i);
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double mh = m[i] / (1 - Math.pow(b1, t));
        double vh = v[i] / (1 - Math.pow(b2, t));
        double wd = decayMask[i] ? decay * th[i] : 0;
        th[i] = th[i] - lr * (mh / (Math.sqrt(vh) + eps) + wd);
      }
    }
    return th;
  }

  private static boolean[] mask(List<Param> ps, ParamMask mask) {
    int n = ps.stream().mapToInt(p -> (int) p.length()).sum();
    boolean[] out = new boolean[n];
    int k = 0;
    for (Param p : ps) {
      for (int i = 0; i < p.length(); i++) {
        out[k++] = mask.test(p);
      }
    }
    return out;
  }

  @Test
  void adamThreeStepsEqualTheEquations() {
    List<Param> ps = Float64.params(1);
    double[] expected = handAdam(flat(ps), 3, 0.01, 0.9, 0.999, 1e-8, 0, mask(ps, ParamMask.none()));
    Adam adam = new Adam(ps, 0.01);
    for (int t = 1; t <= 3; t++) {
      setGrads(ps, t);
      adam.step();
    }
    assertArrayEquals(expected, flat(ps), 1e-14);
    assertEquals(3, adam.stepCount());
  }

  @Test
  void largeParametersTakeTheSameEquations() {
    SplittableRandom rng = new SplittableRandom(11);
    Param big = Float64.weight("body.0.W", rng, 370, 370);
    assertAdamThreeStepsEqualTheEquations(big, 1e-12);
    // AdamO on the same path, zero task gradient: θ₁ = θ₀ − η λ · 4 (W Wᵀ W − W)
    Param w = Float64.weight("body.0.W", rng, 150, 120);
    INDArray w0 = w.value().dup();
    INDArray expectedW = w0.sub(w0.mmul(w0.transpose()).mmul(w0).subi(w0).muli(4 * 0.02 * 0.3));
    new AdamO(List.of(w), 0.02, 0.3).step();
    assertArrayEquals(expectedW.data().asDouble(), w.value().data().asDouble(), 1e-12);
  }

  @Test
  void float32ParametersTakeTheChunkedFloatPassWithinFloatRounding() {
    // the float32 pass: same equations, float rounding of a few operations; 22,500 elements are
    // 21 whole chunks and a partial one
    SplittableRandom rng = new SplittableRandom(12);
    double[] init = new double[150 * 150];
    for (int i = 0; i < init.length; i++) {
      init[i] = rng.nextGaussian();
    }
    INDArray w32 = org.nd4j.linalg.factory.Nd4j.createFromArray(init).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
        .reshape(150, 150);
    Param big = new Param("body.0.W", Param.Role.WEIGHT, false, w32);
    assertTrue(big.length() % Adam.CHUNK != 0 && big.length() > Adam.CHUNK);
    assertAdamThreeStepsEqualTheEquations(big, 2e-6);
    // AdamO's isometry term fused into the float32 pass, zero task gradient:
    // θ₁ = θ₀ − η λ · 4 (W Wᵀ W − W), the reference in float64
    INDArray w0 = w32.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).muli(0.05);
    Param w = new Param("body.0.W", Param.Role.WEIGHT, false, w0.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
    INDArray expectedW = w0.sub(w0.mmul(w0.transpose()).mmul(w0).subi(w0).muli(4 * 0.02 * 0.3));
    new AdamO(List.of(w), 0.02, 0.3).step();
    double[] got = w.value().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble();
    assertArrayEquals(expectedW.data().asDouble(), got, 2e-7);
    assertTrue(Math.abs(got[0] - w0.getDouble(0)) > 1e-5, "the isometry term acted");
  }

  /**
   * A gradient that stops: Adam's moments decay by β each step and, unflushed, would enter the
   * subnormal range (after ~740 steps in float32 from 10⁻⁴, ~6,700 in float64); flushed below 2⁻¹⁰⁰
   * (2⁻⁹⁰⁰) every {@link Adam#flushEvery} steps they are always 0 or normal, and all reach 0. While
   * the moments are above the threshold they are the formula's, exactly as without the flush.
   */
  @Test
  void stoppedGradientsNeverLeaveSubnormalMoments() {
    assertEquals(64, Adam.flushInterval(0.9));
    assertEquals(26, Adam.flushInterval(0.5)); // 0.5^26 · 2^-100 = 2^-126, the smallest normal float
    assertEquals(1, Adam.flushInterval(0.0));
    for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
      int steps = type == DataType.FLOAT ? 1_000 : 7_000;
      double minNormal = type == DataType.FLOAT ? Float.MIN_NORMAL : Double.MIN_NORMAL;
      SplittableRandom rng = new SplittableRandom(3);
      double[] g0 = new double[2_500]; // two whole chunks and a part
      for (int i = 0; i < g0.length; i++) {
        g0[i] = 1e-3 * rng.nextGaussian();
      }
      Param p = new Param("body.0.W", Param.Role.WEIGHT, false,
          org.nd4j.linalg.factory.Nd4j.zeros(type, 50, 50).addi(1.0));
      Adam adam = new Adam(List.of(p), 1e-3);
      INDArray m = adam.slot(p, "m");
      INDArray v = adam.slot(p, "v");
      double m0 = 0;
      double v0 = 0;
      for (int t = 1; t <= steps; t++) {
        if (t == 1) {
          p.grad().assign(org.nd4j.linalg.factory.Nd4j.createFromArray(g0).reshape(50, 50).castTo(type));
        } else {
          p.grad().assign(0.0);
        }
        adam.step();
        double[] ms = m.castTo(DataType.DOUBLE).data().asDouble();
        double[] vs = v.castTo(DataType.DOUBLE).data().asDouble();
        for (int i = 0; i < ms.length; i++) {
          assertTrue(ms[i] == 0 || Math.abs(ms[i]) >= minNormal, type + " m[" + i + "] subnormal at step " + t);
          assertTrue(vs[i] == 0 || vs[i] >= minNormal, type + " v[" + i + "] subnormal at step " + t);
        }
        if (t == 1) {
          m0 = ms[7];
          v0 = vs[7];
        } else if (t == 100) { // far above the threshold: untouched, (1 - β1) g β1^99 as the formula says
          assertEquals(m0 * Math.pow(0.9, 99), ms[7], Math.abs(m0) * 1e-4);
          assertEquals(v0 * Math.pow(0.999, 99), vs[7], v0 * 1e-4);
        }
      }
      double[] ms = m.castTo(DataType.DOUBLE).data().asDouble();
      assertTrue(java.util.Arrays.stream(ms).allMatch(x -> x == 0), type + ": every first moment flushed to 0");
    }
  }

  /** Three Adam steps (η 0.01) on {@code p} against {@link #handAdam}. */
  private static void assertAdamThreeStepsEqualTheEquations(Param p, double tolerance) {
    List<Param> ps = List.of(p);
    double[] expected = handAdam(flat(ps), 3, 0.01, 0.9, 0.999, 1e-8, 0, mask(ps, ParamMask.none()));
    Adam adam = new Adam(ps, 0.01);
    for (int t = 1; t <= 3; t++) {
      setGrads(ps, t);
      adam.step();
    }
    assertArrayEquals(expected, flat(ps), tolerance);
  }

  /** Stand-alone copies of a network's parameters (not in a flat buffer): the per-parameter path. */
  private static List<Param> standAlone(List<Param> ps) {
    return ps.stream().map(p -> new Param(p.name(), p.role(), p.isHead(), p.value().dup())).toList();
  }

  @Test
  void aFlatSegmentTakesOneFusedUpdateEqualToThePerParameterOnes() {
    // a network in one flat buffer: 150 -> 120 (hidden, AdamO acts on it) -> 10 (head)
    java.util.function.Supplier<dev.isoplast.nn.Sequential> make = () -> new dev.isoplast.nn.Sequential("net", List.of(
        new dev.isoplast.nn.Dense("body.0", 150, 120, false, org.nd4j.linalg.api.buffer.DataType.DOUBLE),
        new dev.isoplast.nn.Dense("head", 120, 10, true, org.nd4j.linalg.api.buffer.DataType.DOUBLE)));
    List<Function<List<Param>, Optimizer>> kinds = List.of(
        ps -> new Adam(ps, 0.01),
        ps -> new AdamW(ps, 0.01, 0.1),
        ps -> new AdamO(ps, 0.01, 0.3),
        ps -> new AdamO(ps, 0.01, 0.9, 0.999, 1e-8, 0.3, null, ParamMask.hiddenWeights(), new IsometryStep(1, 4), 5L));
    for (Function<List<Param>, Optimizer> kind : kinds) {
      dev.isoplast.nn.Sequential net = make.get();
      SplittableRandom rng = new SplittableRandom(21);
      for (Param p : net.params()) {
        p.value().assign(Float64.gaussian(rng, 0.1, 1, p.length()).reshape(p.value().shape()));
      }
      List<Param> flat = net.params();
      List<Param> alone = standAlone(flat);
      assertTrue(flat.get(0).flat() != null && alone.get(0).flat() == null);
      Optimizer a = kind.apply(flat);
      Optimizer b = kind.apply(alone);
      for (int t = 1; t <= 3; t++) {
        setGrads(flat, t);
        setGrads(alone, t);
        a.step();
        b.step();
      }
      assertArrayEquals(flat(alone), flat(flat), 1e-12, a.kind());
      assertArrayEquals(b.slot(alone.get(0), "v").dup().data().asDouble(), a.slot(flat.get(0), "v").dup().data()
          .asDouble(), 1e-15, a.kind() + " moments");
      // the slots are views of the segment's flat slot: zeroing a row of one reaches the buffer
      a.slot(flat.get(0), "m").getRow(3).assign(0);
      assertEquals(0.0, a.state().slots().get("body.0.W/m").getRow(3).norm2Number().doubleValue(), 0);
      // a checkpoint of the flat optimizer restores into a per-parameter one and back
      Optimizer c = kind.apply(standAlone(flat));
      c.restore(a.snapshot());
      assertEquals(a.state().slots().get("head.W/v"), c.state().slots().get("head.W/v"));
    }
  }

  @Test
  void adamWThreeStepsEqualTheEquationsAndSkipBiases() {
    List<Param> ps = Float64.params(2);
    double[] before = flat(ps);
    double[] expected = handAdam(before, 3, 0.05, 0.9, 0.99, 1e-6, 0.1, mask(ps, ParamMask.weights()));
    AdamW adamw = new AdamW(ps, 0.05, 0.9, 0.99, 1e-6, 0.1, ParamMask.weights());
    for (int t = 1; t <= 3; t++) {
      setGrads(ps, t);
      adamw.step();
    }
    assertArrayEquals(expected, flat(ps), 1e-14);
    // the decay really acted: plain Adam ends elsewhere
    double[] adamOnly = handAdam(before, 3, 0.05, 0.9, 0.99, 1e-6, 0, mask(ps, ParamMask.none()));
    assertTrue(Math.abs(adamOnly[0] - flat(ps)[0]) > 1e-6);
  }

  @Test
  void sgdWithMomentumEqualsTheEquations() {
    List<Param> ps = Float64.params(3);
    double[] th = flat(ps);
    double[] b = new double[th.length];
    for (int t = 1; t <= 3; t++) {
      for (int i = 0; i < th.length; i++) {
        b[i] = 0.9 * b[i] + grad(t, i);
        th[i] -= 0.1 * b[i];
      }
    }
    Sgd sgd = new Sgd(ps, 0.1, 0.9);
    for (int t = 1; t <= 3; t++) {
      setGrads(ps, t);
      sgd.step();
    }
    assertArrayEquals(th, flat(ps), 1e-14);
  }

  @Test
  void adamOWithZeroLambdaIsAdamBitForBit() {
    assertStepsLikeAdam(o -> new AdamO(o, 3e-3, 0.0), 100, "AdamO(lambda 0)");
  }

  /**
   * Runs Adam (lr 3e-3) and {@code other} side by side for {@code steps} steps on the same
   * θ-dependent gradients, g = θ³ − 0.5 θ + cos(t), as in training, and asserts equal parameters to the bit.
   */
  static void assertStepsLikeAdam(Function<List<Param>, Optimizer> other, int steps, String what) {
    List<Param> a = Float64.params(4);
    List<Param> o = Float64.params(4);
    Adam adam = new Adam(a, 3e-3);
    Optimizer opt = other.apply(o);
    for (int t = 0; t < steps; t++) {
      for (List<Param> ps : List.of(a, o)) {
        for (Param p : ps) {
          INDArray th = p.value();
          p.grad().assign(th.mul(th).muli(th).subi(th.mul(0.5)).addi(Math.cos(t)));
        }
      }
      adam.step();
      opt.step();
    }
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).value().data().asDouble(), o.get(i).value().data().asDouble(), 0.0,
          what + ": " + a.get(i).name() + " differs");
    }
  }


  @Test
  void adamOWithZeroTaskGradientDrivesWeightsToIsometry() {
    SplittableRandom rng = new SplittableRandom(5);
    for (long[] shape : new long[][] {{64, 32}, {32, 64}}) {
      Param w = Float64.weight("body.0.W", rng, shape[0], shape[1]);
      IsometryPenalty gap = new IsometryPenalty(IsometryPenalty.Gram.AUTO, 1.0);
      double start = gap.distance(w.value());
      AdamO adamo = new AdamO(List.of(w), 1e-2, 1.0);
      int steps = 0;
      while (gap.distance(w.value()) >= 1e-3 && steps < 5000) {
        w.zeroGrad();
        adamo.step();
        steps++;
      }
      double end = gap.distance(w.value());
      assertTrue(end < 1e-3, shape[0] + "x" + shape[1] + ": ‖G − I‖_F went from " + start + " to " + end);
      assertTrue(start > 1, "a random matrix starts far from isometry: " + start);
    }
  }

  @Test
  void adamOIsometryStepNeverEntersTheMoments() {
    List<Param> a = Float64.params(6);
    List<Param> o = Float64.params(6);
    Adam adam = new Adam(a, 1e-2);
    AdamO adamo = new AdamO(o, 1e-2, 0.5);
    for (int t = 1; t <= 20; t++) {
      setGrads(a, t);
      setGrads(o, t);
      adam.step();
      adamo.step();
    }
    Param hiddenA = a.get(0);
    Param hiddenO = o.get(0);
    assertTrue(hiddenO.isHiddenWeight());
    for (String slot : new String[] {"m", "v"}) {
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(adam.slot(a.get(i), slot).data().asDouble(), adamo.slot(o.get(i), slot).data().asDouble(),
            0.0, "moment " + slot + " of " + a.get(i).name() + " must come from the task gradient only");
      }
    }
    assertNotEquals(hiddenA.value().getDouble(0), hiddenO.value().getDouble(0), "the isometry stage did act");
    // heads and biases are masked out by default: they follow Adam exactly
    assertArrayEquals(a.get(3).value().data().asDouble(), o.get(3).value().data().asDouble(), 0.0);
    assertArrayEquals(a.get(1).value().data().asDouble(), o.get(1).value().data().asDouble(), 0.0);
  }

  @Test
  void adamOIsoRateFollowsTheLearningRateUnlessFixed() {
    SplittableRandom rng = new SplittableRandom(7);
    Param w1 = Float64.weight("body.0.W", rng, 5, 3);
    Param w2 = new Param("body.0.W", Param.Role.WEIGHT, false, w1.value().dup());
    Param w3 = new Param("body.0.W", Param.Role.WEIGHT, false, w1.value().dup());
    IsometryPenalty pen = new IsometryPenalty(IsometryPenalty.Gram.AUTO, 1.0);
    INDArray g = w1.value().ulike();
    pen.gradient(w1.value(), g, 1.0, 0.0);
    AdamO follows = new AdamO(List.of(w2), 0.02, 0.9, 0.999, 1e-8, 0.3, null, ParamMask.hiddenWeights());
    AdamO fixed = new AdamO(List.of(w3), 0.02, 0.9, 0.999, 1e-8, 0.3, 0.5, ParamMask.hiddenWeights());
    follows.step();
    fixed.step();
    // zero task gradient: θ₁ = θ₀ − η_iso λ ∇R(θ₀)
    assertArrayEquals(w1.value().sub(g.mul(0.02 * 0.3)).data().asDouble(), w2.value().data().asDouble(), 1e-14);
    assertArrayEquals(w1.value().sub(g.mul(0.5 * 0.3)).data().asDouble(), w3.value().data().asDouble(), 1e-14);
  }

  @Test
  void stateRestoresExactly() {
    List<Param> a = Float64.params(8);
    AdamO opt = new AdamO(a, 1e-2, 0.1);
    for (int t = 1; t <= 5; t++) {
      setGrads(a, t);
      opt.step();
    }
    OptimizerState saved = opt.state();
    List<Param> b = Float64.params(8);
    for (int i = 0; i < a.size(); i++) {
      b.get(i).value().assign(a.get(i).value());
    }
    AdamO resumed = new AdamO(b, 99, 0.1);
    resumed.restore(saved);
    assertEquals(5, resumed.stepCount());
    for (int t = 6; t <= 9; t++) {
      setGrads(a, t);
      setGrads(b, t);
      opt.step();
      resumed.step();
    }
    assertArrayEquals(flat(a), flat(b), 0.0);
    assertThrows(IllegalArgumentException.class, () -> new Adam(b, 1e-3).restore(saved));
  }

  /**
   * An optimizer with state that belongs to no parameter: SGD scaled by 1/√(1 + G), G the sum of
   * the squared global gradient norms so far (AdaGrad-Norm), G a scalar kept in {@code extraState}.
   */
  static final class NormScaledSgd extends Optimizer {
    private double sumSq;

    NormScaledSgd(List<Param> params, double lr) {
      super(params, lr);
    }

    @Override
    public String kind() {
      return "norm_scaled_sgd";
    }

    @Override
    protected void beforeUpdates(long t, double lr) {
      for (Param p : params()) {
        sumSq += p.grad().norm2Number().doubleValue() * p.grad().norm2Number().doubleValue();
      }
    }

    @Override
    protected void update(Param p, java.util.Map<String, INDArray> slots, long t, double lr) {
      axpy(-lr / Math.sqrt(1 + sumSq), p.grad(), p.value());
    }

    @Override
    protected dev.isoplast.config.Snapshot extraState() {
      return new dev.isoplast.config.Snapshot().put("sum_sq", sumSq);
    }

    @Override
    protected void restoreExtra(dev.isoplast.config.Snapshot extra) {
      sumSq = extra.getDouble("sum_sq");
    }
  }

  @Test
  void extraStateGoesIntoTheCheckpointAndRestoresExactly() {
    List<Param> a = Float64.params(9);
    NormScaledSgd opt = new NormScaledSgd(a, 0.1);
    double g2 = 0;
    for (int t = 1; t <= 4; t++) {
      setGrads(a, t);
      for (Param p : a) {
        g2 += p.grad().norm2Number().doubleValue() * p.grad().norm2Number().doubleValue();
      }
      opt.step();
    }
    OptimizerState saved = opt.state();
    assertEquals(g2, saved.extra().getDouble("sum_sq"), 1e-12 * g2, "the hand-summed G");
    // through a checkpoint's bytes into a fresh optimizer over copies of the parameters
    dev.isoplast.config.Snapshot bytes = dev.isoplast.config.Snapshot.fromBytes(opt.snapshot().toBytes());
    List<Param> b = Float64.params(9);
    for (int i = 0; i < a.size(); i++) {
      b.get(i).value().assign(a.get(i).value());
    }
    NormScaledSgd resumed = new NormScaledSgd(b, 0.1);
    resumed.restore(bytes);
    for (int t = 5; t <= 7; t++) {
      setGrads(a, t);
      setGrads(b, t);
      opt.step();
      resumed.step();
    }
    assertArrayEquals(flat(a), flat(b), 0.0);
    // the state is a copy: later steps do not change it
    assertEquals(g2, saved.extra().getDouble("sum_sq"), 1e-12 * g2);
    // an optimizer without extra state writes none, and a checkpoint written before extra existed restores
    Adam adam = new Adam(Float64.params(9), 1e-3);
    assertTrue(!adam.snapshot().has("extra"));
    adam.restore(adam.snapshot());
    assertTrue(adam.state().extra().keys().isEmpty());
  }

  /** Adam's step applied to a slot of its own instead of θ: the slot accumulates Adam's displacement. */
  static final class AdamOnASlot extends Adam {
    AdamOnASlot(List<Param> params, double lr) {
      super(params, lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, "d");
    }

    @Override
    protected void update(Param p, java.util.Map<String, INDArray> slots, long t, double lr) {
      adamStep(slots.get("d"), p.grad(), slots.get("m"), slots.get("v"), t, lr);
    }

    @Override
    protected void updateSegment(Segment segment, long t, double lr) {
      for (Param p : segment.run().params()) {
        update(p, slots(p), t, lr);
      }
    }
  }

  @Test
  void adamsStepOnAnArrayOfItsOwnIsTheDisplacementOfAdam() {
    List<Param> a = Float64.params(10);
    List<Param> b = Float64.params(10);
    Adam adam = new Adam(a, 0.05);
    AdamOnASlot onSlot = new AdamOnASlot(b, 0.05);
    assertEquals(List.of("m", "v", "d"), List.copyOf(onSlot.slots(b.get(0)).keySet()));
    double[] theta0 = flat(b);
    for (int t = 1; t <= 4; t++) {
      setGrads(a, t);
      setGrads(b, t);
      adam.step();
      onSlot.step();
    }
    assertArrayEquals(theta0, flat(b), 0.0, "θ untouched");
    double[] moved = flat(a);
    int k = 0;
    for (Param p : b) {
      double[] d = onSlot.slot(p, "d").dup().data().asDouble();
      double[] m = onSlot.slot(p, "m").dup().data().asDouble();
      double[] mAdam = adam.slot(a.get(b.indexOf(p)), "m").dup().data().asDouble();
      assertArrayEquals(mAdam, m, 0.0, "the same moments");
      for (double di : d) {
        assertEquals(moved[k] - theta0[k], di, 1e-15, p.name());
        k++;
      }
    }
  }

  @Test
  void gradClipScalesToTheMaxNormAsTorchDoes() {
    List<Param> ps = Float64.params(9);
    setGrads(ps, 1);
    double sq = 0;
    for (Param p : ps) {
      for (double g : p.grad().data().asDouble()) {
        sq += g * g;
      }
    }
    double norm = Math.sqrt(sq);
    double[] before = ps.get(0).grad().dup().data().asDouble();
    assertEquals(norm, GradClip.clipGlobalNorm(ps, 0.5), 1e-12);
    double coef = 0.5 / (norm + 1e-6);
    for (int i = 0; i < before.length; i++) {
      assertEquals(before[i] * coef, ps.get(0).grad().data().asDouble()[i], 1e-14);
    }
    double after = GradClip.clipGlobalNorm(ps, 10.0);
    assertEquals(0.5, after, 1e-5);
  }

  @Test
  void schedulesAndValidation() {
    Schedule lin = Schedule.linear(2.5e-4, 0);
    assertEquals(2.5e-4, lin.value(0), 0);
    assertEquals(1.25e-4, lin.value(0.5), 1e-18);
    assertEquals(0, lin.value(1), 0);
    assertEquals(1e-3, Schedule.named("constant", 1e-3).value(0.7), 0);
    assertThrows(IllegalArgumentException.class, () -> Schedule.named("cosine", 1));
    assertThrows(IllegalArgumentException.class, () -> new Adam(Float64.params(1), -1));
    assertThrows(IllegalArgumentException.class, () -> new Adam(Float64.params(1), 1e-3, 1.0, 0.999, 1e-8));
  }
}
