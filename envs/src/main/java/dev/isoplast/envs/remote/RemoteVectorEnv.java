package dev.isoplast.envs.remote;

import com.google.protobuf.ByteString;
import dev.isoplast.env.v1.CloseRequest;
import dev.isoplast.env.v1.DataPathReply;
import dev.isoplast.env.v1.GetStateRequest;
import dev.isoplast.env.v1.ReconfigureRequest;
import dev.isoplast.env.v1.ReconfigureResponse;
import dev.isoplast.env.v1.ResetRequest;
import dev.isoplast.env.v1.SetStateRequest;
import dev.isoplast.env.v1.StepRequest;
import dev.isoplast.env.v1.StepResponse;
import dev.isoplast.envs.PendingStep;
import dev.isoplast.envs.Perturbation;
import dev.isoplast.envs.StepResult;
import dev.isoplast.envs.VectorEnv;
import dev.isoplast.envs.spaces.Box;
import dev.isoplast.envs.spaces.DType;
import dev.isoplast.envs.spaces.Space;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;

/**
 * A {@link VectorEnv} living in an env server, reached through the client's shared channel. Every
 * call carries the whole vector. Steps go through the client's {@link Transport}: the server's
 * local data path (this env's own Unix-socket connection, opened at its first step) or a gRPC
 * {@code StepStream}; results and errors are the same either way. Not thread-safe (one trainer
 * thread steps it).
 *
 * <p>{@link #saveState} and {@link #loadState} are the server's GetState and SetState, always over
 * gRPC (rare calls). They refuse to run while a step is in flight ({@link #stepAsync} not yet
 * awaited): once every step is awaited the server has done all of them, through either transport,
 * so the state is the one between the last step and the next.
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
  private DataPathConnection dataPath; // this env's data-path connection, when the client uses one
  private boolean dataPathResolved;
  private boolean pending; // a step is in flight (stepAsync)

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
    return stepAsync(actions).await();
  }

  /**
   * Sends the step's request and returns at once; the server steps while the caller computes.
   * Through the data path or gRPC alike, {@link PendingStep#await()} gives what {@link #step} gives.
   */
  @Override
  public PendingStep stepAsync(double[] actions) {
    if (pending) {
      throw new IllegalStateException("a step of " + this + " is still in flight: await it first");
    }
    int expected = numEnvs * actionSpace.flatSize();
    if (actions.length != expected) {
      throw new IllegalArgumentException("step needs " + expected + " action values (" + numEnvs
          + " envs x " + Arrays.toString(actionSpace.shape()) + " of " + actionSpace + "), got " + actions.length);
    }
    StepRequest request = StepRequest.newBuilder().setHandle(handle)
        .setActions(WireFormat.fromDoubles(actions, actionDType, actionShape)).build();
    long timeout = client.callTimeout().toMillis();
    try {
      if (useDataPath()) {
        send(request, timeout);
        pending = true;
        return () -> receiveDataPath(timeout);
      }
      if (stream == null || stream.isFinished()) {
        stream = new StepStream(client);
      }
      stream.send(request);
      pending = true;
      return () -> receiveStream(timeout);
    } catch (StatusRuntimeException e) {
      throw client.failure(e, stepCall());
    }
  }

  /** Whether this env steps through the data path (deciding, and connecting, on first use). */
  private boolean useDataPath() {
    if (dataPathResolved && (dataPath == null || !dataPath.isBroken())) {
      return dataPath != null;
    }
    if (dataPath != null) {
      dataPath.close(); // broken by an earlier failure: reconnect
      dataPath = null;
    } else if (dataPathResolved) {
      return false;
    }
    try {
      dataPath = client.openDataPath();
    } catch (java.io.IOException e) {
      throw unavailable(e);
    }
    dataPathResolved = true;
    return dataPath != null;
  }

  private void send(StepRequest request, long timeout) {
    try {
      dataPath.send(request, timeout);
    } catch (java.io.IOException e) {
      throw unavailable(e);
    }
  }

  private StepResult receiveDataPath(long timeout) {
    if (!pending) {
      throw new IllegalStateException("this step of " + this + " was already awaited");
    }
    pending = false;
    DataPathReply reply;
    try {
      reply = dataPath.receive(timeout);
    } catch (java.io.IOException e) {
      throw client.failure(unavailable(e), stepCall());
    }
    if (reply.hasStep()) {
      return result(reply.getStep());
    }
    throw client.failure(DataPathConnection.statusOf(reply).asRuntimeException(), stepCall());
  }

  private StepResult receiveStream(long timeout) {
    if (!pending) {
      throw new IllegalStateException("this step of " + this + " was already awaited");
    }
    pending = false;
    try {
      return result(stream.receive(timeout));
    } catch (StatusRuntimeException e) {
      throw client.failure(e, stepCall());
    }
  }

  /** A data-path I/O failure as the status a broken gRPC stream would give. */
  private static StatusRuntimeException unavailable(java.io.IOException e) {
    io.grpc.Status s = e instanceof DataPathConnection.DataPathTimeout
        ? io.grpc.Status.DEADLINE_EXCEEDED.withDescription(e.getMessage())
        : e instanceof java.nio.channels.ClosedByInterruptException
            ? io.grpc.Status.CANCELLED.withDescription("interrupted while waiting for a step")
            : io.grpc.Status.UNAVAILABLE.withDescription("the data path connection failed: " + e.getMessage());
    return s.withCause(e).asRuntimeException();
  }

  private String stepCall() {
    return "Step(" + envId + ", handle " + handle + ")";
  }

  private static StepResult result(StepResponse r) {
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

  /**
   * The server's state of this vector (GetState): an opaque blob, signed with the server's state key,
   * that {@link #loadState} puts back into a vector of the same env id, size and spaces on a server
   * holding the same key (every embedded server of one checkout does: {@code EnvServerProcess}).
   *
   * @throws IllegalStateException if a step is in flight
   * @throws UnsupportedOperationException if an env of the vector cannot be pickled by the server
   */
  @Override
  public byte[] saveState() {
    requireNoStepInFlight("saveState");
    String call = "GetState(" + envId + ", handle " + handle + ")";
    try {
      return client.stub().getState(GetStateRequest.newBuilder().setHandle(handle).build()).getState().toByteArray();
    } catch (StatusRuntimeException e) {
      EnvException failure = client.failure(e, call);
      if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
        throw new UnsupportedOperationException(failure.getMessage(), failure);
      }
      throw failure;
    }
  }

  /**
   * Puts back a state from {@link #saveState} (SetState): the next steps are then exactly those that
   * followed it. A blob that is altered, of another env, size or spaces, or signed with another
   * server key is an {@link EnvException.InvalidArgument}, and the vector is left as it was.
   *
   * @throws IllegalStateException if a step is in flight
   */
  @Override
  public void loadState(byte[] state) {
    if (state == null) {
      throw new IllegalArgumentException("loadState needs a state from saveState, got null");
    }
    requireNoStepInFlight("loadState");
    SetStateRequest request = SetStateRequest.newBuilder().setHandle(handle).setState(ByteString.copyFrom(state)).build();
    try {
      client.stub().setState(request);
    } catch (StatusRuntimeException e) {
      throw client.failure(e, "SetState(" + envId + ", handle " + handle + ", " + state.length + " bytes)");
    }
  }

  private void requireNoStepInFlight(String what) {
    if (pending) {
      throw new IllegalStateException(what + " of " + this + " while a step is in flight: await it first, so that "
          + "the state is the one after that step");
    }
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
    if (dataPath != null) {
      dataPath.close();
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
