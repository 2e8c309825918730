"""A fuzzed server: thousands of malformed or random requests over a real channel, while a valid
client steps its own CartPole vector beside them.

What is checked, for every request (the headline properties):

- it is answered, within a deadline, with OK or a status code that env.proto's comment on that
  RPC lists (the comments are parsed, so documentation and server cannot drift apart); never
  UNKNOWN, never a hang;
- and with the code an independent oracle expects from the request and what this client knows
  about its own handles (``Fuzzer.verdict``): an unknown handle is NOT_FOUND, a malformed action
  INVALID_ARGUMENT, a valid one OK, ... The oracle states the documented rules itself (it never
  calls the server's validation code); where a request has several problems any of their codes
  is accepted (the order of checks is not part of the protocol);
- the server never dies: afterwards health is SERVING, ListEnvs answers, no handle slot leaked,
  and grpc logged no exception (an exception escaping a handler is what becomes UNKNOWN);
- a valid client stepping CartPole on its own handle all along (unary Step, StepStream and the
  local data path) sees no error and exactly the observations and rewards of in-process Gymnasium;
- Step requests go through gRPC and through the local data path (a Unix socket, env.proto's
  DataPathReply) alike, under the same oracle: both transports must give the same codes.

Requests come from seeded generators, so a failure reproduces: valid-ish requests built from
what the fuzzer's own handles are, then mutated at random (property style); a hand-listed set
of nasty cases first; raw bytes that are no message at all, bit flips of valid ones, requests
just at and just above the server's max message size; StepStream with bad messages mid-stream;
and rounds of threads that close a handle while others step, reset, reconfigure it and get and set
its state. SetState gets the states the worker's own GetStates returned (loaded into handles that
match them or not), and mangled ones: flipped bits, cut or lengthened blobs, random bytes.

Size: the fuzz workers send ISOPLAST_FUZZ_COUNT requests (default 10,000, the CI run; a stream
counts each of its messages), the oversize thread and the close races add theirs for as long as
the workers run; ``pytest --long`` makes it 200,000 unless ISOPLAST_FUZZ_COUNT says otherwise.
ISOPLAST_FUZZ_SEED picks the seed (default 20260). Each failure names the seed, the worker and the
request; ``-s`` prints the counts and the status codes seen.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import conftest
from conftest import (Client, DataPathClient, Reference, assert_same_step, connected, data_path, decode, encode,
                      grpc_code_name, kwarg, padded, running_server)
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2, health_pb2_grpc

from isoplast.env.v1 import env_pb2 as pb
from isoplast_env_server import Limits
from isoplast_env_server.registry import ATARI_IDS, ATARI_SWITCH_ID, Registry
from isoplast_env_server.perturbation import REWARD_SCALE_RANGE

PROTO = Path(__file__).resolve().parents[2] / "proto/src/main/proto/isoplast/env/v1/env.proto"
SERVICE = "isoplast.env.v1.EnvService"
RPCS = [method.name for method in pb.DESCRIPTOR.services_by_name["EnvService"].methods]
REQUEST = {method.name: getattr(pb, method.input_type.name)
           for method in pb.DESCRIPTOR.services_by_name["EnvService"].methods}
RESPONSE = {method.name: getattr(pb, method.output_type.name)
            for method in pb.DESCRIPTOR.services_by_name["EnvService"].methods}

CI_COUNT, LONG_COUNT, DEFAULT_SEED = 10_000, 200_000, 20260
DEADLINE_S = 30.0  # per call: generous for 2 busy cores, yet a hang fails instead of blocking CI
LIMITS = Limits(max_handles=24, max_envs_per_handle=8, max_message_bytes=128 * 1024)
OWNED_PER_WORKER = 6  # handles a fuzz worker keeps (3 workers x 6 + 1 race + 1 valid client < 24, so
#                       only unlucky moments or at-the-limit Makes fill every slot)
SERVER_ID = re.compile(r"h[1-9][0-9]{0,6}")  # ids the server hands out; never guessed by a worker
OK, INVALID, NOT_FOUND, PRECONDITION, EXHAUSTED, INTERNAL = (
    "OK", "INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION", "RESOURCE_EXHAUSTED", "INTERNAL")


# -- what env.proto documents ------------------------------------------------------------------

def documented_codes(text: str) -> dict[str, frozenset[str]]:
    """Status codes named in the comment above each ``rpc`` of the service; "the codes of X"
    includes X's."""
    names = {code.name for code in grpc.StatusCode} - {OK}
    service = text[text.index("service EnvService"):]
    codes: dict[str, set[str]] = {}
    references: dict[str, str] = {}
    comment: list[str] = []
    for line in service.splitlines():
        line = line.strip()
        if line.startswith("//"):
            comment.append(line[2:])
            continue
        match = re.match(r"rpc (\w+)\(", line)
        if match:
            block = " ".join(comment)
            codes[match[1]] = {name for name in names if re.search(rf"\b{name}\b", block)}
            reference = re.search(r"codes of (\w+)", block)
            if reference:
                references[match[1]] = reference[1]
        comment = []
    for rpc, other in references.items():
        codes[rpc] |= codes[other]
    return {rpc: frozenset(found) for rpc, found in codes.items()}


DOCUMENTED = documented_codes(PROTO.read_text())


def test_every_rpc_documents_its_status_codes():
    assert sorted(DOCUMENTED) == sorted(RPCS)
    for rpc, codes in DOCUMENTED.items():
        assert "UNAUTHENTICATED" in codes and "UNKNOWN" not in codes, rpc
    assert DOCUMENTED["StepStream"] >= DOCUMENTED["Step"]


# -- the wire, with bytes passed through untouched ---------------------------------------------

def serialize(request) -> bytes:
    return request if isinstance(request, bytes) else request.SerializeToString()


@dataclass
class Outcome:
    code: str
    details: str = ""
    response: object = None
    answered: int = 0  # StepStream: responses received before the status


class Wire:
    """One channel, every EnvService method callable with messages or raw bytes, always with a
    deadline; the outcome is a status name, never an exception."""

    def __init__(self, channel: grpc.Channel):
        self._unary = {rpc: channel.unary_unary(f"/{SERVICE}/{rpc}", request_serializer=serialize,
                                                response_deserializer=RESPONSE[rpc].FromString)
                       for rpc in RPCS if rpc != "StepStream"}
        self._stream = channel.stream_stream(f"/{SERVICE}/StepStream", request_serializer=serialize,
                                             response_deserializer=pb.StepResponse.FromString)

    def call(self, rpc: str, request) -> Outcome:
        try:
            return Outcome(OK, response=self._unary[rpc](request, timeout=DEADLINE_S))
        except grpc.RpcError as error:
            return Outcome(error.code().name, error.details() or "")

    def stream(self, requests) -> Outcome:
        """StepStream over ``requests`` (any iterable); the responses are in ``outcome.response``."""
        responses = []
        try:
            for response in self._stream(iter(requests), timeout=DEADLINE_S):
                responses.append(response)
            return Outcome(OK, response=responses, answered=len(responses))
        except grpc.RpcError as error:
            return Outcome(error.code().name, error.details() or "", responses, len(responses))


class DataPathWire:
    """Step through the local data path with the Wire's interface: one connection, reopened after
    the server closes it (a frame above the size limit closes it, env.proto says)."""

    def __init__(self, client):
        self._client = client
        self._connection = None

    def call(self, rpc: str, request) -> Outcome:
        assert rpc == "Step", rpc
        if self._connection is None:
            self._connection = DataPathClient(self._client, timeout=DEADLINE_S)
        try:
            reply = self._connection.exchange(request)
        except (OSError, EOFError) as exc:  # no answer: the fuzzer reports it as a transport failure
            self.close()
            return Outcome("DATA_PATH_FAILED", f"{type(exc).__name__}: {exc}")
        if reply.HasField("step"):
            return Outcome(OK, response=reply.step)
        code = grpc_code_name(reply.status.code)
        if code in (EXHAUSTED, "UNAUTHENTICATED"):
            self.close()  # the server closed the connection after this reply
        return Outcome(code, reply.status.message)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# -- the independent oracle ---------------------------------------------------------------------

WIRE_NUMPY = {pb.DTYPE_FLOAT32: np.dtype("<f4"), pb.DTYPE_FLOAT64: np.dtype("<f8"), pb.DTYPE_INT32: np.dtype("<i4"),
              pb.DTYPE_INT64: np.dtype("<i8"), pb.DTYPE_INT8: np.dtype("i1"), pb.DTYPE_UINT8: np.dtype("u1"),
              pb.DTYPE_BOOL: np.dtype("?")}
INTEGER_DTYPES = {pb.DTYPE_INT8, pb.DTYPE_UINT8, pb.DTYPE_INT32, pb.DTYPE_INT64}
FLOAT_DTYPES = {pb.DTYPE_FLOAT32, pb.DTYPE_FLOAT64}


