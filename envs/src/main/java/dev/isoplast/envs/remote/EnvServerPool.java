package dev.isoplast.envs.remote;

import dev.isoplast.envs.EnvSpec;
import dev.isoplast.envs.VectorEnv;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The env servers one command uses: one {@link EnvServerClient} (one channel) per server. A vector
 * of envs is spread over them in contiguous blocks ({@link #make}, {@link SplitVectorEnv}) with
 * the same seeds, hence the same results, as on one server; with one server it is that server's
 * own handle, exactly as before.
 *
 * <p>Servers are named {@code host:port[,host:port...]} ({@link #targets}). A host name that
 * resolves to several addresses, as a scaled Docker Compose service or a headless Kubernetes
 * Service does, stands for one server per address.
 *
 * <p><b>Recovery.</b> A pool given a {@link ServerRestarter} ({@link #restartWith}) can bring its
 * servers back after one stopped answering ({@link #recover}): server k's client is then replaced
 * by the restarter's (an embedded server restarted on a new port has a new address), so that
 * every env made through the pool afterwards reaches the server as it is now.
 * {@link RestartingVectorEnv} uses it to remake its handles and carry on.
 */
public final class EnvServerPool implements AutoCloseable {

  private volatile List<EnvServerClient> clients; // replaced whole when a server is restarted
  private final boolean owned;
  private volatile ServerRestarter restarter; // null: a failed server is not brought back
  private volatile int maxRestartsInARow;
  private int restarts; // guarded by this

  private EnvServerPool(List<EnvServerClient> clients, boolean owned) {
    if (clients.isEmpty()) {
      throw new IllegalArgumentException("an env server pool needs at least one server");
    }
    this.clients = List.copyOf(clients);
    this.owned = owned;
  }

  /** A pool over clients owned elsewhere: closing the pool leaves them open. */
  public static EnvServerPool of(List<EnvServerClient> clients) {
    return new EnvServerPool(clients, false);
  }

  /** A pool over one client owned elsewhere. */
  public static EnvServerPool of(EnvServerClient client) {
    return of(List.of(client));
  }

  /** {@link #connect(String, String, Transport)} with {@link Transport#AUTO}. */
  public static EnvServerPool connect(String spec, String token) {
    return connect(spec, token, Transport.AUTO);
  }

  /**
   * Connects to every server {@code spec} names ({@link #targets}); the pool owns the clients.
   * Every client steps through {@code transport}: with {@link Transport#AUTO} each one takes its
   * server's local data path when that server is on loopback and offers one, else gRPC.
   *
   * @param token bearer token sent to every server, or null
   */
  public static EnvServerPool connect(String spec, String token, Transport transport) {
    return connect(spec, token, transport, EnvServerClient.DEFAULT_CALL_TIMEOUT);
  }

  /** As {@link #connect(String, String, Transport)}, every call of every client with the deadline {@code callTimeout}. */
  public static EnvServerPool connect(String spec, String token, Transport transport, Duration callTimeout) {
    List<EnvServerClient> cs = new ArrayList<>();
    try {
      for (String t : targets(spec)) {
        cs.add(EnvServerClient.connect(t, token, callTimeout, transport));
      }
    } catch (RuntimeException e) {
      cs.forEach(EnvServerClient::close);
      throw e;
    }
    return new EnvServerPool(cs, true);
  }

  /**
   * The servers {@code spec} names: comma-separated {@code host:port} entries, in order. An entry
   * whose host name resolves to several addresses becomes one entry per address (IPv4 addresses
   * when it has any, so that {@code localhost}'s IPv4 and IPv6 addresses are not taken for two
   * servers), sorted so that every process sees the same order; a name with one address, or none
   * yet, stays as written. Malformed entries are a one-line error.
   */
  public static List<String> targets(String spec) {
    return targets(spec, InetAddress::getAllByName);
  }

  /** How host names resolve (the system resolver, or a table in tests). */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] all(String host) throws UnknownHostException;
  }

  static List<String> targets(String spec, Resolver resolver) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("--env-server takes HOST:PORT[,HOST:PORT...], got nothing");
    }
    List<String> out = new ArrayList<>();
    for (String raw : spec.split(",")) {
      String entry = raw.trim();
      int colon = entry.lastIndexOf(':');
      String host = colon > 0 ? entry.substring(0, colon) : "";
      String port = colon > 0 ? entry.substring(colon + 1) : "";
      if (host.isEmpty() || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        throw new IllegalArgumentException("--env-server takes HOST:PORT[,HOST:PORT...] with ports 1-65535, got '"
            + entry + "' in '" + spec + "'");
      }
      out.addAll(expand(host, port, resolver));
    }
    return out;
  }

  private static List<String> expand(String host, String port, Resolver resolver) {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (isAddressLiteral(bare)) {
      return List.of(host + ":" + port);
    }
    InetAddress[] all;
    try {
      all = resolver.all(bare);
    } catch (UnknownHostException e) {
      return List.of(host + ":" + port); // not resolvable now: the channel resolves it (and reports it) itself
    }
    List<InetAddress> v4 = Arrays.stream(all).filter(a -> a instanceof Inet4Address).toList();
    List<InetAddress> chosen = v4.isEmpty() ? Arrays.asList(all) : v4;
    List<String> addresses = chosen.stream().map(InetAddress::getHostAddress).distinct()
        .sorted(Comparator.naturalOrder()).toList();
    if (addresses.size() <= 1) {
      return List.of(host + ":" + port);
    }
    return addresses.stream().map(a -> (a.contains(":") ? "[" + a + "]" : a) + ":" + port).toList();
  }

  private static boolean isAddressLiteral(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  /** The clients, one per server, in order (as they are now: a restarted server has a new client). */
  public List<EnvServerClient> clients() {
    return clients;
  }

  /** Number of servers. */
  public int size() {
    return clients.size();
  }

  /** The first server: the one asked about allowed envs and spaces (every server serves the same allow-list). */
  public EnvServerClient first() {
    return clients.get(0);
  }

  /** The first {@code k} servers, as a pool that leaves the clients open when closed. */
  public EnvServerPool firstServers(int k) {
    if (k < 1 || k > clients.size()) {
      throw new IllegalArgumentException("asked for " + k + " servers of a pool of " + clients.size());
    }
    return of(clients.subList(0, k));
  }

  /**
   * How the servers' envs step, one word per server in order ({@code unix} or {@code grpc}),
   * comma-separated: what {@link Transport#AUTO} chose for each (asking each server if not yet decided).
   */
  public String transports() {
    return String.join(",", clients.stream().map(c -> c.usesDataPath() ? "unix" : "grpc").toList());
  }

  /** The servers' addresses, comma-separated (what config.yaml records). */
  public String target() {
    return String.join(",", clients.stream().map(EnvServerClient::target).toList());
  }

  /** {@code envId}'s description by the first server, or empty if it does not allow that id. */
  public java.util.Optional<EnvSpec> describe(String envId) {
    return first().listEnvs(List.of(envId)).stream().filter(s -> s.envId().equals(envId)).findFirst();
  }

  /** {@link #make(String, int, Long, Map)} without kwargs. */
  public VectorEnv make(String envId, int numEnvs, long seed) {
    return make(envId, numEnvs, seed, Map.of());
  }

  /** {@link #make(String, int, Long, Map, int)} in one block per server. */
  public VectorEnv make(String envId, int numEnvs, Long seed, Map<String, Object> kwargs) {
    return make(envId, numEnvs, seed, kwargs, 1);
  }

  /**
   * A vector of {@code numEnvs} copies of {@code envId}, env i seeded {@code seed + i} at first
   * reset, in {@code max(servers, minParts)} contiguous blocks ({@link SplitVectorEnv#blockSizes};
   * never more blocks than envs), each a handle, the blocks spread over the servers in order (with
   * more blocks than servers, consecutive blocks share a server): the same envs with the same seeds
   * as one handle on one server. One block is a plain {@link RemoteVectorEnv}; {@code minParts = 2}
   * is PPO's {@code overlap_rollout}, which steps two halves in turn.
   */
  public VectorEnv make(String envId, int numEnvs, Long seed, Map<String, Object> kwargs, int minParts) {
    List<EnvServerClient> cs = clients; // one snapshot, should a restart replace a client meanwhile
    int blocks = Math.min(Math.max(cs.size(), minParts), Math.max(numEnvs, 1));
    if (blocks <= 1) {
      return cs.get(0).make(envId, numEnvs, seed, kwargs);
    }
    int[] sizes = SplitVectorEnv.blockSizes(numEnvs, blocks);
    List<RemoteVectorEnv> parts = new ArrayList<>();
    int offset = 0;
    try {
      for (int k = 0; k < sizes.length; k++) {
        EnvServerClient server = cs.get(k * cs.size() / sizes.length);
        parts.add(server.make(envId, sizes[k], seed == null ? null : seed + offset, kwargs));
        offset += sizes[k];
      }
      return new SplitVectorEnv(parts);
    } catch (RuntimeException e) {
      parts.forEach(RemoteVectorEnv::close);
      throw e;
    }
  }

  /**
   * Lets {@link #recover} bring servers back through {@code restarter}, and envs made with
   * {@link RestartingVectorEnv#of} try it up to {@code maxRestartsInARow} times without a
   * successful step in between before they give up (0: never; the pool's envs fail as the server does).
   */
  public void restartWith(ServerRestarter restarter, int maxRestartsInARow) {
    if (maxRestartsInARow < 0) {
      throw new IllegalArgumentException("the number of restarts in a row must be >= 0, got " + maxRestartsInARow);
    }
    this.restarter = restarter;
    this.maxRestartsInARow = maxRestartsInARow;
  }

  /** How many restarts in a row an env of this pool may try ({@link #restartWith}); 0 when it has no restarter. */
  public int maxRestartsInARow() {
    return restarter == null ? 0 : maxRestartsInARow;
  }

  /** How many times {@link #recover} brought the servers back so far. */
  public synchronized int restarts() {
    return restarts;
  }

  /**
   * Brings the servers back after {@code failure}, a call that found a server unreachable or a
   * handle unknown, and returns the new {@link #restarts()} count. When the count is already above
   * {@code seen} (the count the caller's handles were made at), another env of this pool recovered
   * the servers since, and nothing is done: the caller only needs new handles. Otherwise every
   * server is handed to the restarter, which restarts or waits for the ones that do not answer
   * (and leaves the others as they are), and the count goes up by one. Throws {@code failure}
   * when the pool has no restarter, and the restarter's exception when it fails (servers it
   * already brought back stay so).
   */
  public synchronized int recover(int seen, RuntimeException failure) {
    if (restarts > seen) {
      return restarts;
    }
    ServerRestarter r = restarter;
    if (r == null) {
      throw failure;
    }
    List<EnvServerClient> now = new ArrayList<>(clients);
    for (int k = 0; k < now.size(); k++) {
      EnvServerClient c = r.restart(k, now.get(k));
      if (c != now.get(k)) {
        now.set(k, c);
        clients = List.copyOf(now);
      }
    }
    return ++restarts;
  }

  /** Closes the clients when this pool made them ({@link #connect}); a pool {@link #of} clients leaves them open. */
  @Override
  public void close() {
    if (owned) {
      clients.forEach(EnvServerClient::close);
    }
  }

  @Override
  public String toString() {
    return "EnvServerPool(" + target() + ")";
  }
}
