"""The local data path (datapath.py, env.proto's DataPathReply): Step over a Unix-domain socket
gives exactly what Step over gRPC gives, errors included; the framing refuses what the proto says
it refuses and never takes the server down."""

from __future__ import annotations

import os
import socket
import stat
import struct
import threading
import time

import grpc
import numpy as np
import pytest
from conftest import (DataPathClient, DataPathError, Reference, assert_same_step, connected, data_path, decode,
                      encode, padded, rpc_error, running_server)

from isoplast.env.v1 import env_pb2 as pb
from isoplast_env_server import Limits, datapath

HEADER = struct.Struct("<I")


def ready(client, env_id="CartPole-v1", num_envs=4, seed=0) -> str:
    handle = client.make(env_id, num_envs=num_envs, seed=seed).handle
    client.reset(handle)
    return handle


# -- the same results as gRPC and as in-process Gymnasium ------------------------------------

def test_open_data_path_names_a_private_socket(client, shared_server):
    info = client.call("OpenDataPath", pb.OpenDataPathRequest())
    assert os.path.isabs(info.unix_socket) and len(info.key) == 32
    assert info.max_frame_bytes == shared_server[0].data_path.max_frame_bytes
    assert stat.S_IMODE(os.stat(os.path.dirname(info.unix_socket)).st_mode) == 0o700  # only the owner gets in


def test_same_step_autoreset_matches_in_process_gymnasium_exactly(client):
    num_envs, seed = 8, 123
    handle = client.make("CartPole-v1", num_envs=num_envs, seed=seed).handle
    reference = Reference("CartPole-v1", num_envs, seed)
    np.testing.assert_array_equal(client.reset(handle), reference.obs)
    rng = np.random.default_rng(3)
    ended = 0
    with data_path(client) as dp:
        for _ in range(300):
            actions = rng.integers(0, 2, size=num_envs)
            response = dp.step(handle, actions)
            assert_same_step(response, reference.step(actions))
            ended += len(response.ended_indices)
    assert ended >= 10
    client.close(handle)


def test_truncation_and_box_actions_match_in_process_gymnasium(client):
    num_envs, seed = 3, 5
    handle = client.make("Pendulum-v1", num_envs=num_envs, seed=seed).handle
    reference = Reference("Pendulum-v1", num_envs, seed)
    client.reset(handle)
    rng = np.random.default_rng(0)
    with data_path(client) as dp:
        for t in range(205):
            actions = rng.uniform(-2, 2, size=(num_envs, 1)).astype(np.float32)
            response = dp.step(handle, actions)
            assert_same_step(response, reference.step(actions))
            if t == 199:
                assert list(response.ended_indices) == [0, 1, 2] and decode(response.truncated).all()
    client.close(handle)


def test_grpc_and_data_path_steps_of_one_handle_interleave_in_order(client):
    """Both paths lock the same handle: alternating them continues one stream of steps."""
    num_envs, seed = 4, 9
    handle = client.make("CartPole-v1", num_envs=num_envs, seed=seed).handle
    reference = Reference("CartPole-v1", num_envs, seed)
    client.reset(handle)
    rng = np.random.default_rng(5)
    with data_path(client) as dp:
        for t in range(100):
            actions = rng.integers(0, 2, size=num_envs)
            response = dp.step(handle, actions) if t % 3 else client.step(handle, actions)
            assert_same_step(response, reference.step(actions))
    client.close(handle)


def test_pipelined_frames_are_answered_in_order_and_may_name_different_handles(client):
    a, b = ready(client, num_envs=2, seed=1), ready(client, num_envs=3, seed=2)
    ref_a, ref_b = Reference("CartPole-v1", 2, 1), Reference("CartPole-v1", 3, 2)
    rng = np.random.default_rng(7)
    with data_path(client) as dp:
        sent = []
        for _ in range(20):
            handle, reference, n = (a, ref_a, 2) if rng.random() < 0.5 else (b, ref_b, 3)
            actions = rng.integers(0, 2, size=n)
            dp.send(pb.StepRequest(handle=handle, actions=encode(actions)))
            sent.append((reference, actions))
        for reference, actions in sent:  # all sent before the first reply is read
            reply = dp.receive()
            assert reply.HasField("step"), reply
            assert_same_step(reply.step, reference.step(actions))
    client.close(a)
    client.close(b)


