"""Shared fixtures: real servers on port 0 (create_server), real channels, real Gymnasium.

Besides the default allow-list, the test registry has two deliberately broken envs: one whose
step raises, one whose constructor raises. ``UNPICKLABLE`` is a third, for the tests of GetState
(which refuses it), added to their servers' registries only.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

import ale_py
import grpc
import gymnasium
import minatar.gym
import numpy as np
import pytest
from gymnasium import spaces

from isoplast.env.v1 import env_pb2 as pb
from isoplast.env.v1 import env_pb2_grpc as pb_grpc
from isoplast_env_server import EnvEntry, Limits, create_server, default_registry
from isoplast_env_server.tensors import NUMPY_DTYPE


class RaisingEnv(gymnasium.Env):
    """Resets fine; its step raises, like an env with a bug."""

    observation_space = spaces.Box(-1.0, 1.0, shape=(3,), dtype=np.float32)
    action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(3, dtype=np.float32), {}

    def step(self, action):
        raise RuntimeError("simulated physics blew up")


class UnpicklableEnv(RaisingEnv):
    """Steps fine, but holds a lock, which pickle refuses: an env whose state cannot be saved."""

    def __init__(self):
        self.lock = threading.Lock()

    def step(self, action):
        return np.zeros(3, dtype=np.float32), 1.0, False, False, {}


def _raising_constructor():
    raise ValueError("simulated constructor failure")


CLASSIC_CONTROL = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]
MUJOCO = ["Ant-v5", "HalfCheetah-v5", "Hopper-v5", "Walker2d-v5"]
MINATAR = ["MinAtar/Asterix-v1", "MinAtar/Breakout-v1", "MinAtar/Freeway-v1", "MinAtar/Seaquest-v1",
           "MinAtar/SpaceInvaders-v1"]
ATARI = ["ALE/Asterix-v5", "ALE/Breakout-v5", "ALE/Freeway-v5", "ALE/Seaquest-v5", "ALE/SpaceInvaders-v5", "ALE/Pong-v5"]
#: This server's own ids that play several games in turn (switch_envs.py); Gymnasium does not know them.
SWITCHES = ["MinAtar/Switch-v1", "ALE/Switch-v5"]
minatar.gym.register_envs()
gymnasium.register_envs(ale_py)  # in-process references: gymnasium.make("ALE/...")  # in-process references: gymnasium.make("MinAtar/...") as MinAtar documents it


def make_test_registry():
    return default_registry().with_entries(
        EnvEntry(env_id="Raising-v0", make=RaisingEnv),
        EnvEntry(env_id="RaisingCtor-v0", make=_raising_constructor),
    )


UNPICKLABLE = EnvEntry(env_id="Unpicklable-v0", make=UnpicklableEnv)


class Client:
    """A stub plus helpers that build requests from numpy arrays and decode responses."""

    def __init__(self, channel: grpc.Channel, metadata=None):
        self.channel = channel
        self.stub = pb_grpc.EnvServiceStub(channel)
        self.metadata = metadata

    def call(self, method: str, request):
        return getattr(self.stub, method)(request, metadata=self.metadata)

    def make(self, env_id: str, num_envs: int = 1, seed: int | None = None, **kwargs) -> pb.MakeResponse:
        request = pb.MakeRequest(env_id=env_id, num_envs=num_envs, seed=seed)
        for name, value in kwargs.items():
            request.kwargs[name].CopyFrom(kwarg(value))
        return self.call("Make", request)

    def reset(self, handle: str, seed: int | None = None) -> np.ndarray:
        return decode(self.call("Reset", pb.ResetRequest(handle=handle, seed=seed)).observations)

    def step(self, handle: str, actions: np.ndarray) -> pb.StepResponse:
        return self.call("Step", pb.StepRequest(handle=handle, actions=encode(actions)))

    def reconfigure(self, handle: str, **fields) -> pb.ReconfigureResponse:
        return self.call("Reconfigure", pb.ReconfigureRequest(handle=handle, **fields))

    def close(self, handle: str) -> None:
        self.call("Close", pb.CloseRequest(handle=handle))

    def get_state(self, handle: str) -> bytes:
        return self.call("GetState", pb.GetStateRequest(handle=handle)).state

    def set_state(self, handle: str, state: bytes) -> None:
        self.call("SetState", pb.SetStateRequest(handle=handle, state=state))

    def assert_serving(self) -> None:
        """The server still answers a complete valid exchange."""
        handle = self.make("CartPole-v1", num_envs=2, seed=0).handle
        assert self.reset(handle).shape == (2, 4)
        assert decode(self.step(handle, np.array([0, 1])).observations).shape == (2, 4)
        self.close(handle)


class DataPathClient:
    """The local data path from a test's side: a Unix-socket connection that has said hello (or,
    with ``hello=False``, not yet), sending frames and reading DataPathReply frames."""

    HEADER = struct.Struct("<I")

    def __init__(self, client: Client, hello: bool = True, timeout: float = 30.0):
        info = client.call("OpenDataPath", pb.OpenDataPathRequest())
        assert info.unix_socket, "the server offers no data path"
        self.info = info
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(info.unix_socket)
        self._pending = b""
        if hello:
            reply = self.exchange(pb.DataPathHello(key=info.key))
            assert reply.status.code == 0 and not reply.HasField("step"), reply

    def send(self, message) -> None:
        """One frame holding ``message`` (a message or raw bytes)."""
        body = message if isinstance(message, bytes) else message.SerializeToString()
        self.sock.sendall(self.HEADER.pack(len(body)) + body)

    def receive(self) -> pb.DataPathReply:
        """The next reply frame; EOFError if the server closed the connection first."""
        size = self.HEADER.unpack(self._read(4))[0]
        return pb.DataPathReply.FromString(self._read(size))

    def _read(self, count: int) -> bytes:
        while len(self._pending) < count:
            chunk = self.sock.recv(max(65536, count))
            if not chunk:
                raise EOFError("the server closed the data path connection")
            self._pending += chunk
        data, self._pending = self._pending[:count], self._pending[count:]
        return data

    def exchange(self, message) -> pb.DataPathReply:
        self.send(message)
        return self.receive()

    def step(self, handle: str, actions: np.ndarray) -> pb.StepResponse:
        """A Step through the data path; the reply's status raised as DataPathError otherwise."""
        reply = self.exchange(pb.StepRequest(handle=handle, actions=encode(actions)))
        if reply.HasField("status"):
            raise DataPathError(reply.status.code, reply.status.message)
        return reply.step

    def closed_by_server(self) -> bool:
        """True once the server has closed its end (reads see EOF)."""
        try:
            self._read(len(self._pending) + 1)
            return False
        except EOFError:
            return True

    def close(self) -> None:
        self.sock.close()


