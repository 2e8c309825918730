package dev.isoplast.envs.remote;

import dev.isoplast.env.v1.EnvInfo;
import dev.isoplast.env.v1.EnvServiceGrpc;
import dev.isoplast.env.v1.KwargValue;
import dev.isoplast.env.v1.ListEnvsRequest;
import dev.isoplast.env.v1.MakeRequest;
import dev.isoplast.env.v1.MakeResponse;
import dev.isoplast.envs.EnvSpec;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A connection to one env server: one gRPC channel, shared by every {@link RemoteVectorEnv} made
 * through it. Thread-safe.
 */
public final class EnvServerClient implements AutoCloseable {

  /** Largest message accepted from the server (observations of wide vectors can be large). */
  public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final String target;
  private final ManagedChannel channel;
  private final EnvServiceGrpc.EnvServiceBlockingStub stub;
  private final EnvServiceGrpc.EnvServiceStub asyncStub;
  private final Channel intercepted;
  private final Duration callTimeout;
  private volatile Supplier<String> diagnostics = () -> "";

  private EnvServerClient(String target, ManagedChannel channel, String token, Duration callTimeout) {
    this.target = target;
    this.channel = channel;
    this.callTimeout = callTimeout;
    this.intercepted = token == null || token.isEmpty()
        ? channel
        : ClientInterceptors.intercept(channel, bearer(token));
    this.stub = EnvServiceGrpc.newBlockingStub(intercepted).withMaxInboundMessageSize(MAX_MESSAGE_BYTES);
    this.asyncStub = EnvServiceGrpc.newStub(intercepted).withMaxInboundMessageSize(MAX_MESSAGE_BYTES);
  }

  /**
   * Connects (lazily: the first call opens the connection) to {@code host:port} in plaintext.
   *
   * @param token bearer token, or null when the server needs none (loopback)
   */
  public static EnvServerClient connect(String target, String token) {
    return connect(target, token, Duration.ofSeconds(120));
  }

  public static EnvServerClient connect(String target, String token, Duration callTimeout) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(target)
        .usePlaintext()
        // callbacks only hand responses over to the waiting thread: no executor hop needed
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build();
    return new EnvServerClient(target, ch, token, callTimeout);
  }

  /** Wraps a channel built elsewhere (in-process tests, TLS). The client owns and closes it. */
  public static EnvServerClient of(String target, ManagedChannel channel, String token, Duration callTimeout) {
    return new EnvServerClient(target, channel, token, callTimeout);
  }

  /** Adds text to unreachability errors, e.g. the embedded server's exit status and log file. */
  public void setDiagnostics(Supplier<String> diagnostics) {
    this.diagnostics = diagnostics;
  }

  public String target() {
    return target;
  }

  EnvServiceGrpc.EnvServiceBlockingStub stub() {
    return stub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The stub for streaming calls (no deadline: streams are long-lived; callers time each message). */
  EnvServiceGrpc.EnvServiceStub asyncStub() {
    return asyncStub;
  }

  Duration callTimeout() {
    return callTimeout;
  }

  EnvException failure(StatusRuntimeException e, String call) {
    return EnvException.from(e, call, target, diagnostics.get());
  }

  /** Whether the health service reports SERVING (false on any failure to ask). */
  public boolean isServing(Duration timeout) {
    try {
      HealthCheckResponse r = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.newBuilder().setService("").build());
      return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  /** The env ids the server allows, with spaces, kwargs and dynamics parameters. */
  public List<EnvSpec> listEnvs() {
    try {
      List<EnvSpec> out = new ArrayList<>();
      for (EnvInfo i : stub().listEnvs(ListEnvsRequest.getDefaultInstance()).getEnvsList()) {
        List<EnvSpec.Param> params = i.getDynamicsList().stream()
            .map(p -> new EnvSpec.Param(p.getName(), p.getMin(), p.getMax(), p.getDefaultValue(), p.getDescription()))
            .toList();
        List<EnvSpec.Kwarg> kwargs = i.getKwargsList().stream()
            .map(k -> new EnvSpec.Kwarg(k.getName(), k.getType(), k.getDescription()))
            .toList();
        out.add(new EnvSpec(i.getEnvId(), WireFormat.space(i.getObservationSpace()),
            WireFormat.space(i.getActionSpace()), i.getMaxEpisodeSteps(), params, kwargs));
      }
      return out;
    } catch (StatusRuntimeException e) {
      throw failure(e, "ListEnvs");
    }
  }

  /** Makes a vector of {@code numEnvs} copies of {@code envId}, env i seeded {@code seed + i} at first reset. */
  public RemoteVectorEnv make(String envId, int numEnvs, long seed) {
    return make(envId, numEnvs, seed, Map.of());
  }

  /**
   * Makes a vector env.
   *
   * @param kwargs constructor arguments: Double/Float, Integer/Long, Boolean or String values
   */
  public RemoteVectorEnv make(String envId, int numEnvs, Long seed, Map<String, Object> kwargs) {
    MakeRequest.Builder req = MakeRequest.newBuilder().setEnvId(envId).setNumEnvs(numEnvs);
    if (seed != null) {
      req.setSeed(seed);
    }
    for (Map.Entry<String, Object> e : kwargs.entrySet()) {
      req.putKwargs(e.getKey(), kwarg(e.getKey(), e.getValue()));
    }
    MakeResponse r;
    try {
      r = stub().make(req.build());
    } catch (StatusRuntimeException e) {
      throw failure(e, "Make(" + envId + ", num_envs=" + numEnvs + ")");
    }
    return new RemoteVectorEnv(this, r.getHandle(), r.getEnvId(), r.getNumEnvs(),
        WireFormat.space(r.getObservationSpace()), WireFormat.space(r.getActionSpace()));
  }

  private static KwargValue kwarg(String name, Object v) {
    KwargValue.Builder b = KwargValue.newBuilder();
    if (v instanceof Boolean f) {
      b.setFlag(f);
    } else if (v instanceof Integer || v instanceof Long) {
      b.setInteger(((Number) v).longValue());
    } else if (v instanceof Number n) {
      b.setNumber(n.doubleValue());
    } else if (v instanceof String s) {
      b.setText(s);
    } else {
      throw new IllegalArgumentException("kwarg " + name + " must be a number, boolean or string, got " + v);
    }
    return b.build();
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ClientInterceptor bearer(String token) {
    String value = "Bearer " + token;
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.put(AUTHORIZATION, value);
            super.start(listener, headers);
          }
        };
      }
    };
  }
}
