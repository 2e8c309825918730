package dev.isoplast.envs.remote;

import dev.isoplast.env.v1.CloseRequest;
import dev.isoplast.env.v1.ReconfigureRequest;
import dev.isoplast.env.v1.ReconfigureResponse;
import dev.isoplast.env.v1.ResetRequest;
import dev.isoplast.env.v1.StepRequest;
import dev.isoplast.env.v1.StepResponse;
import dev.isoplast.env.v1.Tensor;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Space;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;

/**
 * A {@link VectorEnv} living in an env server, reached through the client's shared channel. Every
 * call carries the whole vector. Not thread-safe (one trainer thread steps it).
 */
public final class RemoteVectorEnv implements VectorEnv {

  private final EnvServerClient client;
  private final String handle;
  private final String envId;
  private final int numEnvs;
  private final Space observationSpace;
  private final Space actionSpace;
  private final int[] actionShape;
  private final DType actionDType;
  private boolean closed;
  private StepStream stream;

  RemoteVectorEnv(EnvServerClient client, String handle, String envId, int numEnvs, Space obs, Space act) {
    this.client = client;
    this.handle = handle;
    this.envId = envId;
    this.numEnvs = numEnvs;
    this.observationSpace = obs;
    this.actionSpace = act;
    int[] s = act.shape();
    this.actionShape = new int[s.length + 1];
    actionShape[0] = numEnvs;
    System.arraycopy(s, 0, actionShape, 1, s.length);
    this.actionDType = act instanceof Box b ? b.dtype() : DType.INT64;
  }

  /** The server's name for this vector. */
  public String handle() {
    return handle;
  }

  @Override
  public String envId() {
    return envId;
  }

  @Override
  public int numEnvs() {
    return numEnvs;
  }

  @Override
  public Space observationSpace() {
    return observationSpace;
  }

  @Override
  public Space actionSpace() {
    return actionSpace;
  }

  @Override
  public float[] reset(long seed) {
    return reset(ResetRequest.newBuilder().setHandle(handle).setSeed(seed).build());
  }

  @Override
  public float[] reset() {
    return reset(ResetRequest.newBuilder().setHandle(handle).build());
  }

  private float[] reset(ResetRequest req) {
    try {
      return WireFormat.toFloats(client.stub().reset(req).getObservations());
    } catch (StatusRuntimeException e) {
      throw client.failure(e, "Reset(" + envId + ", handle " + handle + ")");
    }
  }

  @Override
  public StepResult step(double[] actions) {
    int expected = numEnvs * actionSpace.flatSize();
    if (actions.length != expected) {
      throw new IllegalArgumentException("step needs " + expected + " action values (" + numEnvs
          + " envs x " + Arrays.toString(actionSpace.shape()) + " of " + actionSpace + "), got " + actions.length);
    }
    Tensor t = WireFormat.fromDoubles(actions, actionDType, actionShape);
    StepResponse r;
    try {
      if (stream == null || stream.isFinished()) {
        stream = new StepStream(client);
      }
      r = stream.exchange(StepRequest.newBuilder().setHandle(handle).setActions(t).build(),
          client.callTimeout().toMillis());
    } catch (StatusRuntimeException e) {
      throw client.failure(e, "Step(" + envId + ", handle " + handle + ")");
    }
    int k = r.getEndedIndicesCount();
    int[] ended = new int[k];
    double[] returns = new double[k];
    long[] lengths = new long[k];
    for (int i = 0; i < k; i++) {
      ended[i] = r.getEndedIndices(i);
      returns[i] = r.getEpisodeReturns(i);
      lengths[i] = r.getEpisodeLengths(i);
    }
    float[] finals = k == 0 ? new float[0] : WireFormat.toFloats(r.getFinalObservations());
    return new StepResult(
        WireFormat.toFloats(r.getObservations()),
        WireFormat.toDoubles(r.getRewards()),
        WireFormat.toBooleans(r.getTerminated()),
        WireFormat.toBooleans(r.getTruncated()),
        ended, finals, returns, lengths);
  }

  @Override
  public Perturbation reconfigure(Perturbation p) {
    ReconfigureRequest.Builder b = ReconfigureRequest.newBuilder().setHandle(handle).putAllDynamics(p.dynamics());
    for (int i : p.obsPermutation()) {
      b.addObsPermutation(i);
    }
    for (double s : p.obsSignFlip()) {
      b.addObsSignFlip(s);
    }
    for (int i : p.actionPermutation()) {
      b.addActionPermutation(i);
    }
    if (p.rewardScale() != null) {
      b.setRewardScale(p.rewardScale());
    }
    ReconfigureResponse r;
    try {
      r = client.stub().reconfigure(b.build());
    } catch (StatusRuntimeException e) {
      throw client.failure(e, "Reconfigure(" + envId + ", handle " + handle + ")");
    }
    return new Perturbation(r.getDynamicsMap(),
        r.getObsPermutationList().stream().mapToInt(Integer::intValue).toArray(),
        r.getObsSignFlipList().stream().mapToDouble(Double::doubleValue).toArray(),
        r.getActionPermutationList().stream().mapToInt(Integer::intValue).toArray(),
        r.getRewardScale());
  }

  /** Closes the handle on the server (idempotent; a failure to reach the server is ignored). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (stream != null) {
      stream.finish();
    }
    try {
      client.stub().close(CloseRequest.newBuilder().setHandle(handle).build());
    } catch (StatusRuntimeException e) {
      // the handle is gone or the server is: nothing is left to release
    }
  }

  @Override
  public String toString() {
    return "RemoteVectorEnv(" + envId + " x" + numEnvs + ", handle " + handle + " @ " + client.target() + ")";
  }
}