class DataPathError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"{grpc_code_name(code)}: {message}")
        self.code = grpc_code_name(code)
        self.message = message


def grpc_code_name(number: int) -> str:
    """The status name of a numeric gRPC code (DataPathStatus.code)."""
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code.name
    return f"code {number}"


@contextlib.contextmanager
def data_path(client: Client, hello: bool = True):
    connection = DataPathClient(client, hello=hello)
    try:
        yield connection
    finally:
        connection.close()


def kwarg(value) -> pb.KwargValue:
    if isinstance(value, bool):
        return pb.KwargValue(flag=value)
    if isinstance(value, int):
        return pb.KwargValue(integer=value)
    if isinstance(value, float):
        return pb.KwargValue(number=value)
    return pb.KwargValue(text=value)


def encode(array: np.ndarray) -> pb.Tensor:
    from isoplast_env_server.tensors import to_tensor

    return to_tensor(np.asarray(array))


def varint(value: int) -> bytes:
    """Protobuf's base-128 varint encoding of a non-negative integer."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def padded(data: bytes, total: int) -> bytes:
    """Message bytes plus an unknown length-delimited field (number 999, which the server ignores),
    making ``total`` bytes: requests exactly at or just above a max message size."""
    tag = varint(999 << 3 | 2)
    for payload in range(total - len(data) - len(tag) - 1, -1, -1):
        candidate = data + tag + varint(payload) + bytes(payload)
        if len(candidate) == total:
            return candidate
    raise ValueError(f"cannot pad {len(data)} bytes to {total}")


def decode(tensor: pb.Tensor) -> np.ndarray:
    return np.frombuffer(tensor.data, dtype=NUMPY_DTYPE[tensor.dtype]).reshape(tuple(tensor.shape))


class Reference:
    """Plain gymnasium.make envs: reset(seed=seed+i) once, then reset() whenever an episode ends;
    what a handle must reproduce exactly. ``configure(unwrapped)`` changes each env before its
    first reset, as a Reconfigure between Make and Reset does on the server; ``kwargs`` go to
    gymnasium.make; ``observation`` maps each observation as the server's delivery does (MinAtar's
    channels-first float32); ``make`` replaces ``gymnasium.make(env_id, **kwargs)`` as the maker of
    each env (a reference of this server's own envs, e.g. test_switch.py's)."""

    def __init__(self, env_id, num_envs, seed, configure=None, kwargs=None, observation=lambda o: o, make=None):
        make = make or (lambda: gymnasium.make(env_id, **(kwargs or {})))
        self.envs = [make() for _ in range(num_envs)]
        self.observation = observation
        for env in self.envs:
            if configure is not None:
                configure(env.unwrapped)
        self.obs = np.stack([observation(env.reset(seed=seed + i)[0]) for i, env in enumerate(self.envs)])
        self.returns = np.zeros(num_envs)
        self.lengths = np.zeros(num_envs, dtype=np.int64)

    def step(self, actions):
        rows, rewards, terminated, truncated, ended, finals, returns, lengths = [], [], [], [], [], [], [], []
        for i, (env, action) in enumerate(zip(self.envs, actions)):
            obs, reward, term, trunc, _ = env.step(action)
            self.returns[i] += reward
            self.lengths[i] += 1
            rewards.append(reward)
            terminated.append(term)
            truncated.append(trunc)
            obs = self.observation(obs)
            if term or trunc:
                ended.append(i)
                finals.append(obs)
                returns.append(self.returns[i])
                lengths.append(self.lengths[i])
                self.returns[i], self.lengths[i] = 0.0, 0
                obs = self.observation(env.reset()[0])
            rows.append(obs)
        return np.stack(rows), np.array(rewards), np.array(terminated), np.array(truncated), ended, finals, returns, lengths


def assert_same_step(response, expected):
    rows, rewards, terminated, truncated, ended, finals, returns, lengths = expected
    np.testing.assert_array_equal(decode(response.observations), rows)
    np.testing.assert_array_equal(decode(response.rewards), rewards)
    np.testing.assert_array_equal(decode(response.terminated), terminated)
    np.testing.assert_array_equal(decode(response.truncated), truncated)
    assert list(response.ended_indices) == ended
    final_observations = decode(response.final_observations)
    assert final_observations.shape[0] == len(ended)
    if ended:
        np.testing.assert_array_equal(final_observations, np.stack(finals))
    assert list(response.episode_returns) == returns
    assert list(response.episode_lengths) == lengths


@contextlib.contextmanager
def running_server(**kwargs):
    """A started server on 127.0.0.1:0 with the test registry; yields (server, port)."""
    kwargs.setdefault("registry", make_test_registry())
    server, port = create_server("127.0.0.1:0", **kwargs)
    try:
        yield server, port
    finally:
        server.stop(0).wait(5)  # stop(None) would block without bound if a call never finished


@contextlib.contextmanager
def connected(port: int, metadata=None):
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Client(channel, metadata)
    finally:
        channel.close()


@pytest.fixture(scope="session")
def shared_server():
    with running_server(limits=Limits(max_handles=32, max_envs_per_handle=256)) as (server, port):
        yield server, port


@pytest.fixture
def client(shared_server):
    with connected(shared_server[1]) as c:
        yield c


def rpc_error(call) -> grpc.RpcError:
    """Run ``call`` and return the RpcError it must raise."""
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true",
                     help="run the long variants of slow tests (test_fuzz.py: 200,000 requests instead of 10,000)")