def action_ok(space: pb.Space, num_envs: int, tensor: pb.Tensor) -> bool:
    """env.proto's StepRequest rule: [num_envs, *shape]; Discrete takes any integer dtype, a float
    Box any float dtype (cast to the space's); the bytes match; every value finite and inside."""
    if space.HasField("discrete"):
        accepted, shape = INTEGER_DTYPES, [num_envs]
    else:
        accepted, shape = FLOAT_DTYPES, [num_envs, *space.box.shape]
    if tensor.dtype not in accepted or list(tensor.shape) != shape:
        return False
    dtype = WIRE_NUMPY[tensor.dtype]
    if len(tensor.data) != math.prod(shape) * dtype.itemsize:
        return False
    values = np.frombuffer(tensor.data, dtype=dtype).reshape(shape)
    if space.HasField("discrete"):
        start, n = space.discrete.start, space.discrete.n
        return bool(((values >= start) & (values <= start + n - 1)).all())
    with np.errstate(over="ignore", invalid="ignore"):
        cast = values.astype(WIRE_NUMPY[space.box.dtype])
    return bool(np.isfinite(cast).all() and (cast >= decode(space.box.low)).all()
                and (cast <= decode(space.box.high)).all())


def kwarg_range(info: pb.EnvInfo, name: str) -> tuple[float, float]:
    """A float kwarg's allowed range, as its KwargSpec description states it (env.proto)."""
    for spec in info.kwargs:
        match = re.search(r"; allowed range \[([^,]+), ([^\]]+)\]$", spec.description) if spec.name == name else None
        if match:
            return float(match[1]), float(match[2])
    return -math.inf, math.inf


def is_permutation(values, size: int) -> bool:
    return len(values) == size and sorted(values) == list(range(size))


@dataclass(frozen=True)
class StateOf:
    """What a GetState blob is a state of: SetState takes it into handles of the same env id,
    num_envs and spaces, which then need a Reset before stepping exactly if this one did."""

    env_id: str
    num_envs: int
    observation_space: pb.Space
    action_space: pb.Space
    reset: bool

    def fits(self, owned: "Owned") -> bool:
        return (self.env_id, self.num_envs, self.observation_space, self.action_space) == (
            owned.env_id, owned.num_envs, owned.observation_space, owned.action_space)


STATES_KEPT = 12
UNPICKLABLE = conftest.UNPICKLABLE.env_id  # an env GetState refuses, added to this test's registry
def fuzz_registry() -> Registry:
    """The test registry with the unpicklable env, without the Atari ids: their Box bounds (2 x 28,224
    floats each) make ListEnvs' answer 1.6 MB, beyond LIMITS' message size, an env takes 0.3 s to make
    (ALE/Switch-v5 1.5 s) and its state ~0.7 MB per game; their protocol is the other envs'
    (test_atari.py tests them through a server)."""
    atari = {*ATARI_IDS, ATARI_SWITCH_ID}
    return Registry(entry for entry in conftest.make_test_registry().with_entries(conftest.UNPICKLABLE)
                    if entry.env_id not in atari)


MUJOCO_IDS = {"Ant-v5", "HalfCheetah-v5", "Hopper-v5", "Walker2d-v5"}  # states of 2+ envs exceed LIMITS


@dataclass
class Owned:
    """A handle this worker made: what it is and what has happened to it."""

    handle: str
    env_id: str
    num_envs: int
    observation_space: pb.Space
    action_space: pb.Space
    info: pb.EnvInfo | None  # ListEnvs' description (dynamics, kwargs); None for an unlisted id
    fragile: bool  # its env raises by design (Raising-v0): INTERNAL is the right answer
    reset: bool = False

    @property
    def obs_size(self) -> int:
        return math.prod(self.observation_space.box.shape)


# -- the fuzzer ---------------------------------------------------------------------------------

MODULE_IDS = ["os:system", "gymnasium.envs.classic_control:CartPoleEnv", "isoplast_env_server.registry:Registry",
              "subprocess:Popen", ":CartPole-v1", "CartPole-v1:", "builtins:eval", "__main__:Env"]
OFF_LIST_IDS = ["FrozenLake-v1", "LunarLander-v3", "CartPole-v0", "cartpole-v1", "CARTPOLE-V1", " CartPole-v1",
                "CartPole-v1 ", "CartPole-v1\x00", "", "Blackjack-v1", "Taxi-v3", "GymV26Environment-v0",
                "phys2d/CartPole-v1", "Cart\u00a0Pole-v1", "h1", "../CartPole-v1"]
BAD_HANDLES = ["", "h0", "h01", "h-1", "H1", "h1 ", " h2", "h3\x00", "h\u00e9", "h" + "9" * 25, "None", "*",
               "h1;h2", "\U0001F4A5"]
EXTREME_FLOATS = [math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, 1e308, -1e308, 5e-324, 1e-300, 2.0**63]
UNKNOWN_KWARGS = ["render_mode", "xml_file", "max_episode_steps", "__class__", "disable_env_checker",
                  "autoreset", "apply_api_compatibility", "entry_point"]