def test_a_frame_sent_in_pieces_is_answered_once_complete_while_others_are_served(client):
    handle = ready(client, num_envs=2)
    other = ready(client, num_envs=2)
    frame = pb.StepRequest(handle=handle, actions=encode(np.array([0, 1]))).SerializeToString()
    data = HEADER.pack(len(frame)) + frame
    with data_path(client) as slow, data_path(client) as fast:
        for i, byte in enumerate(data):
            slow.sock.sendall(bytes([byte]))
            if i % 7 == 0:  # a half-sent frame holds up nobody else
                assert fast.step(other, np.array([1, 0])).observations.shape == [2, 4]
        reply = slow.receive()
        assert reply.HasField("step") and list(reply.step.observations.shape) == [2, 4]


def test_a_client_that_does_not_read_holds_up_only_itself():
    """Replies that fill the socket wait in the server's outbox; the loop goes on serving others."""
    with running_server(limits=Limits(max_envs_per_handle=1024)) as (server, port), connected(port) as client:
        wide = ready(client, num_envs=1024)
        small = ready(client, num_envs=1)
        request = pb.StepRequest(handle=wide, actions=encode(np.zeros(1024, np.int64)))
        with data_path(client) as greedy, data_path(client) as other:
            frame = request.SerializeToString()
            count = 300  # ~25 KB per reply: the socket buffers fill up long before the last

            def flood():
                for _ in range(count):
                    greedy.sock.sendall(HEADER.pack(len(frame)) + frame)  # blocks once the server stops reading

            sender = threading.Thread(target=flood, daemon=True)
            sender.start()
            time.sleep(1.0)
            assert sender.is_alive(), "the server should have stopped reading the flood"
            for _ in range(20):
                assert list(other.step(small, np.array([1])).observations.shape) == [1, 4]
            for _ in range(count):  # every request is answered, in order, once the client reads
                assert greedy.receive().HasField("step")
            sender.join(timeout=30)
            assert not sender.is_alive()


# -- the same errors as gRPC's Step -----------------------------------------------------------

def bad_requests(handle: str, fresh: str):
    """Requests Step refuses, one per documented reason."""
    return [
        pb.StepRequest(handle="no-such-handle", actions=encode(np.array([0, 1]))),
        pb.StepRequest(handle=handle, actions=encode(np.array([[0], [1]]))),
        pb.StepRequest(handle=handle, actions=encode(np.array([0.0, 1.0]))),
        pb.StepRequest(handle=handle, actions=encode(np.array([0, 2]))),
        pb.StepRequest(handle=handle, actions=pb.Tensor(dtype=pb.DTYPE_INT64, shape=[2], data=b"\x00" * 15)),
        pb.StepRequest(handle=handle),
        pb.StepRequest(handle=fresh, actions=encode(np.array([0, 1]))),  # before Reset
        b"\xff\xff\xff\xff",  # no message at all
        b"\x0a\x02\xc3\x28",  # invalid UTF-8 in the handle
    ]


def test_every_refused_step_gets_the_code_and_message_grpc_gives(client):
    handle = ready(client, num_envs=2)
    fresh = client.make("CartPole-v1", num_envs=2).handle
    raw_step = client.channel.unary_unary("/isoplast.env.v1.EnvService/Step", request_serializer=None,
                                          response_deserializer=None)
    with data_path(client) as dp:
        codes = set()
        for request in bad_requests(handle, fresh):
            data = request if isinstance(request, bytes) else request.SerializeToString()
            error = rpc_error(lambda: raw_step(data, timeout=10))
            reply = dp.exchange(data)
            assert reply.HasField("status"), (request, reply)
            assert DataPathError(reply.status.code, "").code == error.code().name, (request, reply.status)
            assert reply.status.message == error.details()
            codes.add(error.code().name)
        assert codes == {"NOT_FOUND", "INVALID_ARGUMENT", "FAILED_PRECONDITION"}
        assert dp.step(handle, np.array([0, 1])).observations.shape == [2, 4]  # the connection stays usable
    client.assert_serving()


