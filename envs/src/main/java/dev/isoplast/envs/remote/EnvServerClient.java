package dev.isoplast.envs.remote;

import dev.isoplast.env.v1.EnvInfo;
import dev.isoplast.env.v1.EnvServiceGrpc;
import dev.isoplast.env.v1.KwargValue;
import dev.isoplast.env.v1.ListEnvsRequest;
import dev.isoplast.env.v1.MakeRequest;
import dev.isoplast.env.v1.MakeResponse;
import dev.isoplast.env.v1.OpenDataPathRequest;
import dev.isoplast.env.v1.OpenDataPathResponse;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to one env server: one gRPC channel, shared by every {@link RemoteVectorEnv} made
 * through it, and (by default, for a server on this machine) its local data path, a Unix-domain
 * socket that each env steps through ({@link Transport}). Thread-safe.
 */
public final class EnvServerClient implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EnvServerClient.class);

  /** Largest message accepted from the server (observations of wide vectors can be large). */
  public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  /** How long one call may take unless the client is told otherwise. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(120);

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final String target;
  private final ManagedChannel channel;
  private final EnvServiceGrpc.EnvServiceBlockingStub stub;
  private final EnvServiceGrpc.EnvServiceStub asyncStub;
  private final Channel intercepted;
  private final Duration callTimeout;
  private final Transport transport;
  private volatile Supplier<String> diagnostics = () -> "";
  private final Object dataPathLock = new Object();
  private boolean dataPathResolved;
  private DataPathConnection.Endpoint dataPath; // null: step over gRPC

  private EnvServerClient(String target, ManagedChannel channel, String token, Duration callTimeout,
      Transport transport) {
    this.target = target;
    this.channel = channel;
    this.callTimeout = callTimeout;
    this.transport = transport;
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
    return connect(target, token, DEFAULT_CALL_TIMEOUT);
  }

  public static EnvServerClient connect(String target, String token, Duration callTimeout) {
    return connect(target, token, callTimeout, Transport.AUTO);
  }

  /** As {@link #connect(String, String, Duration)}, stepping through {@code transport}. */
  public static EnvServerClient connect(String target, String token, Duration callTimeout, Transport transport) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(target)
        .usePlaintext()
        // callbacks only hand responses over to the waiting thread: no executor hop needed
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build();
    return new EnvServerClient(target, ch, token, callTimeout, transport);
  }

  /** Wraps a channel built elsewhere (in-process tests, TLS). The client owns and closes it. */
  public static EnvServerClient of(String target, ManagedChannel channel, String token, Duration callTimeout) {
    return of(target, channel, token, callTimeout, Transport.AUTO);
  }

  /** As {@link #of(String, ManagedChannel, String, Duration)}, stepping through {@code transport}. */
  public static EnvServerClient of(String target, ManagedChannel channel, String token, Duration callTimeout,
      Transport transport) {
    return new EnvServerClient(target, channel, token, callTimeout, transport);
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

  /** The transport this client was asked for ({@link #usesDataPath()} says what AUTO chose). */
  public Transport transport() {
    return transport;
  }

  /**
   * Whether envs step through the server's local data path. Decided on first use (here or at the
   * first step): with {@link Transport#AUTO} the client asks the server where its socket is, opens
   * it and says hello; if that works it uses the data path, otherwise gRPC, and it logs which and
   * why. With {@link Transport#UNIX} a failure to open the data path is an error.
   */
  public boolean usesDataPath() {
    return dataPathEndpoint() != null;
  }

  /** A new data-path connection for one env, or null when this client steps over gRPC. */
  DataPathConnection openDataPath() throws java.io.IOException {
    DataPathConnection.Endpoint e = dataPathEndpoint();
    return e == null ? null : DataPathConnection.open(e, callTimeout.toMillis());
  }

  private DataPathConnection.Endpoint dataPathEndpoint() {
    synchronized (dataPathLock) {
      if (!dataPathResolved) {
        dataPath = resolveDataPath();
        dataPathResolved = true;
      }
      return dataPath;
    }
  }

  /** Asks the server for its data path and tries it once (a connection that is closed again). */
  private DataPathConnection.Endpoint resolveDataPath() {
    if (transport == Transport.GRPC) {
      log.info("env server {}: steps go over gRPC (transport grpc)", target);
      return null;
    }
    if (transport == Transport.AUTO && !isLoopback(target)) {
      log.info("env server {}: steps go over gRPC: not a loopback address (the local data path is only "
          + "tried for a server on 127.0.0.0/8, ::1 or localhost; --transport unix forces it)", target);
      return null;
    }
    String why;
    try {
      OpenDataPathResponse r = stub().openDataPath(OpenDataPathRequest.getDefaultInstance());
      if (r.getUnixSocket().isEmpty()) {
        why = "the server offers no local data path";
      } else {
        DataPathConnection.Endpoint e = new DataPathConnection.Endpoint(java.nio.file.Path.of(r.getUnixSocket()),
            r.getKey(), r.getMaxFrameBytes());
        try (DataPathConnection probe = DataPathConnection.open(e, callTimeout.toMillis())) {
          log.info("env server {}: steps go through its local data path (Unix socket {}); gRPC carries the other calls",
              target, e.socket());
          return e;
        } catch (java.io.IOException | RuntimeException ex) {
          why = "its data path " + e.socket() + " cannot be used from here (" + ex.getMessage()
              + "; a server on another machine or in a container)";
        }
      }
    } catch (StatusRuntimeException ex) {
      if (ex.getStatus().getCode() == io.grpc.Status.Code.UNIMPLEMENTED) {
        why = "the server predates the local data path";
      } else if (transport == Transport.UNIX) {
        throw failure(ex, "OpenDataPath");
      } else {
        why = "OpenDataPath failed (" + ex.getStatus().getCode() + ": " + ex.getStatus().getDescription() + ")";
      }
    }
    if (transport == Transport.UNIX) {
      throw new EnvException.ServerUnavailable("transport unix: env server " + target + " cannot be stepped "
          + "through its local data path: " + why, null);
    }
    log.info("env server {}: steps go over gRPC: {}", target, why);
    return null;
  }

  /** Whether {@code target} ({@code host:port}) names this machine's loopback: localhost, 127.0.0.0/8 or [::1]. */
  static boolean isLoopback(String target) {
    int colon = target.lastIndexOf(':');
    String host = colon > 0 ? target.substring(0, colon) : target;
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return host.equalsIgnoreCase("localhost") || host.matches("127(\\.[0-9]{1,3}){3}") || host.equals("::1")
        || host.equals("0:0:0:0:0:0:0:1");
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
    return listEnvs(List.of());
  }

  /**
   * Those of {@code envIds} the server allows (every allowed id when empty), in the server's
   * order: describing one env is quick, describing the whole allow-list makes one of each.
   */
  public List<EnvSpec> listEnvs(List<String> envIds) {
    try {
      List<EnvSpec> out = new ArrayList<>();
      for (EnvInfo i : stub().listEnvs(ListEnvsRequest.newBuilder().addAllEnvIds(envIds).build()).getEnvsList()) {
        List<EnvSpec.Param> params = i.getDynamicsList().stream()
            .map(p -> new EnvSpec.Param(p.getName(), p.getMin(), p.getMax(), p.getDefaultValue(), p.getDescription(),
                p.getInteger()))
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
