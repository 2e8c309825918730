package dev.isoplast.continual;

import static dev.isoplast.config.ConfigValues.positive;

import dev.isoplast.config.ConfigValues;
import dev.isoplast.config.RecordCodec;
import dev.isoplast.nn.BodyConfig;
import dev.isoplast.nn.Init;
import dev.isoplast.optim.Adam;
import dev.isoplast.plasticity.MethodConfig;
import java.util.List;
import java.util.Map;

/**
 * Every hyper-parameter of the supervised learner, one field each, with the same keys as the
 * agents' for what they share (body, optimizer, interventions): so every method preset and every
 * {@code --set} works on it unchanged.
 *
 * @param batchSize {@code batch_size}: examples per gradient step
 * @param learningRate {@code learning_rate}: the optimizer's rate (constant)
 * @param body the hidden layers: {@code body}, {@code hidden_sizes}, {@code activation},
 *     {@code layer_norm}; the head is a Dense of the body's init scheme with gain 1
 * @param methods the optimizer, coupled regularizers and interventions (keys of {@link MethodConfig});
 *     ReDo and resets count gradient steps
 */
public record SupervisedConfig(int batchSize, double learningRate, BodyConfig body, MethodConfig methods) {

  /** Every key {@link #fromMap} accepts and {@link #toMap} writes, in order: the components' ({@link RecordCodec}). */
  public static final List<String> KEYS = RecordCodec.keys(SupervisedConfig.class, sections(Init.torchDefault()));

  public SupervisedConfig {
    positive("batch_size", batchSize);
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning_rate must be finite and >= 0, got " + learningRate);
    }
    if (body == null || methods == null) {
      throw new IllegalArgumentException("body and method options must be given");
    }
  }

  /**
   * Kumar, Marklund &amp; Van Roy's small net ("Maintaining plasticity via regenerative
   * regularization"): 100-100 ReLU, PyTorch's default init, batch 16, Adam 1e-3.
   */
  public static SupervisedConfig small() {
    return new SupervisedConfig(16, 1e-3, BodyConfig.mlp(List.of(100, 100), BodyConfig.Nonlinearity.RELU, false,
        Init.torchDefault()), MethodConfig.adam(Adam.DEFAULT_EPS));
  }

  /**
   * A small CNN for the image tasks: the conv body ({@link BodyConfig}: below 36 × 36 pixels one
   * 16-channel 3 × 3 conv, ReLU, then 128 ReLU units, Young &amp; Tian's MinAtar network; above it
   * the Nature CNN) with PyTorch's default init, batch 16, Adam 1e-3, as {@link #small()}. Chosen
   * here: the paper's CNN is not specified beyond being convolutional.
   */
  public static SupervisedConfig conv() {
    return new SupervisedConfig(16, 1e-3, BodyConfig.conv(List.of(), BodyConfig.Nonlinearity.RELU, false,
        Init.torchDefault()), MethodConfig.adam(Adam.DEFAULT_EPS));
  }

  /**
   * The paper's net (arXiv 2606.09762, second-hand: DESIGN.md §5): 4 × 512 ReLU with orthogonal
   * init (gain √2, the ReLU gain: chosen here, the paper gives none), batch 16, learning rate 1e-4.
   */
  public static SupervisedConfig paper() {
    return new SupervisedConfig(16, 1e-4, BodyConfig.mlp(List.of(512, 512, 512, 512), BodyConfig.Nonlinearity.RELU,
        false, Init.orthogonal(Init.RELU_GAIN)), MethodConfig.adam(Adam.DEFAULT_EPS));
  }

  /**
   * Dohare et al.'s learner for the slowly-changing regression (lop/slowly_changing_regression,
   * cfg/adam/bp/relu.json): 5 ReLU units, one example per step, Adam 1e-3 (their middle step size),
   * Kaiming-uniform init.
   */
  public static SupervisedConfig regression() {
    return new SupervisedConfig(1, 1e-3, BodyConfig.mlp(List.of(5), BodyConfig.Nonlinearity.RELU, false,
        Init.kaimingUniform(Init.RELU_GAIN)), MethodConfig.adam(Adam.DEFAULT_EPS));
  }

  /** The head's init: the body's scheme with gain 1 (PyTorch's default stays itself). */
  public Init headInit() {
    Init b = body.init();
    return b.scheme() == Init.Scheme.TORCH_DEFAULT ? b : new Init(b.scheme(), 1.0);
  }

  /**
   * The body and method keys, flat among the learner's own; an mlp's init defaults to {@code init},
   * the base configuration's (each benchmark's learner has its own).
   */
  private static Map<Class<?>, RecordCodec.Section<?>> sections(Init init) {
    return RecordCodec.sections(BodyConfig.class, BodyConfig.section(init), MethodConfig.class, MethodConfig.SECTION);
  }

  /** The resolved configuration with the keys of {@link #KEYS}, in that order. */
  public Map<String, Object> toMap() {
    return RecordCodec.toMap(this, sections(body.init()));
  }

  /**
   * {@code base} with the given keys overridden (values typed or as strings after {@code --set}).
   *
   * @throws IllegalArgumentException for an unknown key (the message lists the valid ones) or a
   *     value of the wrong type or range
   */
  public static SupervisedConfig fromMap(SupervisedConfig base, Map<String, Object> values) {
    ConfigValues.checkKeys("supervised learner", KEYS, values);
    return RecordCodec.with(base, values, sections(base.body().init()));
  }
}