def test_an_env_that_raises_is_internal_closes_its_handle_and_the_server_serves_on(client):
    other = ready(client, num_envs=2)
    broken = ready(client, "Raising-v0", num_envs=3)
    with data_path(client) as dp:
        with pytest.raises(DataPathError) as info:
            dp.step(broken, np.zeros(3, np.int64))
        assert info.value.code == "INTERNAL" and "simulated physics blew up" in info.value.message
        assert "has been closed" in info.value.message
        with pytest.raises(DataPathError) as info:
            dp.step(broken, np.zeros(3, np.int64))
        assert info.value.code == "NOT_FOUND" and "closed because" in info.value.message
        assert dp.step(other, np.zeros(2, np.int64)).observations.shape == [2, 4]


def test_a_closed_or_reaped_handle_is_not_found():
    with running_server(limits=Limits(idle_timeout_s=0.2)) as (_, port), connected(port) as client:
        handle = ready(client, num_envs=2)
        with data_path(client) as dp:
            time.sleep(1.0)
            with pytest.raises(DataPathError) as info:
                dp.step(handle, np.array([0, 1]))
            assert info.value.code == "NOT_FOUND" and "reaped for idleness" in info.value.message


# -- the framing: hello, sizes, limits ---------------------------------------------------------

@pytest.mark.parametrize("first", [pb.DataPathHello(key=b"x" * 32), pb.DataPathHello(), b"\xff\xff\xff", b"",
                                   "step"])
def test_without_the_right_hello_the_connection_is_unauthenticated_and_closed(client, first):
    handle = ready(client, num_envs=2)
    with data_path(client, hello=False) as dp:
        if first == "step":
            first = pb.StepRequest(handle=handle, actions=encode(np.array([0, 1])))
        reply = dp.exchange(first)
        assert DataPathError(reply.status.code, "").code == "UNAUTHENTICATED", reply
        assert dp.closed_by_server()
    client.assert_serving()


def test_a_frame_above_the_max_size_is_resource_exhausted_and_closes_the_connection():
    limit = 16 * 1024
    with running_server(limits=Limits(max_message_bytes=limit)) as (_, port), connected(port) as client:
        handle = ready(client, num_envs=2)
        good = pb.StepRequest(handle=handle, actions=encode(np.array([0, 1]))).SerializeToString()
        with data_path(client) as dp:
            assert dp.exchange(padded(good, limit)).HasField("step")  # exactly at the limit: served
            for size in (limit + 1, 2**32 - 1):
                with data_path(client) as over:
                    over.sock.sendall(HEADER.pack(size) + b"\x00" * 100)
                    reply = over.receive()
                    assert DataPathError(reply.status.code, "").code == "RESOURCE_EXHAUSTED"
                    assert "max message size" in reply.status.message
                    assert over.closed_by_server()
            assert dp.exchange(good).HasField("step")  # other connections are untouched
        client.assert_serving()


def test_more_connections_than_the_handle_limit_are_resource_exhausted():
    with running_server(limits=Limits(max_handles=2)) as (server, port), connected(port) as client:
        first, second = DataPathClient(client), DataPathClient(client)
        third = DataPathClient(client, hello=False)
        reply = third.exchange(pb.DataPathHello(key=third.info.key))
        assert DataPathError(reply.status.code, "").code == "RESOURCE_EXHAUSTED" and "--max-handles" in reply.status.message
        assert third.closed_by_server()
        first.close()
        deadline = time.monotonic() + 10
        while len(server.data_path) > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        DataPathClient(client).close()  # a slot is free again
        second.close()


def test_a_connection_without_a_hello_is_closed_after_the_timeout(monkeypatch):
    monkeypatch.setattr(datapath, "HELLO_TIMEOUT_S", 0.2)
    with running_server() as (server, port), connected(port) as client:
        dp = DataPathClient(client, hello=False)
        dp.sock.sendall(b"\x05\x00")  # half a header, then nothing
        assert dp.closed_by_server()  # within ~1.2 s (the loop checks once a second)
        assert len(server.data_path) == 0


def test_open_data_path_needs_the_token_like_every_other_call():
    with running_server(token="s3cret") as (_, port):
        with connected(port) as anonymous:
            assert rpc_error(lambda: anonymous.call("OpenDataPath", pb.OpenDataPathRequest())).code().name \
                == "UNAUTHENTICATED"
        with connected(port, metadata=[("authorization", "Bearer s3cret")]) as authorised:
            handle = ready(authorised, num_envs=2)
            with data_path(authorised) as dp:
                assert dp.step(handle, np.array([0, 1])).observations.shape == [2, 4]


