package dev.isoplast.envs.remote;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.isoplast.env.v1.DataPathHello;
import dev.isoplast.env.v1.DataPathReply;
import io.grpc.Status;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One connection to an env server's local data path (env.proto, DataPathReply): Step requests and
 * their replies as length-prefixed protobuf frames over a Unix-domain socket, beside the gRPC
 * channel that carries every other call. Replies come back in request order, so a request may be
 * sent before the previous reply is read ({@link RemoteVectorEnv#stepAsync}).
 *
 * <p>The channel is non-blocking and replies are awaited with a {@link Selector}, which gives each
 * wait a timeout (a blocking {@code SocketChannel} has none). Not thread-safe: one
 * {@link RemoteVectorEnv} owns it. An I/O failure, a timeout or a reply that closes the
 * connection leaves it {@link #isBroken() broken}; the owner opens a new one for its next step.
 */
final class DataPathConnection implements AutoCloseable {

  /** What {@code OpenDataPath} said: where the socket is, the hello's key, the frame limit. */
  record Endpoint(Path socket, ByteString key, long maxFrameBytes) {}

  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private ByteBuffer out = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
  private ByteBuffer in = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN).limit(0);
  private final long maxFrameBytes;
  private boolean broken;

  private DataPathConnection(SocketChannel channel, long maxFrameBytes) throws IOException {
    this.channel = channel;
    this.maxFrameBytes = maxFrameBytes;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    this.key = channel.register(selector, SelectionKey.OP_READ);
  }

  /**
   * Connects and says hello. Throws an IOException when the socket cannot be opened (e.g. the
   * server is on another machine) and a StatusRuntimeException when the server refuses the hello.
   */
  static DataPathConnection open(Endpoint endpoint, long timeoutMillis) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    DataPathConnection c;
    try {
      ch.connect(UnixDomainSocketAddress.of(endpoint.socket()));
      c = new DataPathConnection(ch, endpoint.maxFrameBytes());
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    try {
      c.send(DataPathHello.newBuilder().setKey(endpoint.key()).build(), timeoutMillis);
      DataPathReply r = c.receive(timeoutMillis);
      if (!r.hasStatus() || r.getStatus().getCode() != Status.Code.OK.value()) {
        throw statusOf(r).asRuntimeException();
      }
      return c;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Sends one frame (waiting for room in the socket, at most {@code timeoutMillis}). */
  void send(MessageLite message, long timeoutMillis) throws IOException {
    int size = message.getSerializedSize();
    if (out.capacity() < size + 4) {
      out = ByteBuffer.allocate(Math.max(size + 4, 2 * out.capacity())).order(ByteOrder.LITTLE_ENDIAN);
    }
    out.clear();
    out.putInt(size);
    CodedOutputStream cos = CodedOutputStream.newInstance(out.array(), 4, size);
    message.writeTo(cos);
    cos.checkNoSpaceLeft();
    out.position(4 + size).flip();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    try {
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          await(SelectionKey.OP_WRITE, deadline);
        }
      }
    } catch (IOException | RuntimeException e) {
      broken = true;
      throw e;
    }
  }

  /** Reads the next reply, waiting at most {@code timeoutMillis} (a {@link DataPathTimeout} after that). */
  DataPathReply receive(long timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    try {
      fill(4, deadline);
      long size = Integer.toUnsignedLong(in.getInt(in.position()));
      if (size > maxFrameBytes) {
        throw new IOException("the env server sent a data path frame of " + size + " bytes, above its max of "
            + maxFrameBytes);
      }
      fill(4 + (int) size, deadline);
      int at = in.position() + 4;
      DataPathReply r = DataPathReply.parseFrom(CodedInputStream.newInstance(in.array(), at, (int) size));
      in.position(at + (int) size);
      if (r.hasStatus() && closesConnection(r.getStatus().getCode())) {
        broken = true;
      }
      return r;
    } catch (IOException | RuntimeException e) {
      broken = true;
      throw e;
    }
  }

  /**
   * Reads until {@code in} (in read mode: the bytes between position and limit are received but
   * not yet used) holds at least {@code need} bytes; one read usually brings a whole reply, and
   * replies to pipelined requests may arrive together.
   */
  private void fill(int need, long deadline) throws IOException {
    if (in.remaining() >= need) {
      return;
    }
    if (in.capacity() < need) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(need, 2 * in.capacity())).order(ByteOrder.LITTLE_ENDIAN);
      bigger.put(in).flip();
      in = bigger;
    }
    in.compact(); // now in write mode
    try {
      while (in.position() < need) {
        int n = channel.read(in);
        if (n < 0) {
          throw new EOFException("the env server closed the data path connection");
        }
        if (n == 0) {
          await(SelectionKey.OP_READ, deadline);
        }
      }
    } finally {
      in.flip();
    }
  }

  private void await(int op, long deadline) throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new DataPathTimeout();
    }
    key.interestOps(op);
    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    selector.selectedKeys().clear();
  }

  /** The statuses after which the server closes the connection (env.proto). */
  private static boolean closesConnection(int code) {
    return code == Status.Code.UNAUTHENTICATED.value() || code == Status.Code.RESOURCE_EXHAUSTED.value();
  }

  /** The gRPC status a refused frame stands for. */
  static Status statusOf(DataPathReply r) {
    return Status.fromCodeValue(r.getStatus().getCode()).withDescription(r.getStatus().getMessage());
  }

  /** True after a failure that leaves the stream of frames unusable. */
  boolean isBroken() {
    return broken || !channel.isOpen();
  }

  @Override
  public void close() {
    broken = true;
    try {
      selector.close();
    } catch (IOException e) {
      // nothing to release
    }
    try {
      channel.close();
    } catch (IOException e) {
      // already closed
    }
  }

  /** No reply within the call timeout. */
  static final class DataPathTimeout extends IOException {
    DataPathTimeout() {
      super("no reply on the data path in time");
    }
  }
}
