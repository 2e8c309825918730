"""The local data path: Step over a Unix-domain socket, served by one dedicated loop.

A Python gRPC server spends ~250 us on every stream message (thread hand-offs under the GIL),
while a CartPole step takes a few microseconds; a trainer on the same machine therefore steps
through a Unix-domain socket instead, and gRPC stays the control plane (ListEnvs, Make, Reset,
Reconfigure, Close, health, and OpenDataPath, which tells a client where this socket is and the
key of its hello). The framing and the errors are specified in env.proto (DataPathReply).

One thread runs one ``selectors`` loop over the listening socket and every connection; sockets
are non-blocking and each connection buffers its partial input and unsent output, so a client
that stops reading or sends half a frame holds up nobody but itself. Frames are answered in
order by the same code as gRPC's Step (``EnvServicer.step_into``: handle lookup, action
validation, the handle's lock); failures become the same status codes and messages through
:func:`errors.answer`. The socket lives in a fresh directory only its owner can enter (mode
0700), and a connection must first present the server's random key, which only a client allowed
to call OpenDataPath (through the token check, if any) has.

Measured on the 2-vCPU VM (docs/performance.md): a round trip through this loop costs ~10-20 us
beyond the handler itself, against ~250 us for a StepStream message.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import selectors
import shutil
import socket
import struct
import tempfile
import threading
import time
from typing import Callable

import grpc

from isoplast.env.v1 import env_pb2 as pb

from .errors import ClosesCrashedHandles, answer, capped, parser, resource_exhausted, status_of, unauthenticated

log = logging.getLogger(__name__)

HEADER = struct.Struct("<I")  # the frame length, little-endian u32
HELLO_TIMEOUT_S = 10.0  # a connection without a complete hello by then is closed
RECV_BYTES = 256 * 1024  # one read takes at most this much
#: Longest socket path AF_UNIX takes on Linux (sun_path is 108 bytes with the terminating NUL).
MAX_SOCKET_PATH = 107

_parse_hello = parser(pb.DataPathHello)
_parse_step = parser(pb.StepRequest)


def _status_frame(code: grpc.StatusCode, message: str) -> bytes:
    """A reply frame carrying a status (the numeric gRPC code, as env.proto's DataPathStatus says)."""
    body = pb.DataPathReply(status=pb.DataPathStatus(code=code.value[0], message=message)).SerializeToString()
    return HEADER.pack(len(body)) + body


_HELLO_OK = _status_frame(grpc.StatusCode.OK, "")


class _Connection:
    __slots__ = ("sock", "inbox", "outbox", "authenticated", "opened", "closing", "events")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.authenticated = False
        self.opened = time.monotonic()
        self.closing = False  # close once the outbox is sent (after a final refusal)
        self.events = selectors.EVENT_READ


class DataPath:
    """The socket, its key and the loop thread. ``start`` begins serving; ``stop`` closes every
    connection and removes the socket's directory.

    ``step_into(request, reply)`` answers one StepRequest by filling ``reply.step`` (and raising
    an EnvError or any exception otherwise); ``servicer`` closes the handles of crashed envs.
    """

    def __init__(self, step_into: Callable[[pb.StepRequest, pb.DataPathReply], object],
                 servicer: ClosesCrashedHandles, max_frame_bytes: int, max_connections: int,
                 directory: str | None = None):
        self._step_into = step_into
        self._servicer = servicer
        self.max_frame_bytes = max_frame_bytes
        self._max_connections = max_connections
        self.key = secrets.token_bytes(32)
        self._dir = tempfile.mkdtemp(prefix="isoplast-env-", dir=directory)  # mode 0700
        self.path = os.path.join(self._dir, "data.sock")
        if len(os.fsencode(self.path)) > MAX_SOCKET_PATH:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise OSError(f"socket path {self.path} is longer than AF_UNIX allows ({MAX_SOCKET_PATH} bytes); "
                          f"set TMPDIR to a shorter directory")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._listener.bind(self.path)
            os.chmod(self.path, 0o600)
            self._listener.listen(64)
            self._listener.setblocking(False)
        except OSError:
            self._listener.close()
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._connections: dict[int, _Connection] = {}
        self._buffer = bytearray(RECV_BYTES)  # every read lands here first (the loop is one thread)
        self._view = memoryview(self._buffer)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="isoplast-data-path", daemon=True)

    def __len__(self) -> int:
        """Open connections."""
        return len(self._connections)

    def start(self) -> None:
        self._thread.start()
        log.info("local data path on %s", self.path)

    def stop(self) -> None:
        """Stop the loop (after the frame in progress), close every connection, remove the socket."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)
        for conn in list(self._connections.values()):
            self._drop(conn)
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()
        self._selector.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    # -- the loop ----------------------------------------------------------------------------

    def _run(self) -> None:
        select = self._selector.select
        next_sweep = time.monotonic() + 1.0
        while not self._stopped.is_set():
            try:
                events = select(1.0)
            except OSError:  # the selector was closed by stop()
                return
            for key, mask in events:
                conn = key.data
                try:
                    if conn == "accept":
                        self._accept()
                    elif conn == "wake":
                        return
                    else:
                        if mask & selectors.EVENT_WRITE:
                            self._flush(conn)
                        if mask & selectors.EVENT_READ and conn.sock.fileno() >= 0:
                            self._read(conn)
                except Exception:  # a bug here must not end the loop for every other client
                    log.exception("data path: dropping a connection after an unexpected error")
                    if isinstance(conn, _Connection):
                        self._drop(conn)
            now = time.monotonic()
            if now >= next_sweep:
                next_sweep = now + 1.0
                for conn in list(self._connections.values()):
                    if not conn.authenticated and now - conn.opened > HELLO_TIMEOUT_S:
                        self._drop(conn)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: the client sees its connect fail
                log.warning("data path: accept failed: %s", exc)
                return
            if len(self._connections) >= 2 * self._max_connections:
                sock.close()  # a flood of connections that never say hello: no reply, no slot
                continue
            sock.setblocking(False)
            conn = _Connection(sock)
            self._connections[sock.fileno()] = conn
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _read(self, conn: _Connection) -> None:
        try:
            n = conn.sock.recv_into(self._buffer)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        if not n:  # the client closed its end
            self._drop(conn)
            return
        if conn.closing:
            return  # a refused connection: input is ignored until the refusal is sent
        if conn.inbox:
            conn.inbox += self._view[:n]
            self._process(conn)
            return
        # the usual case: whole frames straight from the receive buffer, no copy into the inbox
        used = self._consume(conn, self._view[:n])
        if used < n and not conn.closing:
            conn.inbox += self._view[used:n]

    def _process(self, conn: _Connection) -> None:
        """Answer the complete frames waiting in the inbox."""
        view = memoryview(conn.inbox)
        try:
            used = self._consume(conn, view)
        finally:
            view.release()
        if conn.closing:
            conn.inbox.clear()
        else:
            del conn.inbox[:used]

    def _consume(self, conn: _Connection, data: memoryview) -> int:
        """Answer every complete frame at the start of ``data`` unless output is waiting
        (backpressure); returns how many bytes were used."""
        offset, end = 0, len(data)
        while not conn.outbox and not conn.closing and end - offset >= 4 and conn.sock.fileno() >= 0:
            (size,) = HEADER.unpack_from(data, offset)
            if size > self.max_frame_bytes:
                self._refuse(conn, resource_exhausted(
                    f"a data path frame of {size} bytes is above this server's max message size of "
                    f"{self.max_frame_bytes} bytes (--max-message-mb); the connection is closed"))
                return end
            if end - offset - 4 < size:
                break
            payload = bytes(data[offset + 4:offset + 4 + size])
            offset += 4 + size
            self._send(conn, self._answer(conn, payload))
        return offset

    def _answer(self, conn: _Connection, payload: bytes) -> bytes:
        if not conn.authenticated:
            hello = _parse_hello(payload)
            key = getattr(hello, "key", b"")
            if not isinstance(hello, pb.DataPathHello) or not hmac.compare_digest(key, self.key):
                conn.closing = True
                code, message = status_of(self._servicer, unauthenticated(
                    "the first data path frame must be a DataPathHello with the key OpenDataPath returned; "
                    "the connection is closed"), "", "DataPathHello")
                return _status_frame(code, message)
            if len(self._connections) > self._max_connections:
                conn.closing = True
                code, message = status_of(self._servicer, resource_exhausted(
                    f"this server already has {len(self._connections) - 1} data path connections, its limit "
                    f"(--max-handles {self._max_connections}); close envs you no longer use"), "", "DataPathHello")
                return _status_frame(code, message)
            conn.authenticated = True
            return _HELLO_OK
        reply = pb.DataPathReply()
        _, status = answer(self._servicer, lambda request: self._step_into(request, reply), _parse_step(payload),
                           "Step")
        if status is not None:
            return _status_frame(*status)
        body = reply.SerializeToString()
        return HEADER.pack(len(body)) + body

    def _refuse(self, conn: _Connection, error) -> None:
        conn.closing = True
        code, message = status_of(self._servicer, error, "", "frame")
        self._send(conn, _status_frame(code, capped(message)))

    # -- output --------------------------------------------------------------------------------

    def _send(self, conn: _Connection, frame: bytes) -> None:
        if not conn.outbox:
            try:
                sent = conn.sock.send(frame)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._drop(conn)
                return
            if sent == len(frame):
                if conn.closing:
                    self._drop(conn)
                return
            frame = frame[sent:]
        conn.outbox += frame
        self._watch(conn, selectors.EVENT_WRITE)

    def _flush(self, conn: _Connection) -> None:
        try:
            sent = conn.sock.send(conn.outbox)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        del conn.outbox[:sent]
        if conn.outbox:
            return
        if conn.closing:
            self._drop(conn)
            return
        self._watch(conn, selectors.EVENT_READ)
        self._process(conn)  # frames that arrived while the output waited

    def _watch(self, conn: _Connection, events: int) -> None:
        """Wait for input, or (while output is pending) only for room to write."""
        if conn.events != events and conn.sock.fileno() >= 0:
            conn.events = events
            self._selector.modify(conn.sock, events, conn)

    def _drop(self, conn: _Connection) -> None:
        fileno = conn.sock.fileno()
        if fileno < 0:
            return
        self._connections.pop(fileno, None)
        try:
            self._selector.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        conn.sock.close()