def test_no_data_path_when_disabled():
    with running_server(data_path=False) as (server, port), connected(port) as client:
        assert server.data_path is None
        assert client.call("OpenDataPath", pb.OpenDataPathRequest()) == pb.OpenDataPathResponse()


def test_stop_closes_connections_and_removes_the_socket():
    with running_server() as (server, port), connected(port) as client:
        handle = ready(client, num_envs=2)
        dp = DataPathClient(client)
        assert dp.step(handle, np.array([0, 1])).observations.shape == [2, 4]
        path = dp.info.unix_socket
        server.stop(0).wait(5)
        assert dp.closed_by_server()
        assert not os.path.exists(os.path.dirname(path))


# -- random frames never hurt the server --------------------------------------------------------

def test_random_frames_get_documented_codes_and_a_valid_client_is_untouched(client):
    """Garbage at the framing level (random bytes, cut and flipped frames, random lengths, a
    stream split at random points) on several connections, while a valid data-path client steps
    and must see in-process Gymnasium's values. Every reply is a step or a status of Step's
    documented codes (or UNAUTHENTICATED / RESOURCE_EXHAUSTED for the hello and frame size)."""
    from test_fuzz import DOCUMENTED

    allowed = set(DOCUMENTED["Step"]) | {"OK"}
    handle = ready(client, num_envs=3, seed=4)
    mine = client.make("CartPole-v1", num_envs=4, seed=77).handle
    reference = Reference("CartPole-v1", 4, 77)
    client.reset(mine)
    failures = []
    done = threading.Event()

    def valid():
        rng = np.random.default_rng(1)
        with data_path(client) as dp:
            while not done.is_set():
                actions = rng.integers(0, 2, size=4)
                try:
                    assert_same_step(dp.step(mine, actions), reference.step(actions))
                except Exception as exc:  # reported below
                    failures.append(f"valid client: {exc!r}")
                    return

    thread = threading.Thread(target=valid)
    thread.start()
    rng = np.random.default_rng(20260)
    good = pb.StepRequest(handle=handle, actions=encode(np.array([0, 1, 1]))).SerializeToString()
    seen: dict[str, int] = {}
    for _ in range(200):
        dp = DataPathClient(client, hello=bool(rng.random() < 0.8))
        try:
            for _ in range(int(rng.integers(1, 30))):
                roll = rng.random()
                if roll < 0.3:
                    body = rng.bytes(int(rng.integers(0, 64)))
                elif roll < 0.7:
                    body = bytearray(good)
                    for _ in range(int(rng.integers(1, 4))):
                        body[int(rng.integers(len(body)))] ^= 1 << int(rng.integers(8))
                    body = bytes(body)
                else:
                    body = good[:int(rng.integers(len(good) + 1))]
                lying = rng.random() < 0.1  # a length longer than what follows (then hang up), or huge
                size = int(rng.choice([len(body) + 5, 2**31, 2**32 - 1])) if lying else len(body)
                data = HEADER.pack(size) + body
                cut = int(rng.integers(len(data) + 1))
                try:
                    dp.sock.sendall(data[:cut])
                    dp.sock.sendall(data[cut:])
                except (BrokenPipeError, ConnectionResetError):
                    break  # the server closed the connection after a refusal
                if size == len(body) + 5 or rng.random() < 0.1:
                    break  # hang up with a frame half sent, or with replies in flight
                try:
                    reply = dp.receive()
                except (EOFError, socket.timeout, ConnectionResetError):
                    break
                code = DataPathError(reply.status.code, "").code if reply.HasField("status") else "OK"
                seen[code] = seen.get(code, 0) + 1
                if code not in allowed | {"UNAUTHENTICATED", "RESOURCE_EXHAUSTED"}:
                    failures.append(f"undocumented {code} for {data[:60]!r}: {reply.status.message}")
                if code in ("UNAUTHENTICATED", "RESOURCE_EXHAUSTED"):
                    break
        finally:
            dp.close()
    done.set()
    thread.join(timeout=60)
    print("data path fuzz replies:", dict(sorted(seen.items())))
    assert not failures, failures[:10]
    assert {"OK", "INVALID_ARGUMENT", "NOT_FOUND", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED"} <= set(seen), seen
    client.assert_serving()
    with data_path(client) as dp:
        assert dp.step(handle, np.array([1, 1, 0])).observations.shape == [3, 4]
