package dev.isoplast.nn;

import java.util.Arrays;
import java.util.Locale;
import java.util.random.RandomGenerator;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a Dense or {@link Conv2D} layer's parameters are initialised: a scheme and a gain. Every draw comes from an
 * explicit {@link RandomGenerator} seeded from the run seed, never from ND4J's global RNG, so one
 * seed fixes the initial network. Weights are drawn row by row, then biases.
 *
 * <ul>
 *   <li>{@code orthogonal} (Saxe, McClelland &amp; Ganguli 2014): W = gain · Q where Q comes from the
 *       QR decomposition of a Gaussian matrix, with each column of Q multiplied by the sign of the
 *       matching diagonal entry of R so that Q is Haar-distributed (Mezzadri 2007). For out ≥ in the
 *       columns are orthonormal (WᵀW = gain² I), for out &lt; in the rows are (WWᵀ = gain² I). As
 *       {@code torch.nn.init.orthogonal_}. Biases zero (CleanRL's {@code layer_init}).
 *   <li>{@code kaiming_uniform} (He et al. 2015): U(±gain·√(3/fan_in)); with the ReLU gain √2 this
 *       is U(±√(6/fan_in)), as {@code torch.nn.init.kaiming_uniform_} with a = 0. Biases zero.
 *   <li>{@code xavier_uniform} (Glorot &amp; Bengio 2010): U(±gain·√(6/(fan_in + fan_out))).
 *       Biases zero.
 *   <li>{@code torch_default}: PyTorch's {@code nn.Linear} default, weights and biases
 *       U(±1/√fan_in) (kaiming_uniform with a = √5); it takes no gain.
 *   <li>{@code delta_orthogonal} (Xiao et al. 2018, "Dynamical Isometry and a Mean Field Theory of
 *       CNNs", Algorithm 2): a conv kernel that is zero at every tap but the centre one
 *       ({@code ⌊k/2⌋, ⌊k/2⌋}), which is an orthogonal [out, in-channels] matrix times the gain
 *       (drawn as {@code orthogonal}). Each output pixel is then Q times the input pixel under it,
 *       so for out ≥ in channels, stride 1 and {@code same} padding the whole convolution is an
 *       isometry (times the gain) at init. A Dense layer is a 1 × 1 kernel: there it is
 *       {@code orthogonal}. Biases zero.
 * </ul>
 *
 * Here fan_in = in and fan_out = out for a weight of shape [out, in]; a conv kernel is drawn as
 * its matricisation [out, C·k·k] (as {@code torch.nn.init} does: fan_in = C·k·k; Xavier's fan_out
 * is taken as out, where PyTorch's is out·k·k).
 */
public record Init(Scheme scheme, double gain) {

  /** The initialisation schemes, with their names in configs. */
  public enum Scheme {
    ORTHOGONAL,
    KAIMING_UNIFORM,
    XAVIER_UNIFORM,
    TORCH_DEFAULT,
    DELTA_ORTHOGONAL;

    /** The name used in configs, e.g. {@code kaiming_uniform}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Scheme fromName(String name) {
      for (Scheme s : values()) {
        if (s.configName().equals(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException("init must be one of "
          + Arrays.stream(values()).map(Scheme::configName).toList() + ", got '" + name + "'");
    }
  }

  public Init {
    if (scheme == null) {
      throw new IllegalArgumentException("init scheme must be given");
    }
    if (!(gain >= 0) || Double.isInfinite(gain)) {
      throw new IllegalArgumentException("init gain must be finite and >= 0, got " + gain);
    }
    if (scheme == Scheme.TORCH_DEFAULT && gain != 1.0) {
      throw new IllegalArgumentException("torch_default init is U(±1/√fan_in) and takes no gain; got gain " + gain);
    }
  }

  /** The ReLU gain √2 of {@code torch.nn.init.calculate_gain('relu')}, also CleanRL's hidden-layer gain. */
  public static final double RELU_GAIN = Math.sqrt(2.0);

  public static Init orthogonal(double gain) {
    return new Init(Scheme.ORTHOGONAL, gain);
  }

  public static Init kaimingUniform(double gain) {
    return new Init(Scheme.KAIMING_UNIFORM, gain);
  }

  public static Init xavierUniform(double gain) {
    return new Init(Scheme.XAVIER_UNIFORM, gain);
  }

  public static Init deltaOrthogonal(double gain) {
    return new Init(Scheme.DELTA_ORTHOGONAL, gain);
  }

  public static Init torchDefault() {
    return new Init(Scheme.TORCH_DEFAULT, 1.0);
  }

  /**
   * The gain a scheme gets when a config names it without {@code init_gain} and it is not the
   * learner's default scheme: 1 for torch_default (it takes none), else the ReLU gain √2 (every
   * learner's default gain today: CleanRL's {@code layer_init}, the paper net, Dohare's regression).
   */
  public static double defaultGain(Scheme scheme) {
    return scheme == Scheme.TORCH_DEFAULT ? 1.0 : RELU_GAIN;
  }

  /** Fills {@code dense}'s weight and bias in place (weights first, row by row, then biases). */
  public void apply(Dense dense, RandomGenerator rng) {
    int out = dense.outSize();
    int in = dense.inSize();
    fill(weights(out, in, rng), dense.weight().value());
    HostArrays.fromDoubles(biases(out, in, rng), dense.bias().value());
    dense.initializedBy(this);
  }

  /**
   * Fills {@code conv}'s kernel [out, C·k·k] and bias in place: {@link #deltaOrthogonalKernel} for
   * delta_orthogonal, else the matricised kernel as a Dense weight of fan_in C·k·k.
   */
  public void apply(Conv2D conv, RandomGenerator rng) {
    fill(weights(conv, rng), conv.weight().value());
    HostArrays.fromDoubles(biases(conv.outChannels(), conv.fanIn(), rng), conv.bias().value());
    conv.initializedBy(this);
  }

  /** {@link #apply(Dense, RandomGenerator)} or {@link #apply(Conv2D, RandomGenerator)}, by kind. */
  public void apply(AffineLayer layer, RandomGenerator rng) {
    if (layer instanceof Conv2D conv) {
      apply(conv, rng);
    } else {
      apply((Dense) layer, rng);
    }
  }

  /**
   * Fresh weights {@code [units][fanIn]} of {@code layer}'s shape, as {@link #apply} draws them: for
   * a Conv2D its matricised kernel, {@link #deltaOrthogonalKernel} for delta_orthogonal, else
   * {@link #weights(int, int, RandomGenerator)} with fan_in C·k·k; for a Dense {@link #weights(int,
   * int, RandomGenerator)}.
   */
  public double[][] weights(AffineLayer layer, RandomGenerator rng) {
    if (layer instanceof Conv2D conv && scheme == Scheme.DELTA_ORTHOGONAL) {
      return deltaOrthogonalKernel(conv.outChannels(), conv.inChannels(), conv.kernel(), gain, rng);
    }
    return weights(layer.units(), layer.fanIn(), rng);
  }

  /**
   * One fresh row {@code [fanIn]} of {@code layer}'s weight, one unit's incoming weights (a Conv2D's
   * output channel's kernel), distributed as a row of {@link #weights(AffineLayer, RandomGenerator)}:
   * {@link #row(int, int, RandomGenerator)}, except for a delta_orthogonal Conv2D, where it is a row
   * of the centre tap's [out, C] matrix at the centre tap and zeros elsewhere. Re-initialising a unit
   * (ReDo, Continual Backprop) draws it this way.
   */
  public double[] row(AffineLayer layer, RandomGenerator rng) {
    if (!(layer instanceof Conv2D conv && scheme == Scheme.DELTA_ORTHOGONAL)) {
      return row(layer.units(), layer.fanIn(), rng);
    }
    int k = conv.kernel();
    double[] centre = row(conv.outChannels(), conv.inChannels(), rng);
    double[] r = new double[conv.fanIn()];
    for (int c = 0; c < conv.inChannels(); c++) {
      r[(c * k + k / 2) * k + k / 2] = centre[c];
    }
    return r;
  }

  private static void fill(double[][] w, INDArray dst) {
    int cols = w[0].length;
    double[] flat = new double[w.length * cols];
    for (int i = 0; i < w.length; i++) {
      System.arraycopy(w[i], 0, flat, i * cols, cols);
    }
    HostArrays.fromDoubles(flat, dst);
  }

  /**
   * A delta-orthogonal kernel as its matricisation [out][in·k·k] in (c, u, v) order (Xiao et al.
   * 2018): zero except the centre tap (u = v = ⌊k/2⌋), which holds {@code orthogonal(out, in, gain)}.
   */
  public static double[][] deltaOrthogonalKernel(int out, int in, int kernel, double gain, RandomGenerator rng) {
    double[][] centre = orthogonal(out, in, gain, rng);
    int c = kernel / 2;
    double[][] w = new double[out][in * kernel * kernel];
    for (int o = 0; o < out; o++) {
      for (int ch = 0; ch < in; ch++) {
        w[o][(ch * kernel + c) * kernel + c] = centre[o][ch];
      }
    }
    return w;
  }

  /**
   * One fresh row of weights {@code [in]} of an {@code [out, in]} matrix of this scheme, distributed
   * as any single row of {@link #weights}: independent draws for the uniform schemes; for
   * orthogonal, gain times the first {@code in} coordinates of a uniform unit vector in
   * R^max(out, in) (a row of a Haar matrix with orthonormal columns is such a truncation; with
   * orthonormal rows, out ≤ in, it is a whole unit vector). Re-initialising a unit (ReDo, Continual
   * Backprop) draws its incoming weights this way, without drawing a whole matrix.
   */
  public double[] row(int out, int in, RandomGenerator rng) {
    return switch (scheme) {
      case ORTHOGONAL, DELTA_ORTHOGONAL -> {
        int m = Math.max(out, in);
        double[] g = new double[m];
        double sq = 0;
        for (int j = 0; j < m; j++) {
          g[j] = rng.nextGaussian();
          sq += g[j] * g[j];
        }
        double scale = gain / Math.sqrt(sq);
        double[] r = new double[in];
        for (int j = 0; j < in; j++) {
          r[j] = scale * g[j];
        }
        yield r;
      }
      case KAIMING_UNIFORM -> uniform(1, in, kaimingUniformBound(in, gain), rng)[0];
      case XAVIER_UNIFORM -> uniform(1, in, xavierUniformBound(in, out, gain), rng)[0];
      case TORCH_DEFAULT -> uniform(1, in, torchDefaultBound(in), rng)[0];
    };
  }

  /** A weight matrix [out][in] of this scheme. */
  public double[][] weights(int out, int in, RandomGenerator rng) {
    return switch (scheme) {
      case ORTHOGONAL, DELTA_ORTHOGONAL -> orthogonal(out, in, gain, rng); // a Dense is a 1×1 kernel
      case KAIMING_UNIFORM -> uniform(out, in, kaimingUniformBound(in, gain), rng);
      case XAVIER_UNIFORM -> uniform(out, in, xavierUniformBound(in, out, gain), rng);
      case TORCH_DEFAULT -> uniform(out, in, torchDefaultBound(in), rng);
    };
  }

  /** A bias vector [out] of this scheme: zeros, except U(±1/√fan_in) for torch_default. */
  public double[] biases(int out, int in, RandomGenerator rng) {
    double[] b = new double[out];
    if (scheme == Scheme.TORCH_DEFAULT) {
      double bound = torchDefaultBound(in);
      for (int i = 0; i < out; i++) {
        b[i] = bound * (2 * rng.nextDouble() - 1);
      }
    }
    return b;
  }

  /** A [rows][cols] matrix of independent draws from U(−bound, bound), row by row. */
  public static double[][] uniform(int rows, int cols, double bound, RandomGenerator rng) {
    double[][] w = new double[rows][cols];
    for (double[] row : w) {
      for (int j = 0; j < cols; j++) {
        row[j] = bound * (2 * rng.nextDouble() - 1);
      }
    }
    return w;
  }

  /** He et al. (2015), uniform form: gain·√3/√fan_in (the standard deviation gain/√fan_in times √3). */
  public static double kaimingUniformBound(int fanIn, double gain) {
    return gain * Math.sqrt(3.0 / fanIn);
  }

  /** Glorot &amp; Bengio (2010): gain·√(6/(fan_in + fan_out)). */
  public static double xavierUniformBound(int fanIn, int fanOut, double gain) {
    return gain * Math.sqrt(6.0 / (fanIn + fanOut));
  }

  /** PyTorch's nn.Linear default: 1/√fan_in. */
  public static double torchDefaultBound(int fanIn) {
    return 1.0 / Math.sqrt(fanIn);
  }

  /**
   * A [rows][cols] matrix with orthonormal columns (rows ≥ cols) or rows (rows &lt; cols), times
   * {@code gain}: QR of a max×min standard Gaussian matrix, Q's first min columns sign-corrected by
   * sign(diag R), transposed when rows &lt; cols.
   */
  public static double[][] orthogonal(int rows, int cols, double gain, RandomGenerator rng) {
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException("orthogonal init needs positive sizes, got " + rows + "×" + cols);
    }
    int m = Math.max(rows, cols);
    int k = Math.min(rows, cols);
    double[][] a = new double[m][k];
    for (double[] row : a) {
      for (int j = 0; j < k; j++) {
        row[j] = rng.nextGaussian();
      }
    }
    QRDecomposition qr = new QRDecomposition(new Array2DRowRealMatrix(a, false));
    RealMatrix q = qr.getQ();
    RealMatrix r = qr.getR();
    double[][] w = new double[rows][cols];
    for (int j = 0; j < k; j++) {
      double sign = r.getEntry(j, j) < 0 ? -1.0 : 1.0;
      for (int i = 0; i < m; i++) {
        double v = gain * sign * q.getEntry(i, j);
        if (rows >= cols) {
          w[i][j] = v;
        } else {
          w[j][i] = v;
        }
      }
    }
    return w;
  }

  @Override
  public String toString() {
    return scheme.configName() + (scheme == Scheme.TORCH_DEFAULT ? "" : "(gain=" + gain + ")");
  }
}