class Fuzzer:
    """One worker: its own RNG, channel and handles. Builds a request, predicts its verdict,
    sends it, checks the outcome and updates what it knows."""

    def __init__(self, name: str, seed: int, wire: Wire, listed: dict[str, pb.EnvInfo], report,
                 data_wire: DataPathWire | None = None):
        self.name, self.seed = name, seed
        self.rng = np.random.default_rng(seed)
        self.wire = wire
        self.data_wire = data_wire  # when given, half of the Steps go through the local data path
        self.listed = listed
        self.makeable = sorted(listed) + ["RaisingCtor-v0"]  # the test registry's unlisted id
        self.owned: dict[str, Owned] = {}
        self.closed: list[str] = []
        self.report = report
        self.sent = 0
        self.codes: dict[str, int] = {}
        self.states: dict[bytes, StateOf] = {}  # the blobs GetState returned (the latest few)

    # -- small random helpers --

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def text(self, low: int, high: int) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_:/. \u00e9\u4e2d\U0001F600"
        return "".join(self.pick(alphabet) for _ in range(int(self.rng.integers(low, high))))

    def bad_handle(self) -> str:
        roll = self.rng.random()
        if roll < 0.35 and self.closed:
            return self.pick(self.closed[-8:])  # just closed
        if roll < 0.7:
            return self.pick(BAD_HANDLES)
        if roll < 0.85:
            return "x" * int(self.rng.integers(1_000, 60_000))
        handle = self.text(1, 40)
        return handle if not SERVER_ID.fullmatch(handle) else handle + "!"

    # -- valid-ish requests, then mutations --

    def some_state(self, handle: str) -> bytes:
        """A blob GetState returned, mostly one that fits ``handle``; now and then bytes that are none."""
        owned = self.owned.get(handle)
        fitting = [blob for blob, of in self.states.items() if owned is not None and of.fits(owned)]
        if fitting and self.chance(0.6):
            return self.pick(fitting)
        if self.states and self.chance(0.8):
            return self.pick(list(self.states))
        return self.rng.bytes(int(self.rng.integers(0, 200)))

    def mangled_state(self, blob: bytes) -> bytes:
        data = bytearray(blob)
        how = self.rng.integers(6)
        if how == 0 and data:
            data[int(self.rng.integers(len(data)))] ^= 1 << int(self.rng.integers(8))  # anywhere: version, pickle, HMAC
        elif how == 1:
            data = data[:int(self.rng.integers(len(data) + 1))]
        elif how == 2:
            data += self.rng.bytes(int(self.rng.integers(1, 40)))
        elif how == 3 and len(data) > 32:
            data[-32:] = self.rng.bytes(32)  # another HMAC
        elif how == 4:
            data = bytearray(self.pick([b"", b"\x01", b"\x01" * 33, self.rng.bytes(int(self.rng.integers(1, 5000)))]))
        elif data:
            data[0] = self.pick([0, 2, 255])  # another version, under the old HMAC
        return bytes(data)

    def some_handle(self) -> str:
        if self.owned and not self.chance(0.08):
            return self.pick(list(self.owned))
        return self.bad_handle()

    def valid_actions(self, owned: Owned) -> pb.Tensor:
        space, n = owned.action_space, owned.num_envs
        if space.HasField("discrete"):
            actions = self.rng.integers(space.discrete.start, space.discrete.start + space.discrete.n, size=n)
            return encode(actions.astype(self.pick([np.int64, np.int64, np.int32, np.int8, np.uint8])))
        low, high = decode(space.box.low), decode(space.box.high)
        actions = self.rng.uniform(low, high, size=(n, *low.shape))
        return encode(actions.astype(self.pick([np.float32, np.float32, np.float64])))

    def make_request(self) -> pb.MakeRequest:
        weights = {"CartPole-v1": 8, "Pendulum-v1": 4, "MountainCarContinuous-v0": 2, "Raising-v0": 1,
                   "RaisingCtor-v0": 0.5}
        ids = self.makeable
        p = np.array([weights.get(env_id, 1.0) for env_id in ids])
        env_id = ids[int(self.rng.choice(len(ids), p=p / p.sum()))]
        request = pb.MakeRequest(env_id=env_id, num_envs=int(self.rng.integers(1, 5)))
        if self.chance(0.8):
            request.seed = int(self.rng.integers(0, 2**31))
        info = self.listed.get(env_id)
        for spec in info.kwargs if info is not None else ():
            if self.chance(0.3):
                value = {"bool": lambda: bool(self.rng.integers(2)), "int": lambda: int(self.rng.integers(0, 10)),
                         "str": lambda: self.text(0, 8)}.get(spec.type, lambda: self.float_kwarg(info, spec.name))()
                request.kwargs[spec.name].CopyFrom(kwarg(value))
        return request

    def float_kwarg(self, info: pb.EnvInfo, name: str) -> float:
        low, high = kwarg_range(info, name)
        return float(self.rng.uniform(max(low, -2.0), min(high, 2.0)))

    def mutate_make(self, request: pb.MakeRequest) -> None:
        roll = self.rng.random()
        if roll < 0.2:
            request.env_id = self.pick(MODULE_IDS)
        elif roll < 0.35:
            request.env_id = self.pick(OFF_LIST_IDS) if self.chance(0.8) else "E" * int(self.rng.integers(1_000, 50_000))
        elif roll < 0.5:
            request.num_envs = self.pick([0, -1, -2**31, LIMITS.max_envs_per_handle + 1, 2**31 - 1,
                                          LIMITS.max_envs_per_handle, int(self.rng.integers(-50, 50))])
        elif roll < 0.6:
            request.seed = self.pick([-1, -2**63, 2**63 - 1, 0, int(self.rng.integers(-2**63, 2**63 - 1))])
        elif roll < 0.75:
            name = self.pick(UNKNOWN_KWARGS) if self.chance(0.7) else self.text(0, 30) if self.chance(0.7) else "k" * 40_000
            request.kwargs[name].CopyFrom(kwarg(self.pick([1, 1.5, True, "human", ""])))
        else:  # a declared kwarg with a wrong kind, no value, or an extreme value
            info = self.listed.get(request.env_id)
            if info is None or not info.kwargs:
                request.kwargs["sutton_barto_reward"].CopyFrom(kwarg(self.pick([1, 0.5, "yes"])))
                return
            spec = self.pick(list(info.kwargs))
            request.kwargs[spec.name].CopyFrom(self.pick([
                pb.KwargValue(), pb.KwargValue(number=self.pick(EXTREME_FLOATS)), pb.KwargValue(integer=2**63 - 1),
                pb.KwargValue(flag=True), pb.KwargValue(text="x" * int(self.rng.integers(0, 20_000))),
                pb.KwargValue(integer=-(2**63))]))

    def step_request(self) -> pb.StepRequest:
        handle = self.some_handle()
        owned = self.owned.get(handle) or (self.pick(list(self.owned.values())) if self.owned else None)
        actions = self.valid_actions(owned) if owned else encode(np.zeros(2, np.int64))
        return pb.StepRequest(handle=handle, actions=actions)

    def mutate_tensor(self, tensor: pb.Tensor) -> None:
        roll = self.rng.random()
        if roll < 0.12:
            tensor.dtype = self.pick([*WIRE_NUMPY, pb.DTYPE_UNSPECIFIED, 8, 99, -5, 2**31 - 1])
        elif roll < 0.3:
            shape = list(tensor.shape)
            how = self.rng.integers(6)
            if how == 0 and shape:
                shape.pop()
            elif how == 1:
                shape.append(int(self.rng.integers(0, 3)))
            elif how == 2 and shape:
                shape[int(self.rng.integers(len(shape)))] = self.pick(
                    [0, -1, -2**63, 2**62, 2**63 - 1, 2**32, min(shape[0], 2**62) + 1])
            elif how == 3:
                shape = [2**32, 2**32] if self.chance(0.5) else [2**31, 2**31, 2**31]  # products overflow int64
            elif how == 4:
                shape = [1] * int(self.rng.integers(100, 20_000))  # a huge number of dims
            else:
                shape = [-(2**63)]
            tensor.ClearField("shape")
            tensor.shape.extend(shape)
        elif roll < 0.45:
            size = len(tensor.data)
            tensor.data = self.pick([
                self.rng.bytes(size), self.rng.bytes(size), tensor.data[:-1], tensor.data + b"\x00",
                b"", self.rng.bytes(int(self.rng.integers(0, 64))), tensor.data * 2])
        elif roll < 0.8:  # same layout, bad values: non-finite, outside the space, huge integers
            if tensor.dtype not in WIRE_NUMPY or len(tensor.data) % WIRE_NUMPY[tensor.dtype].itemsize:
                return
            values = np.frombuffer(tensor.data, WIRE_NUMPY[tensor.dtype]).copy()
            if values.size == 0:
                return
            i = int(self.rng.integers(values.size))
            if values.dtype.kind == "f":
                bad = self.pick([math.nan, math.inf, -math.inf, 2.5, -2.5, 1e39, -1e300, 2.0000001, -1.0000001])
            else:  # wraps around in narrow or unsigned dtypes: 2**40 becomes 0, -1 becomes 255
                bad = self.pick([2**63 - 1, -(2**63), 2**40, 2, 3, -1, 255, 128])
            with np.errstate(over="ignore", invalid="ignore"):
                values[i] = np.array(bad, dtype=np.float64 if values.dtype.kind == "f" else np.int64).astype(values.dtype)
            tensor.data = values.tobytes()
        else:  # the same values in another dtype (some accepted, some not)
            if tensor.dtype not in WIRE_NUMPY or len(tensor.data) % WIRE_NUMPY[tensor.dtype].itemsize:
                return
            values = np.frombuffer(tensor.data, WIRE_NUMPY[tensor.dtype])
            target = self.pick([np.float32, np.float64, np.int64, np.int32, np.int8, np.uint8, np.bool_])
            shape = tuple(tensor.shape) if len(tensor.shape) <= 32 and math.prod(tensor.shape) == values.size else values.shape
            with np.errstate(invalid="ignore", over="ignore"):
                tensor.CopyFrom(encode(values.reshape(shape).astype(target)))

    def reconfigure_request(self) -> pb.ReconfigureRequest:
        handle = self.some_handle()
        request = pb.ReconfigureRequest(handle=handle)
        owned = self.owned.get(handle)
        info = owned.info if owned else None
        for param in info.dynamics if info is not None else ():
            if self.chance(0.3):
                value = float(self.rng.uniform(param.min, param.max))
                if param.integer and self.chance(0.8):  # a switch env's game: mostly whole numbers
                    value = float(round(value))
                request.dynamics[param.name] = value
        if owned and self.chance(0.15):
            request.obs_permutation.extend(self.rng.permutation(owned.obs_size).tolist())
        if owned and self.chance(0.15):
            request.obs_sign_flip.extend(self.rng.choice([-1.0, 1.0], size=owned.obs_size).tolist())
        if owned and owned.action_space.HasField("discrete") and self.chance(0.15):
            request.action_permutation.extend(self.rng.permutation(owned.action_space.discrete.n).tolist())
        if self.chance(0.15):
            request.reward_scale = float(self.rng.uniform(0.1, 10.0))
        return request

    def mutate_reconfigure(self, request: pb.ReconfigureRequest) -> None:
        owned = self.owned.get(request.handle)
        size = owned.obs_size if owned else 4
        roll = self.rng.random()
        if roll < 0.15:
            other_keys = ["total_mass", "polemass_length", "np_random", "__class__", "dt", "gravity", "g",
                          "friction_scale", "LINK_MOI", "", "k" * 30_000]
            request.dynamics[self.pick(other_keys) if self.chance(0.8) else self.text(1, 12)] = 1.0
        elif roll < 0.35 and request.handle in self.owned and owned.info is not None and owned.info.dynamics:
            param = self.pick(list(owned.info.dynamics))
            request.dynamics[param.name] = self.pick([
                *EXTREME_FLOATS, param.min, param.max, param.min - abs(param.min) * 1e-9 - 1e-300,
                param.max * (1 + 1e-9), np.nextafter(param.max, math.inf), np.nextafter(param.min, -math.inf)])
        elif roll < 0.55:
            values = list(range(size))
            how = self.rng.integers(6)
            if how == 0:
                values = values[:-1]
            elif how == 1:
                values.append(size)
            elif how == 2:
                values[0] = values[-1]
            elif how == 3:
                values[int(self.rng.integers(size))] = self.pick([-1, size, 2**31 - 1, -(2**31)])
            elif how == 4:
                values = list(range(int(self.rng.integers(1_000, 30_000))))
            request.ClearField("obs_permutation")
            request.obs_permutation.extend(values)
        elif roll < 0.7:
            signs = [1.0] * size
            how = self.rng.integers(3)
            if how == 0:
                signs[int(self.rng.integers(size))] = self.pick([0.0, -0.0, 0.5, -2.0, math.nan, math.inf, 1 + 1e-15])
            elif how == 1:
                signs = signs[:-1] if self.chance(0.5) else signs + [1.0]
            else:
                signs = [-1.0] * int(self.rng.integers(1_000, 20_000))
            request.ClearField("obs_sign_flip")
            request.obs_sign_flip.extend(signs)
        elif roll < 0.85:
            n = owned.action_space.discrete.n if owned and owned.action_space.HasField("discrete") else 2
            request.ClearField("action_permutation")
            request.action_permutation.extend(self.pick([[0] * n, list(range(n + 1)), [1, 0], [-1, 0], [0], []]))
        else:
            request.reward_scale = self.pick([0.0, -0.0, -1.0, math.nan, math.inf, -math.inf, 5e-324, 1e308, 1.0])

    def request(self) -> tuple[str, object]:
        """A random request: (rpc, message or bytes, or a list of them for StepStream)."""
        rpc = self.pick(["Step"] * 30 + ["StepStream"] * 8 + ["Make"] * 12 + ["Reset"] * 10 + ["Reconfigure"] * 14
                        + ["Close"] * 7 + ["ListEnvs"] * 1 + ["GetState"] * 4 + ["SetState"] * 6)
        if len(self.owned) >= OWNED_PER_WORKER and rpc == "Make":
            rpc = "Close"
        if rpc == "StepStream":  # mostly valid steps, so that streams get somewhere before failing
            return rpc, [self.mutated("Step", rounds=(0,) * 12 + (1, 1, 2)) for _ in range(int(self.rng.integers(1, 10)))]
        return rpc, self.mutated(rpc)

    def mutated(self, rpc: str, rounds=(0, 0, 0, 1, 1, 1, 1, 2, 2, 3)):
        """A valid-ish request of ``rpc``, then as many random mutations as ``rounds`` draws."""
        if rpc == "Make":
            request = self.make_request()
        elif rpc == "Step":
            request = self.step_request()
        elif rpc == "Reset":
            request = pb.ResetRequest(handle=self.some_handle())
            if self.chance(0.3):
                request.seed = int(self.rng.integers(0, 2**40))
        elif rpc == "Reconfigure":
            request = self.reconfigure_request()
        elif rpc == "Close":
            request = pb.CloseRequest(handle=self.some_handle())
        elif rpc == "GetState":
            request = pb.GetStateRequest(handle=self.some_handle())
        elif rpc == "SetState":
            handle = self.some_handle()
            request = pb.SetStateRequest(handle=handle, state=self.some_state(handle))
        else:
            request = REQUEST[rpc]()
        for _ in range(self.pick(rounds)):
            roll = self.rng.random()
            if roll < 0.05:
                return self.raw(rpc, request)
            if roll < 0.053:  # rare here: gRPC takes 0.1-1 s to refuse one (see oversized_requests)
                return self.oversized(request)
            if hasattr(request, "handle") and roll < 0.25:
                request.handle = self.bad_handle()
            elif rpc == "Make":
                self.mutate_make(request)
            elif rpc == "Step":
                self.mutate_tensor(request.actions) if self.chance(0.9) else request.ClearField("actions")
            elif rpc == "Reset":
                request.seed = self.pick([-1, -(2**63), 2**63 - 1, 0])
            elif rpc == "Reconfigure":
                self.mutate_reconfigure(request)
            elif rpc == "SetState":
                request.state = self.mangled_state(request.state)
        return request

    def raw(self, rpc: str, request) -> bytes:
        """Random bytes, or the request's bytes with bits flipped, cut or appended; never a message
        naming a server-style handle this worker does not own."""
        for _ in range(10):
            if self.chance(0.3):
                data = self.rng.bytes(int(self.rng.integers(0, 48)))
            else:
                data = bytearray(request.SerializeToString())
                for _ in range(int(self.rng.integers(1, 4))):
                    how = self.rng.integers(4)
                    if how == 0 and data:
                        data[int(self.rng.integers(len(data)))] ^= 1 << int(self.rng.integers(8))
                    elif how == 1:
                        data = data[:int(self.rng.integers(len(data) + 1))]
                    elif how == 2:
                        data += self.rng.bytes(int(self.rng.integers(1, 8)))
                    elif data:
                        data.insert(int(self.rng.integers(len(data))), int(self.rng.integers(256)))
                data = bytes(data)
            parsed = parse(rpc, data)
            handle = getattr(parsed, "handle", "")
            if not (SERVER_ID.fullmatch(handle) and handle not in self.owned):
                return data
        return request.SerializeToString()

    def oversized(self, request) -> bytes:
        """Just above the max message size, or (a boundary check) exactly at it."""
        over = self.pick([1, 1, 2, 100, 5000])
        data = request if isinstance(request, bytes) else request.SerializeToString()
        return padded(data[:LIMITS.max_message_bytes // 2], LIMITS.max_message_bytes + (0 if self.chance(0.2) else over))

    # -- the verdict: which codes the protocol allows for this request, from what we know --

    def verdict(self, rpc: str, request) -> frozenset[str]:
        if (len(request) if isinstance(request, bytes) else request.ByteSize()) > LIMITS.max_message_bytes:
            return frozenset({EXHAUSTED})
        if isinstance(request, bytes):
            parsed = parse(rpc, request)
            if parsed is None:
                return frozenset({INVALID})
            request = parsed
        problems: set[str] = set()
        owned = self.owned.get(request.handle) if hasattr(request, "handle") else None
        if hasattr(request, "handle") and owned is None:
            problems.add(NOT_FOUND)
        if rpc == "Make":
            return self.make_verdict(request)
        if rpc == "Reset" and request.HasField("seed") and request.seed < 0:
            problems.add(INVALID)
        if rpc == "Step":
            if owned is not None and not action_ok(owned.action_space, owned.num_envs, request.actions):
                problems.add(INVALID)
            if owned is None and request.actions.dtype not in INTEGER_DTYPES | FLOAT_DTYPES:
                problems.add(INVALID)  # unknown handle and no sane tensor: either may be reported
            if owned is not None and not owned.reset:
                problems.add(PRECONDITION)
        if rpc == "Reconfigure" and owned is not None and not self.reconfigure_ok(owned, request):
            problems.add(INVALID)
        if rpc == "GetState" and owned is not None and owned.env_id == UNPICKLABLE:
            problems.add(PRECONDITION)
        if rpc == "SetState" and owned is not None and not (
                request.state in self.states and self.states[request.state].fits(owned)):
            problems.add(INVALID)  # a mangled blob keeps its HMAC with probability 2^-256
        if problems:
            return frozenset(problems)
        if rpc == "GetState" and owned.env_id in MUJOCO_IDS:
            return frozenset({OK, EXHAUSTED})  # ~70 kB per env: above LIMITS' 128 KiB from 2 envs on
        if rpc in ("Reset", "Step") and owned.fragile:
            return frozenset({OK, INTERNAL})
        return frozenset({OK})

    def make_verdict(self, request: pb.MakeRequest) -> frozenset[str]:
        problems = set()
        info = self.listed.get(request.env_id)
        if request.env_id not in self.makeable:
            problems.add(INVALID)
        else:
            declared = {spec.name: spec.type for spec in info.kwargs} if info else {}
            for name, value in request.kwargs.items():
                kind = value.WhichOneof("kind")
                wanted = declared.get(name)
                if wanted == "float" and kind in ("number", "integer"):
                    number = float(getattr(value, kind))
                    low, high = kwarg_range(info, name)
                    if not (math.isfinite(number) and low <= number <= high):
                        problems.add(INVALID)
                elif (wanted, kind) not in (("int", "integer"), ("bool", "flag"), ("str", "text")):
                    problems.add(INVALID)
        if request.num_envs < 1 or (request.HasField("seed") and request.seed < 0):
            problems.add(INVALID)
        if request.num_envs > LIMITS.max_envs_per_handle:
            problems.add(EXHAUSTED)
        if problems:
            return frozenset(problems)
        # a valid Make may still find every handle slot taken by the other workers
        return frozenset({OK, EXHAUSTED, INTERNAL} if request.env_id == "RaisingCtor-v0" else {OK, EXHAUSTED})

    @staticmethod
    def reconfigure_ok(owned: Owned, request: pb.ReconfigureRequest) -> bool:
        params = {param.name: param for param in owned.info.dynamics} if owned.info else {}
        for name, value in request.dynamics.items():
            param = params.get(name)
            if param is None or not (math.isfinite(value) and param.min <= value <= param.max):
                return False
            if param.integer and not value.is_integer():
                return False
        if len(request.obs_permutation) and not is_permutation(list(request.obs_permutation), owned.obs_size):
            return False
        if len(request.obs_sign_flip) and not (len(request.obs_sign_flip) == owned.obs_size
                                               and all(abs(s) == 1.0 for s in request.obs_sign_flip)):
            return False
        if len(request.action_permutation) and not (
                owned.action_space.HasField("discrete")
                and is_permutation(list(request.action_permutation), owned.action_space.discrete.n)):
            return False
        low, high = REWARD_SCALE_RANGE
        return not request.HasField("reward_scale") or low <= request.reward_scale <= high

    # -- sending and bookkeeping --

    def send(self, rpc: str, request, expected: frozenset[str] | None = None, note: str = "") -> Outcome:
        """Send one unary request, check its outcome against the documentation and the verdict."""
        verdict = self.verdict(rpc, request)
        if expected is None:
            expected = verdict
        elif not expected <= verdict:
            self.fail(f"the oracle allows {sorted(verdict)} where the hand-listed case says {sorted(expected)}: "
                      f"{note} {rpc} {describe(request)}")
        wire = self.data_wire if rpc == "Step" and self.data_wire is not None and self.chance(0.5) else self.wire
        outcome = wire.call(rpc, request)
        self.sent += 1
        if wire is self.data_wire:
            note = f"{note} (data path)"
            self.codes[f"DataPath:{outcome.code}"] = self.codes.get(f"DataPath:{outcome.code}", 0) + 1
        self.check(rpc, request, outcome, expected, note)
        self.learn(rpc, request, outcome)
        return outcome

    def send_stream(self, items: list, expected_end: tuple[str, int] | None = None, note: str = "") -> Outcome:
        """StepStream: request i is answered in order unless an earlier one failed; the stream
        ends OK after all of them, or with the status of the first that failed."""
        verdicts = [self.verdict("Step", item) for item in items]
        outcome = self.wire.stream(items)
        self.sent += outcome.answered + (outcome.code != OK)  # the requests answered, by a response or the status
        self.codes[f"StepStream:{outcome.code}"] = self.codes.get(f"StepStream:{outcome.code}", 0) + 1
        where = Lazy(lambda: f"{note} StepStream of {len(items)}: {[describe(item) for item in items]}")
        if outcome.code not in DOCUMENTED["StepStream"] | {OK}:
            self.fail(f"undocumented {outcome.code} ({outcome.details[:300]!r}) for {where}")
            return outcome
        k = outcome.answered
        if any(OK not in verdict for verdict in verdicts[:k]):
            self.fail(f"{k} responses, but request {min(i for i in range(k) if OK not in verdicts[i])} should have "
                      f"failed, for {where}")
        elif outcome.code == OK:
            if k != len(items):
                self.fail(f"stream ended OK after {k} of {len(items)} responses for {where}")
        elif outcome.code == EXHAUSTED and any(isinstance(item, bytes) and len(item) > LIMITS.max_message_bytes
                                               for item in items[k:]):
            pass  # gRPC refuses an oversized message as it arrives; earlier answers may be cut short
        elif k >= len(items) or outcome.code not in verdicts[k]:
            self.fail(f"stream ended {outcome.code} ({outcome.details[:200]!r}) after {k} responses; request {k} "
                      f"allows {sorted(verdicts[k]) if k < len(items) else 'nothing more'}, for {where}")
        if expected_end is not None and (outcome.code, k) != expected_end:
            self.fail(f"expected the stream to end {expected_end}, got ({outcome.code}, {k}) for {where}")
        for response, item in zip(outcome.response, items):
            self.check_step(parse("Step", item) if isinstance(item, bytes) else item, response, where)
        if outcome.code == INTERNAL and k < len(items):  # the env of request k raised: its handle is closed
            failed = parse("Step", items[k]) if isinstance(items[k], bytes) else items[k]
            if failed is not None:
                self.forget(failed.handle)
        return outcome

    def check(self, rpc, request, outcome: Outcome, expected: frozenset[str], note: str) -> None:
        self.codes[f"{rpc}:{outcome.code}"] = self.codes.get(f"{rpc}:{outcome.code}", 0) + 1
        where = Lazy(lambda: f"{note} {rpc} {describe(request)}")
        if outcome.code not in DOCUMENTED[rpc] | {OK}:
            self.fail(f"undocumented status {outcome.code} ({outcome.details[:300]!r}) for {where}")
        elif outcome.code not in expected:
            self.fail(f"{outcome.code} ({outcome.details[:300]!r}) where {sorted(expected)} was expected, for {where}")
        elif outcome.code != OK and len(outcome.details) > 4096:
            self.fail(f"a {len(outcome.details)}-character error message for {where}")

    def learn(self, rpc: str, request, outcome: Outcome) -> None:
        if isinstance(request, bytes):
            request = parse(rpc, request)
            if request is None:
                return
        owned = self.owned.get(getattr(request, "handle", None))
        if outcome.code == OK:
            response = outcome.response
            if rpc == "Make":
                if response.num_envs != request.num_envs or response.env_id != request.env_id:
                    self.fail(f"Make answered {response.num_envs} x {response.env_id} for {describe(request)}")
                self.owned[response.handle] = Owned(
                    response.handle, response.env_id, response.num_envs, response.observation_space,
                    response.action_space, self.listed.get(response.env_id), fragile=response.env_id == "Raising-v0")
            elif rpc == "Reset" and owned is not None:  # (an OK for another handle is reported by check)
                owned.reset = True
                self.expect_shape(response.observations, [owned.num_envs, *owned.observation_space.box.shape], rpc)
            elif rpc == "Step":
                self.check_step(request, response, Lazy(lambda: describe(request)))
            elif rpc == "Reconfigure":  # read back from the env (MuJoCo's scales: from the model, to rounding)
                for name, value in request.dynamics.items():
                    if not math.isclose(response.dynamics[name], value, rel_tol=1e-12):
                        self.fail(f"Reconfigure read back {name}={response.dynamics[name]}, set {value}")
            elif rpc == "Close":
                self.forget(request.handle)
            elif rpc == "GetState" and owned is not None:
                self.states[response.state] = StateOf(owned.env_id, owned.num_envs, owned.observation_space,
                                                      owned.action_space, owned.reset)
                while len(self.states) > STATES_KEPT:
                    del self.states[next(iter(self.states))]
            elif rpc == "SetState" and owned is not None and request.state in self.states:
                owned.reset = self.states[request.state].reset  # a state before the first Reset needs one
        elif outcome.code == INTERNAL and owned is not None:
            self.forget(request.handle)  # the env raised: the server closed the handle

    def check_step(self, request: pb.StepRequest, response: pb.StepResponse, where: str) -> None:
        owned = self.owned.get(request.handle)
        if owned is None:
            self.fail(f"a Step on a handle this worker does not own succeeded: {where}")
            return
        self.expect_shape(response.observations, [owned.num_envs, *owned.observation_space.box.shape], where)
        self.expect_shape(response.rewards, [owned.num_envs], where)
        if list(response.final_observations.shape)[:1] != [len(response.ended_indices)]:
            self.fail(f"final_observations {list(response.final_observations.shape)} for {where}")

    def expect_shape(self, tensor: pb.Tensor, shape: list[int], where: str) -> None:
        if list(tensor.shape) != shape or len(tensor.data) != math.prod(shape) * WIRE_NUMPY[tensor.dtype].itemsize:
            self.fail(f"tensor {list(tensor.shape)} ({len(tensor.data)} bytes) where {shape} was due, for {where}")

    def forget(self, handle: str) -> None:
        if self.owned.pop(handle, None) is not None:
            self.closed.append(handle)

    def fail(self, message: str) -> None:
        self.report(f"[{self.name}, seed {self.seed}, request {self.sent}] {message}")

    def close_all(self) -> None:
        for handle in list(self.owned):
            self.send("Close", pb.CloseRequest(handle=handle), frozenset({OK}), "cleanup")

    # -- the hand-listed nasty cases, each with the one code it must get --

    def nasty_cases(self) -> None:
        n = "nasty:"
        send = self.send
        for env_id in MODULE_IDS + ["FrozenLake-v1", "", "x" * 100_000, "\U0001F4A5" * 20_000]:
            send("Make", pb.MakeRequest(env_id=env_id, num_envs=1), frozenset({INVALID}), n)
        for request, code in [
            (pb.MakeRequest(env_id="CartPole-v1", num_envs=0), INVALID),
            (pb.MakeRequest(env_id="CartPole-v1", num_envs=-(2**31)), INVALID),
            (pb.MakeRequest(env_id="CartPole-v1", num_envs=2**31 - 1), EXHAUSTED),
            (pb.MakeRequest(env_id="CartPole-v1", num_envs=1, seed=-1), INVALID),
            (pb.MakeRequest(env_id="CartPole-v1", num_envs=1, kwargs={"render_mode": kwarg("human")}), INVALID),
            (pb.MakeRequest(env_id="CartPole-v1", num_envs=1, kwargs={"k" * 50_000: kwarg(1)}), INVALID),
            (pb.MakeRequest(env_id="CartPole-v1", num_envs=1, kwargs={"sutton_barto_reward": pb.KwargValue()}), INVALID),
            (pb.MakeRequest(env_id="Pendulum-v1", num_envs=1, kwargs={"g": kwarg(math.nan)}), INVALID),
            (pb.MakeRequest(env_id="Pendulum-v1", num_envs=1, kwargs={"g": kwarg(1e9)}), INVALID),
            (pb.MakeRequest(env_id="RaisingCtor-v0", num_envs=2), INTERNAL),
        ]:
            send("Make", request, frozenset({code}), n)
        cartpole = send("Make", pb.MakeRequest(env_id="CartPole-v1", num_envs=3, seed=1), frozenset({OK}), n).response.handle
        pendulum = send("Make", pb.MakeRequest(env_id="Pendulum-v1", num_envs=2, seed=1), frozenset({OK}), n).response.handle
        raising = send("Make", pb.MakeRequest(env_id="Raising-v0", num_envs=2), frozenset({OK}), n).response.handle
        step = lambda handle, tensor: pb.StepRequest(handle=handle, actions=tensor)  # noqa: E731
        good = step(cartpole, encode(np.array([0, 1, 0])))
        send("Step", good, frozenset({PRECONDITION}), n + " step before reset")
        send("Reset", pb.ResetRequest(handle=cartpole, seed=-1), frozenset({INVALID}), n)
        before_reset = send("GetState", pb.GetStateRequest(handle=cartpole), frozenset({OK}), n).response.state
        for handle in (cartpole, pendulum, raising):
            send("Reset", pb.ResetRequest(handle=handle), frozenset({OK}), n)
        state = send("GetState", pb.GetStateRequest(handle=cartpole), frozenset({OK}), n).response.state
        set_state = lambda handle, blob: pb.SetStateRequest(handle=handle, state=blob)  # noqa: E731
        send("SetState", set_state(cartpole, before_reset), frozenset({OK}), n)
        send("Step", pb.StepRequest(handle=cartpole, actions=encode(np.array([0, 1, 0]))), frozenset({PRECONDITION}),
             n + " step after loading a state from before the first reset")
        send("SetState", set_state(cartpole, state), frozenset({OK}), n)
        send("SetState", set_state(pendulum, state), frozenset({INVALID}), n + " state of another env")
        flipped = bytearray(state)
        flipped[len(state) // 2] ^= 0x10
        for blob in [b"", b"\x01", b"\x00" * 33, state[:-1], state + b"\x00", bytes(flipped), b"\x02" + state[1:],
                     state[:-32] + bytes(32), self.rng.bytes(4096)]:
            send("SetState", set_state(cartpole, blob), frozenset({INVALID}), n + " mangled state")
        unpicklable = send("Make", pb.MakeRequest(env_id=UNPICKLABLE, num_envs=2), frozenset({OK}), n).response.handle
        send("GetState", pb.GetStateRequest(handle=unpicklable), frozenset({PRECONDITION}), n + " unpicklable env")
        send("Close", pb.CloseRequest(handle=unpicklable), frozenset({OK}), n)
        bad_tensors = [
            pb.Tensor(dtype=pb.DTYPE_INT64, shape=[2**62], data=bytes(24)),
            pb.Tensor(dtype=pb.DTYPE_INT64, shape=[-1], data=bytes(24)),
            pb.Tensor(dtype=pb.DTYPE_INT64, shape=[-(2**63)]),
            pb.Tensor(dtype=pb.DTYPE_INT64, shape=[2**32, 2**32]),  # the product wraps to 0 in 64 bits
            pb.Tensor(dtype=pb.DTYPE_INT64, shape=[2**32, 2**32, 3], data=bytes(0)),
            pb.Tensor(dtype=pb.DTYPE_INT64, shape=[1] * 30_000),
            pb.Tensor(dtype=pb.DTYPE_INT64, shape=[3], data=bytes(23)),
            pb.Tensor(dtype=99, shape=[3], data=bytes(24)),
            pb.Tensor(dtype=pb.DTYPE_UNSPECIFIED, shape=[3], data=bytes(24)),
            pb.Tensor(dtype=pb.DTYPE_BOOL, shape=[3], data=bytes(3)),
            pb.Tensor(dtype=pb.DTYPE_FLOAT32, shape=[3], data=bytes(12)),
            encode(np.array([0, 1, 2])), encode(np.array([0, -1, 0], np.int8)), encode(np.array([0, 2**40, 0])),
            pb.Tensor(),
        ]
        for tensor in bad_tensors:
            send("Step", step(cartpole, tensor), frozenset({INVALID}), n)
        for bad in (math.nan, math.inf, -math.inf, 2.5, 1e39):
            send("Step", step(pendulum, encode(np.array([[0.0], [bad]]))), frozenset({INVALID}), n)
        send("Step", step(pendulum, encode(np.array([[2.0], [-2.0]], np.float32))), frozenset({OK}), n)
        for handle in ("h999999999", "", "x" * 100_000, "\x00"):
            send("Step", step(handle, encode(np.array([0, 1, 0]))), frozenset({NOT_FOUND}), n)
            send("Reset", pb.ResetRequest(handle=handle), frozenset({NOT_FOUND}), n)
            send("Reconfigure", pb.ReconfigureRequest(handle=handle), frozenset({NOT_FOUND}), n)
            send("Close", pb.CloseRequest(handle=handle), frozenset({NOT_FOUND}), n)
            send("GetState", pb.GetStateRequest(handle=handle), frozenset({NOT_FOUND}), n)
            send("SetState", pb.SetStateRequest(handle=handle, state=state), frozenset({NOT_FOUND}), n)
        reconfigure = lambda **fields: pb.ReconfigureRequest(handle=cartpole, **fields)  # noqa: E731
        for request in [
            reconfigure(dynamics={"gravity": math.nan}), reconfigure(dynamics={"gravity": math.inf}),
            reconfigure(dynamics={"gravity": 1e308}), reconfigure(dynamics={"gravity": -9.8}),
            reconfigure(dynamics={"no_such": 1.0}), reconfigure(dynamics={"total_mass": 1.0}),
            reconfigure(dynamics={"k" * 50_000: 1.0}), reconfigure(dynamics={"__class__": 1.0}),
            reconfigure(obs_permutation=[0, 1, 2]), reconfigure(obs_permutation=[0, 1, 1, 3]),
            reconfigure(obs_permutation=[0, 1, 2, -1]), reconfigure(obs_permutation=[0, 1, 2, 4]),
            reconfigure(obs_permutation=list(range(30_000))), reconfigure(obs_sign_flip=[1, 1, 0, 1]),
            reconfigure(obs_sign_flip=[1, 1, math.nan, 1]), reconfigure(obs_sign_flip=[-1.0] * 10_000),
            reconfigure(action_permutation=[0, 0]), reconfigure(action_permutation=[1, 0, 2]),
            reconfigure(reward_scale=0.0), reconfigure(reward_scale=math.nan), reconfigure(reward_scale=-math.inf),
            reconfigure(reward_scale=1e308), reconfigure(reward_scale=5e-324),
            pb.ReconfigureRequest(handle=pendulum, action_permutation=[0]),
        ]:
            send("Reconfigure", request, frozenset({INVALID}), n)
        lowest_gravity = next(p.min for p in self.listed["CartPole-v1"].dynamics if p.name == "gravity")
        send("Reconfigure", reconfigure(obs_permutation=[3, 2, 1, 0], obs_sign_flip=[-1, 1, -1, 1],
                                        action_permutation=[1, 0], reward_scale=REWARD_SCALE_RANGE[0],
                                        dynamics={"gravity": lowest_gravity, "tau": 0.05}), frozenset({OK}), n)
        limit = LIMITS.max_message_bytes
        for rpc, request in [("Step", good), ("Make", pb.MakeRequest(env_id="CartPole-v1", num_envs=1)),
                             ("Close", pb.CloseRequest(handle="nope")), ("ListEnvs", pb.ListEnvsRequest()),
                             ("Reset", pb.ResetRequest(handle=cartpole)), ("Reconfigure", reconfigure()),
                             ("GetState", pb.GetStateRequest(handle=cartpole)), ("SetState", set_state(cartpole, state))]:
            send(rpc, padded(request.SerializeToString(), limit + 1), frozenset({EXHAUSTED}), n + " oversized")
            send(rpc, b"\xff\xff\xff\xff", frozenset({INVALID}), n + " garbage")
        send("Step", pb.StepRequest(handle=cartpole, actions=pb.Tensor(dtype=pb.DTYPE_INT64, shape=[3],
                                                                       data=bytes(limit + 1))), frozenset({EXHAUSTED}), n)
        send("Close", padded(pb.CloseRequest(handle="nope").SerializeToString(), limit),
             frozenset({NOT_FOUND}), n + " exactly the limit")
        send("Make", b"\x0a\x02\xc3\x28\x10\x01", frozenset({INVALID}), n + " invalid UTF-8 in env_id")
        garbage, oversized = b"\x12\x05\xff", padded(good.SerializeToString(), limit + 1)
        bad_action = step(cartpole, encode(np.array([0, 5, 0])))
        for items, end in [([good, good, garbage, good], (INVALID, 2)), ([good, bad_action, good], (INVALID, 1)),
                           ([garbage], (INVALID, 0)), ([good, step("gone", good.actions)], (NOT_FOUND, 1)),
                           ([good] * 5, (OK, 5)), ([], (OK, 0))]:
            self.send_stream(items, end, n)
        self.send_stream([good, oversized, good], None, n)
        send("Step", step(raising, encode(np.array([0, 1]))), frozenset({INTERNAL}), n + " env raises")
        send("Step", step(raising, encode(np.array([0, 1]))), frozenset({NOT_FOUND}), n + " after the crash")
        send("Close", pb.CloseRequest(handle=pendulum), frozenset({OK}), n)
        send("Close", pb.CloseRequest(handle=pendulum), frozenset({NOT_FOUND}), n + " closed twice")
        send("Step", step(pendulum, encode(np.zeros((2, 1)))), frozenset({NOT_FOUND}), n + " just closed")

    def oversized_requests(self, done: threading.Event, at_least: int) -> None:
        """Requests just above (and a few exactly at) the max message size, of every RPC and in
        streams, until ``done``. gRPC takes 0.1-1 s of waiting to refuse each, so they run in a
        thread of their own, beside the others, rather than slow the random mix down."""
        try:
            for i in itertools.count():
                if done.is_set() and i >= at_least:
                    break
                rpc = self.pick([rpc for rpc in RPCS if rpc != "StepStream"] + ["StepStream"] * 2)
                if rpc == "StepStream":
                    items = [self.step_request() for _ in range(int(self.rng.integers(0, 4)))]
                    items.insert(int(self.rng.integers(len(items) + 1)), self.oversized(self.step_request()))
                    self.send_stream(items, note="oversized:")
                else:
                    self.send(rpc, self.oversized(self.mutated(rpc) if rpc != "ListEnvs" else pb.ListEnvsRequest()),
                              note="oversized:")
            self.close_all()  # a Make exactly at the limit is served
        except Exception as exc:  # a bug of this test
            self.fail(f"oversized requests stopped: {type(exc).__name__}: {exc}")
        finally:  # a Step exactly at the limit leaves the connection open: close it, as run() does
            if self.data_wire is not None:
                self.data_wire.close()

    def run(self, budget, nasty: bool) -> None:
        try:
            if nasty:
                self.nasty_cases()
            while budget.take():
                rpc, request = self.request()
                if rpc == "StepStream":
                    self.send_stream(request)
                else:
                    self.send(rpc, request)
            self.close_all()
        except Exception as exc:  # a bug of this test, or a response it could not read
            self.fail(f"worker stopped: {type(exc).__name__}: {exc}")
        finally:
            if self.data_wire is not None:
                self.data_wire.close()


def parse(rpc: str, data: bytes):
    """The message the server sees in ``data``, or None if it is not one."""
    try:
        return REQUEST[rpc].FromString(data)
    except DecodeError:
        return None


class Lazy:
    """Text computed only if a failure message formats it (describing every request is slow)."""

    def __init__(self, make):
        self._make = make

    def __str__(self) -> str:
        return self._make()


def describe(request) -> str:
    """A short description of a request for failure messages."""
    if isinstance(request, bytes):
        return f"<{len(request)} raw bytes {request[:40]!r}>"
    text = str(request).replace("\n", " ")
    return text if len(text) <= 300 else f"{text[:300]}... ({len(text)} characters)"


class Budget:
    """The shared request count: workers take from it until it is spent."""

    def __init__(self, total: int):
        self.total = total
        self._taken = itertools.count()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            return next(self._taken) < self.total


# -- threads closing a handle while others step, reset and reconfigure it ----------------------

def close_races(wire: Wire, seed: int, done: threading.Event, report, min_rounds: int) -> int:
    """Rounds of 2 closers, a unary caller (Step, and now and then Reset, Reconfigure, GetState or
    SetState) and a StepStream on one fresh handle, released together by a barrier. Exactly one Close wins;
    every other call is OK or NOT_FOUND; once the unary caller saw NOT_FOUND the handle stays
    gone. Returns the number of requests sent."""
    rng = np.random.default_rng(seed)
    sent = 0
    for round_index in itertools.count():
        if done.is_set() and round_index >= min_rounds:
            return sent
        where = f"[close race, seed {seed}, round {round_index}]"
        num_envs = int(rng.integers(1, 5))
        made = wire.call("Make", pb.MakeRequest(env_id="CartPole-v1", num_envs=num_envs, seed=round_index))
        sent += 1
        if made.code != OK:
            report(f"{where} Make got {made.code} ({made.details})")
            return sent
        handle = made.response.handle
        reset = wire.call("Reset", pb.ResetRequest(handle=handle))
        sent += 1
        if reset.code != OK:
            report(f"{where} Reset of {handle} got {reset.code} ({reset.details})")
            return sent
        state = wire.call("GetState", pb.GetStateRequest(handle=handle))
        sent += 1
        if state.code != OK:
            report(f"{where} GetState of {handle} got {state.code} ({state.details})")
            return sent
        step = pb.StepRequest(handle=handle, actions=encode(np.zeros(num_envs, np.int64)))
        others = [pb.ResetRequest(handle=handle), pb.ReconfigureRequest(handle=handle, dynamics={"gravity": 12.0}),
                  pb.GetStateRequest(handle=handle), pb.SetStateRequest(handle=handle, state=state.response.state)]
        other_rpcs = ["Reset", "Reconfigure", "GetState", "SetState"]
        barrier = threading.Barrier(4, timeout=DEADLINE_S)
        closes, codes, unary, streamed, counts = [], [], [], [], [0] * 4
        steps_before_close = rng.integers(0, 6, size=2).tolist()

        def closer(k: int):
            barrier.wait()
            for _ in range(steps_before_close[k]):
                codes.append(wire.call("Step", step).code)
            closes.append(wire.call("Close", pb.CloseRequest(handle=handle)).code)
            counts[k] = steps_before_close[k] + 1

        def unary_caller():
            barrier.wait()
            for i in range(10_000):  # ends at NOT_FOUND, which the closers make certain
                rpc, request = ("Step", step) if i % 5 else (other_rpcs[i // 5 % 4], others[i // 5 % 4])
                unary.append(wire.call(rpc, request).code)
                if unary[-1] == NOT_FOUND:
                    break
            counts[2] = len(unary)

        def stream_stepper():
            barrier.wait()
            yielded = [0]

            def requests():
                for _ in range(300):
                    yielded[0] += 1
                    yield step

            outcome = wire.stream(requests())
            streamed.append((outcome, yielded[0]))
            counts[3] = outcome.answered + (outcome.code != OK)  # gRPC may take requests it never sends

        threads = [threading.Thread(target=closer, args=(0,)), threading.Thread(target=closer, args=(1,)),
                   threading.Thread(target=unary_caller), threading.Thread(target=stream_stepper)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=4 * DEADLINE_S)
        sent += sum(counts)
        where += f" on {handle}"
        if any(thread.is_alive() for thread in threads):
            report(f"{where} a thread hung")
            return sent
        if sorted(closes) != [NOT_FOUND, OK]:
            report(f"{where} the two Closes got {closes}, expected one OK and one NOT_FOUND")
        if set(codes + unary) - {OK, NOT_FOUND}:
            report(f"{where} calls racing Close got {sorted(set(codes + unary))}")
        if not unary or unary[-1] != NOT_FOUND:
            report(f"{where} the unary caller never saw the handle closed: {unary[-5:]}")
        stream, yielded = streamed[0]
        if stream.code not in (OK, NOT_FOUND) or stream.answered > yielded or (
                stream.code == OK and stream.answered != yielded):
            report(f"{where} the StepStream racing Close ended {stream.code} ({stream.details[:200]!r}) "
                   f"after {stream.answered} of {yielded} requests")
        after = wire.call("Step", step)
        sent += 1
        if after.code != NOT_FOUND:
            report(f"{where} a Step after both Closes got {after.code}")


# -- the valid client --------------------------------------------------------------------------

def valid_client(port: int, seed: int, done: threading.Event, report, stats: dict) -> None:
    """Steps a CartPole vector of its own (unary and StepStream) until the storm is over; every
    step must equal in-process Gymnasium's with the same seed and actions. Now and then it loads
    the state it has just got (GetState, SetState): that changes nothing."""
    num_envs, env_seed = 8, 777
    rng = np.random.default_rng(seed)
    with connected(port) as client, data_path(client) as dp:
        wire = Wire(client.channel)
        try:
            made = wire.call("Make", pb.MakeRequest(env_id="CartPole-v1", num_envs=num_envs, seed=env_seed))
            assert made.code == OK, made
            handle = made.response.handle
            stats["handle"] = handle
            reference = Reference("CartPole-v1", num_envs, env_seed)
            reset = wire.call("Reset", pb.ResetRequest(handle=handle))
            assert reset.code == OK, reset
            np.testing.assert_array_equal(decode(reset.response.observations), reference.obs)
            stats["ready"].set()
            steps = during = rounds = 0
            while not done.is_set() or steps < 200:
                storm = not done.is_set()
                rounds += 1
                if rounds % 10 == 0:
                    state = wire.call("GetState", pb.GetStateRequest(handle=handle))
                    assert state.code == OK, (state.code, state.details)
                    loaded = wire.call("SetState", pb.SetStateRequest(handle=handle, state=state.response.state))
                    assert loaded.code == OK, (loaded.code, loaded.details)
                batch = [rng.integers(0, 2, size=num_envs) for _ in range(8 if steps % 3 else 1)]
                requests = [pb.StepRequest(handle=handle, actions=encode(actions)) for actions in batch]
                if steps % 5 == 2:  # pipelined through the local data path: all sent, then all read
                    for request in requests:
                        dp.send(request)
                    replies = [dp.receive() for _ in requests]
                    bad = [reply.status for reply in replies if not reply.HasField("step")]
                    outcome = Outcome(OK if not bad else grpc_code_name(bad[0].code), bad[0].message if bad else "")
                    responses = [reply.step for reply in replies]
                elif len(batch) == 1:
                    outcome = wire.call("Step", requests[0])
                    responses = [outcome.response]
                else:
                    outcome = wire.stream(requests)
                    responses = outcome.response
                assert outcome.code == OK and len(responses) == len(batch), (outcome.code, outcome.details)
                for response, actions in zip(responses, batch):
                    assert_same_step(response, reference.step(actions))
                steps += len(batch)
                during += len(batch) if storm else 0
            read_back = wire.call("Reconfigure", pb.ReconfigureRequest(handle=handle))
            assert read_back.code == OK and read_back.response.reward_scale == 1.0
            assert dict(read_back.response.dynamics)["gravity"] == 9.8
            assert list(read_back.response.obs_permutation) == [0, 1, 2, 3]
            assert wire.call("Close", pb.CloseRequest(handle=handle)).code == OK
            stats["steps"], stats["during_storm"] = steps, during
        except Exception as exc:  # reported by the test
            report(f"[valid client, seed {seed}] {type(exc).__name__}: {str(exc)[:2000]}")
        finally:
            stats["ready"].set()


# -- the test ----------------------------------------------------------------------------------

FUZZ_WORKERS = 2  # plus the oversize thread, the close-race group (4 threads) and the valid client
SERVER_WORKERS = 10  # more than the calls in flight at once (9), so none waits for a thread

def fuzz_count(request) -> int:
    if os.environ.get("ISOPLAST_FUZZ_COUNT"):
        return int(os.environ["ISOPLAST_FUZZ_COUNT"])
    return LONG_COUNT if request.config.getoption("--long") else CI_COUNT


def test_fuzzed_requests_get_documented_codes_and_leave_a_valid_client_untouched(request, caplog):
    count, seed = fuzz_count(request), int(os.environ.get("ISOPLAST_FUZZ_SEED", DEFAULT_SEED))
    failures: list[str] = []
    lock = threading.Lock()

    def report(message: str) -> None:
        with lock:
            if len(failures) < 60:
                failures.append(message)

    caplog.set_level(logging.WARNING)
    start = time.monotonic()
    registry = fuzz_registry()
    with running_server(limits=LIMITS, max_workers=SERVER_WORKERS, registry=registry) as (server, port):
        with connected(port) as admin:
            listed = {info.env_id: info for info in admin.call("ListEnvs", pb.ListEnvsRequest()).envs}
            done = threading.Event()
            stats = {"ready": threading.Event()}
            valid = threading.Thread(target=valid_client, args=(port, seed, done, report, stats))
            valid.start()
            assert stats["ready"].wait(DEADLINE_S) and "handle" in stats, failures

            budget = Budget(count)
            fuzzers, channels, threads = [], [], []
            for k in range(FUZZ_WORKERS):
                channel = grpc.insecure_channel(f"127.0.0.1:{port}")
                channels.append(channel)
                fuzzers.append(Fuzzer(f"worker {k}", seed * 1000 + k, Wire(channel), listed, report,
                                      DataPathWire(Client(channel))))
                threads.append(threading.Thread(target=fuzzers[-1].run, args=(budget, k == 0)))
            storm_over = threading.Event()
            channels.append(grpc.insecure_channel(f"127.0.0.1:{port}"))
            oversize = Fuzzer("oversize", seed * 1000 + 998, Wire(channels[-1]), listed, report,
                              DataPathWire(Client(channels[-1])))
            threads.append(threading.Thread(target=oversize.oversized_requests, args=(storm_over, 20)))
            channels.append(grpc.insecure_channel(f"127.0.0.1:{port}"))
            race_wire, race_sent = Wire(channels[-1]), [0]

            def races():
                race_sent[0] = close_races(race_wire, seed * 1000 + 999, storm_over, report, min_rounds=5)

            threads.append(threading.Thread(target=races))
            for thread in threads:
                thread.start()
            for thread in threads[:FUZZ_WORKERS]:
                thread.join(timeout=max(600.0, count / 20))
            storm_over.set()
            for thread in threads[FUZZ_WORKERS:]:
                thread.join(timeout=600.0)
            done.set()
            valid.join(timeout=600.0)
            elapsed = time.monotonic() - start
            hung = [thread.name for thread in [*threads, valid] if thread.is_alive()]
            for channel in channels:
                channel.close()

            # the server is alive and well, and leaked nothing
            health = health_pb2_grpc.HealthStub(admin.channel)
            for service in ("", SERVICE):
                assert health.Check(health_pb2.HealthCheckRequest(service=service), timeout=DEADLINE_S).status \
                    == health_pb2.HealthCheckResponse.SERVING
            after = admin.stub.ListEnvs(pb.ListEnvsRequest(), timeout=DEADLINE_S)
            assert [info.env_id for info in after.envs] == list(listed)
            assert len(server.handles) == 0, "a handle is still open after every thread closed its own"
            deadline = time.monotonic() + DEADLINE_S
            while len(server.data_path) > 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert len(server.data_path) == 0, "a data path connection outlived its client"
            slots = [admin.make("CartPole-v1").handle for _ in range(LIMITS.max_handles)]  # no slot leaked
            assert rpc_code(lambda: admin.make("CartPole-v1")) == EXHAUSTED
            for handle in slots:
                admin.close(handle)
            admin.assert_serving()

    fuzzed = sum(f.sent for f in fuzzers)
    sent = fuzzed + oversize.sent + race_sent[0]
    codes: dict[str, int] = {}
    for fuzzer in [*fuzzers, oversize]:
        for key, value in fuzzer.codes.items():
            codes[key] = codes.get(key, 0) + value
    print(f"\nfuzz: {sent} requests in {elapsed:.1f} s, seed {seed} ({fuzzed} by {FUZZ_WORKERS} fuzz workers, "
          f"{oversize.sent} oversized, {race_sent[0]} in close races); valid client: {stats.get('steps')} steps, "
          f"{stats.get('during_storm')} during the storm")
    print("fuzz codes:", dict(sorted(codes.items())))
    assert not hung, f"threads still running after their deadline: {hung}"
    assert not failures, f"{len(failures)} failure(s) (seed {seed}, count {count}):\n" + "\n".join(failures)
    assert fuzzed >= count
    assert stats.get("during_storm", 0) >= 50, "the valid client barely ran while the storm did"
    seen = {key.split(":")[1] for key in codes}
    assert {OK, INVALID, NOT_FOUND, PRECONDITION, EXHAUSTED, INTERNAL} <= seen, f"codes never provoked: {seen}"
    through_data_path = {key.split(":")[1] for key in codes if key.startswith("DataPath:")}
    assert {OK, INVALID, NOT_FOUND, PRECONDITION, EXHAUSTED} <= through_data_path, \
        f"codes never provoked through the data path: {through_data_path}"
    grpc_errors = [record.getMessage() for record in caplog.records
                   if record.name.startswith("grpc") and record.levelno >= logging.ERROR]
    assert not grpc_errors, f"grpc logged exceptions (an escaped exception is UNKNOWN to the client): {grpc_errors[:5]}"
    loop_errors = [record.getMessage() for record in caplog.records
                   if record.name.endswith(".datapath") and record.levelno >= logging.ERROR]
    assert not loop_errors, f"the data path's loop hit unexpected errors: {loop_errors[:5]}"


def rpc_code(call) -> str:
    try:
        call()
        return OK
    except grpc.RpcError as error:
        return error.code().name
