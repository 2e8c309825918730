package dev.isoplast.agents.dqn;

import dev.isoplast.agents.Policy;
import dev.isoplast.nn.Param;
import dev.isoplast.nn.loss.Huber;
import dev.isoplast.nn.loss.Mse;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The pieces of DQN's update as pure functions on host arrays (Q-values row-major
 * {@code [B, numActions]}), so each can be checked against hand math.
 */
public final class DqnLoss {

  private DqnLoss() {}

  /**
   * TD targets {@code y_b = r_b + γ (1 − done_b) Q_target(s'_b, a*_b)} where
   * {@code a*_b = argmax_a Q_target(s'_b, a)} (plain DQN, {@code nextOnline == null}) or
   * {@code argmax_a Q_online(s'_b, a)} (Double DQN). Writes into {@code out} and returns it.
   */
  public static double[] tdTargets(float[] rewards, float[] dones, double[] nextTarget, double[] nextOnline,
      int numActions, double gamma, double[] out) {
    int b = rewards.length;
    for (int i = 0; i < b; i++) {
      double next;
      if (nextOnline == null) {
        next = nextTarget[i * numActions + Policy.argmax(nextTarget, i, numActions)];
      } else {
        next = nextTarget[i * numActions + Policy.argmax(nextOnline, i, numActions)];
      }
      out[i] = rewards[i] + gamma * next * (1.0 - dones[i]);
    }
    return out;
  }

  /** {@code Q(s_b, a_b)}: the chosen action's value per row ({@code q.gather(1, actions)}). */
  public static double[] chosen(double[] q, int[] actions, int numActions, double[] out) {
    for (int i = 0; i < actions.length; i++) {
      out[i] = q[i * numActions + actions[i]];
    }
    return out;
  }

  /**
   * The mean TD loss between {@code pred} and {@code target}: MSE ({@code F.mse_loss}, as CleanRL)
   * or Huber with δ = 1 ({@code F.smooth_l1_loss}, as SB3). Writes dL/dpred into {@code dPred}.
   */
  public static double loss(String kind, double[] pred, double[] target, double[] dPred) {
    return kind.equals("huber") ? Huber.loss(pred, target, Huber.DEFAULT_DELTA, dPred) : Mse.loss(pred, target, dPred);
  }

  /**
   * dL/dQ for the whole Q output {@code [B, numActions]}: {@code dPred_b} at the chosen action, 0
   * elsewhere (only the chosen action's output is backpropagated). Writes into {@code out}.
   */
  public static double[] headGradient(double[] dPred, int[] actions, int numActions, double[] out) {
    java.util.Arrays.fill(out, 0.0);
    for (int i = 0; i < actions.length; i++) {
      out[i * numActions + actions[i]] = dPred[i];
    }
    return out;
  }

  /**
   * The target network update {@code θ' ← τ θ + (1 − τ) θ'} over matching parameter lists; τ = 1
   * copies.
   */
  public static void softUpdate(List<Param> target, List<Param> online, double tau) {
    if (target.size() != online.size()) {
      throw new IllegalArgumentException("target and online networks differ: " + target.size() + " vs "
          + online.size() + " parameters");
    }
    for (int i = 0; i < target.size(); i++) {
      INDArray t = target.get(i).value();
      INDArray q = online.get(i).value();
      if (tau == 1.0) {
        t.assign(q);
      } else {
        t.muli(1.0 - tau).addi(q.mul(tau));
      }
    }
  }
}
