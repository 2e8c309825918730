"""GetState / SetState through real servers and channels: after SetState the same actions give,
bit for bit, the Steps that followed GetState (same handle, a new handle, a new server process with
the same key, over gRPC and the local data path); every blob that is not an unaltered state of a
matching handle made with this server's key is INVALID_ARGUMENT, and the server goes on serving."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import subprocess
import sys
import zlib

import grpc
import numpy as np
import pytest
from conftest import UNPICKLABLE, Client, connected, data_path, decode, make_test_registry, rpc_error, running_server

from isoplast.env.v1 import env_pb2 as pb
from isoplast_env_server import Limits
from isoplast_env_server.state import KEY_ENV, StateSeal, load_key

KEY = bytes(range(32))  # any 32 bytes; tests of states across servers share it


def random_actions(client: Client, handle_env: str, num_envs: int, steps: int, seed: int) -> list[np.ndarray]:
    """``steps`` batches of actions inside the action space ListEnvs reports for ``handle_env``."""
    info = next(i for i in client.call("ListEnvs", pb.ListEnvsRequest()).envs if i.env_id == handle_env)
    rng = np.random.default_rng(seed)
    space = info.action_space
    if space.HasField("discrete"):
        return [rng.integers(space.discrete.start, space.discrete.start + space.discrete.n, size=num_envs)
                for _ in range(steps)]
    low, high = decode(space.box.low), decode(space.box.high)
    return [rng.uniform(low, high, size=(num_envs, *low.shape)).astype(low.dtype) for _ in range(steps)]


def rollout(step, handle: str, actions) -> list[pb.StepResponse]:
    return [step(handle, batch) for batch in actions]


def assert_same_rollout(got: list[pb.StepResponse], expected: list[pb.StepResponse]) -> None:
    """Message equality: tensors are compared as bytes, so this is bit for bit."""
    assert len(got) == len(expected)
    for t, (a, b) in enumerate(zip(got, expected)):
        assert a == b, f"step {t} after SetState differs from step {t} after GetState"


def ended(rollout_: list[pb.StepResponse]) -> int:
    return sum(len(r.ended_indices) for r in rollout_)


def prepared(client: Client, env_id: str, num_envs: int, warmup: int, seed: int = 7, **reconfigure):
    """A handle made with ``seed``, reset, reconfigured and stepped ``warmup`` random steps."""
    handle = client.make(env_id, num_envs=num_envs, seed=seed).handle
    client.reset(handle)
    if reconfigure:
        client.reconfigure(handle, **reconfigure)
    rollout(client.step, handle, random_actions(client, env_id, num_envs, warmup, seed=seed + 1))
    return handle


def replayed_after_restore(client: Client, handle: int, actions: list[np.ndarray]):
    """Takes the handle's state, rolls ``actions`` out, restores the state into the same handle and
    checks the same rollout follows; returns (state, the first rollout)."""
    state = client.get_state(handle)
    after_get = rollout(client.step, handle, actions)
    client.set_state(handle, state)
    assert_same_rollout(rollout(client.step, handle, actions), after_get)
    return state, after_get


# -- round trips -------------------------------------------------------------------------------

def test_cartpole_state_reproduces_the_next_steps_in_the_same_and_in_a_new_handle(client):
    handle = prepared(client, "CartPole-v1", 4, warmup=30, dynamics={"gravity": 12.0},
                      obs_permutation=[1, 0, 3, 2], obs_sign_flip=[1, -1, 1, -1], action_permutation=[1, 0],
                      reward_scale=0.5)
    actions = random_actions(client, "CartPole-v1", 4, 40, seed=99)
    state, after_get = replayed_after_restore(client, handle, actions)
    assert ended(after_get) >= 2, "the 40 steps must end episodes, so that autoresets are compared"

    # a new handle made alike (another seed, never reset: the state says it was reset) takes it too,
    # with the Reconfigure of the original (dynamics and wrappers are part of the state)
    fresh = client.make("CartPole-v1", num_envs=4, seed=12345).handle
    client.set_state(fresh, state)
    assert_same_rollout(rollout(client.step, fresh, actions), after_get)
    config = client.reconfigure(fresh)
    assert config.dynamics["gravity"] == 12.0 and list(config.obs_permutation) == [1, 0, 3, 2]
    assert config.reward_scale == 0.5
    # and the state can be loaded again and again
    client.set_state(handle, state)
    assert_same_rollout(rollout(client.step, handle, actions), after_get)
    client.close(handle)
    client.close(fresh)


def test_a_state_without_its_restore_would_differ(client):
    """The comparison above can fail: the steps after GetState are not simply repeated by any handle."""
    handle = prepared(client, "CartPole-v1", 4, warmup=30)
    actions = random_actions(client, "CartPole-v1", 4, 40, seed=99)
    client.get_state(handle)
    first = rollout(client.step, handle, actions)
    again = rollout(client.step, handle, actions)
    assert any(a != b for a, b in zip(first, again))
    client.close(handle)


def test_a_state_before_the_first_reset_keeps_the_make_seed_due(client):
    handle = client.make("CartPole-v1", num_envs=3, seed=5).handle
    state = client.get_state(handle)
    expected = client.reset(handle)
    fresh = client.make("CartPole-v1", num_envs=3, seed=999).handle
    client.reset(fresh)
    client.set_state(fresh, state)
    error = rpc_error(lambda: client.step(fresh, np.array([0, 1, 0])))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, "the state says: Reset before the first Step"
    np.testing.assert_array_equal(client.reset(fresh), expected)  # Make's seed 5, not 999
    for h in (handle, fresh):
        client.close(h)


def test_pendulum_state_carries_the_time_limit_and_box_actions(client):
    # 190 steps in, the next 40 cross the 200-step truncation of every env
    handle = prepared(client, "Pendulum-v1", 3, warmup=190, dynamics={"g": 7.5, "m": 1.3})
    actions = random_actions(client, "Pendulum-v1", 3, 40, seed=3)
    _, after_get = replayed_after_restore(client, handle, actions)
    assert [list(r.ended_indices) for r in after_get].count([0, 1, 2]) == 1, "one truncation of all three"
    assert all(r.truncated.data == b"\x01\x01\x01" for r in after_get if r.ended_indices)
    client.close(handle)


@pytest.mark.parametrize("env_id", ["HalfCheetah-v5", "Ant-v5", "Hopper-v5"])
def test_mujoco_state_reproduces_the_physics_and_the_changed_model(client, env_id):
    """MuJoCo envs are EzPickles, which would unpickle as fresh envs; ours keep MjModel and MjData.
    Ant reads body positions computed by the previous step before it integrates; Hopper falls,
    so its episodes end within the 40 steps."""
    handle = prepared(client, env_id, 2, warmup=30, dynamics={"friction_scale": 0.4, "gravity_z": -6.0,
                                                               "actuator_gain_scale": 1.5})
    actions = random_actions(client, env_id, 2, 40, seed=4)
    state = client.get_state(handle)
    assert len(state) < 400_000, f"{len(state)} bytes: the pickle is compressed (MjData's arena is mostly zeros)"
    after_get = rollout(client.step, handle, actions)
    fresh = client.make(env_id, num_envs=2).handle
    client.set_state(fresh, state)
    assert_same_rollout(rollout(client.step, fresh, actions), after_get)
    config = client.reconfigure(fresh)
    assert config.dynamics["friction_scale"] == pytest.approx(0.4, rel=1e-12)
    assert config.dynamics["gravity_z"] == -6.0
    if env_id == "Hopper-v5":
        assert ended(after_get) >= 1
    client.close(handle)
    client.close(fresh)


def test_atari_state_carries_the_emulator_and_its_rngs(client):
    """ale-py's AtariEnv is an EzPickle, which would unpickle as a new game; ours carries the
    emulator with the RNG of its sticky actions and the RNG of the no-ops at reset."""
    handle = prepared(client, "ALE/Breakout-v5", 1, warmup=40)
    actions = random_actions(client, "ALE/Breakout-v5", 1, 250, seed=2)
    _, after_get = replayed_after_restore(client, handle, actions)
    assert ended(after_get) >= 1, "an autoreset (no-ops drawn) after the state was taken"
    client.close(handle)


def test_a_game_switch_pending_in_a_state_happens_after_the_restore(client):
    """MinAtar/Switch-v1 saved after Reconfigure set another game but before any env reached its
    reset: the restored handle cuts the episodes and starts the pending game as the original did."""
    handle = prepared(client, "MinAtar/Switch-v1", 2, warmup=25, seed=8, dynamics={"game": 2})
    client.reconfigure(handle, dynamics={"game": 3})
    state = client.get_state(handle)
    actions = random_actions(client, "MinAtar/Switch-v1", 2, 150, seed=2)
    after_get = rollout(client.step, handle, actions)
    assert list(after_get[0].ended_indices) == [0, 1] and all(decode(after_get[0].truncated))
    assert decode(after_get[1].observations)[:, 7:].any(), "Seaquest (10 channels) is played after the switch"
    fresh = client.make("MinAtar/Switch-v1", num_envs=2, seed=999).handle
    client.set_state(fresh, state)
    assert client.reconfigure(fresh).dynamics["game"] == 3.0
    assert_same_rollout(rollout(client.step, fresh, actions), after_get)
    client.close(handle)
    client.close(fresh)


def test_a_state_taken_between_data_path_steps_is_consistent(client):
    """Steps through the Unix socket, state calls over gRPC: once every step's reply is in, the
    server has done that step (the handle's lock orders them)."""
    handle = client.make("CartPole-v1", num_envs=4, seed=2).handle
    client.reset(handle)
    actions = random_actions(client, "CartPole-v1", 4, 70, seed=8)
    with data_path(client) as socket_path:
        rollout(socket_path.step, handle, actions[:30])
        state = client.get_state(handle)
        after_get = rollout(socket_path.step, handle, actions[30:])
        client.set_state(handle, state)
        assert_same_rollout(rollout(socket_path.step, handle, actions[30:]), after_get)
    client.set_state(handle, state)
    assert_same_rollout(rollout(client.step, handle, actions[30:]), after_get)  # gRPC gives the same
    client.close(handle)


# -- across servers: the key ---------------------------------------------------------------------

@contextlib.contextmanager
def server_process(*args: str, key: bytes | None = None):
    """``python -m isoplast_env_server`` on a free port, with ``key`` in ISOPLAST_ENV_STATE_KEY."""
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    if key is not None:
        env[KEY_ENV] = key.hex()
    process = subprocess.Popen([sys.executable, "-m", "isoplast_env_server", "--port", "0", "--log-level", "WARNING",
                                *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        port = int(process.stdout.readline())
        with connected(port) as c:
            grpc.channel_ready_future(c.channel).result(timeout=30)
            yield c
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_state_loads_into_another_server_process_with_the_same_key_only(tmp_path):
    key_file = tmp_path / "state.key"
    key_file.write_text(KEY.hex() + "\n")
    with server_process(key=KEY) as first:
        handle = prepared(first, "CartPole-v1", 4, warmup=30)
        actions = random_actions(first, "CartPole-v1", 4, 40, seed=5)
        state = first.get_state(handle)
        after_get = rollout(first.step, handle, actions)
    with server_process("--state-key-file", str(key_file)) as second:  # the same key, from a file
        other = second.make("CartPole-v1", num_envs=4).handle
        second.set_state(other, state)
        assert_same_rollout(rollout(second.step, other, actions), after_get)
    with server_process() as random_key, server_process(key=bytes(32)) as other_key:
        for server, origin in ((random_key, "its key is random"), (other_key, "a server with this server's state key")):
            other = server.make("CartPole-v1", num_envs=4).handle
            error = rpc_error(lambda: server.set_state(other, state))
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "HMAC does not match" in error.details() and origin in error.details()


def test_the_state_key_must_be_long_hex(tmp_path):
    assert load_key(None, {}) is None
    assert load_key(None, {KEY_ENV: KEY.hex().upper() + "\n"}) == KEY
    for bad, why in [("zz" * 32, "hex"), ("ab" * 31, "at least 32 bytes")]:
        with pytest.raises(ValueError, match=why):
            load_key(None, {KEY_ENV: bad})
        (tmp_path / "k").write_text(bad)
        with pytest.raises(ValueError, match=why):
            load_key(tmp_path / "k", {KEY_ENV: KEY.hex()})
    with pytest.raises(ValueError, match="cannot read --state-key-file"):
        load_key(tmp_path / "missing", {})
    (tmp_path / "k").write_text(KEY.hex())
    assert load_key(tmp_path / "k", {KEY_ENV: bytes(32).hex()}) == KEY, "the file wins over the variable"
    result = subprocess.run([sys.executable, "-m", "isoplast_env_server", "--state-key-file", str(tmp_path / "missing")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--state-key-file" in result.stderr and result.stdout == ""


# -- refusals ------------------------------------------------------------------------------------

def sealed(key: bytes, body: bytes) -> bytes:
    return body + hmac.new(key, body, hashlib.sha256).digest()


def test_altered_foreign_and_mismatched_states_are_invalid_and_change_nothing():
    with running_server(state_key=KEY) as (_, port), connected(port) as client:
        handle = prepared(client, "CartPole-v1", 4, warmup=30)
        actions = random_actions(client, "CartPole-v1", 4, 20, seed=6)
        state = client.get_state(handle)
        expected = rollout(client.step, handle, actions)
        client.set_state(handle, state)
        flipped = []
        for i in (0, 1, len(state) // 2, len(state) - 33, len(state) - 1):  # version, pickle, HMAC
            altered = bytearray(state)
            altered[i] ^= 0x01
            flipped.append(bytes(altered))
        two = prepared(client, "CartPole-v1", 2, warmup=3)
        pendulum = prepared(client, "Pendulum-v1", 4, warmup=3)
        cases = {
            **{f"byte {i} flipped": blob for i, blob in zip((0, 1, "middle", "mac[0]", "last"), flipped)},
            "empty": b"", "one byte": b"\x01", "garbage": os.urandom(500), "cut short": state[:-1],
            "with a byte added": state + b"\x00", "pickle without its HMAC": state[:-32],
            "another num_envs": client.get_state(two), "another env id": client.get_state(pendulum),
            "a signed version 2": sealed(KEY, b"\x02" + state[1:-32]),
            "a signed pickle of something else": sealed(KEY, b"\x01" + zlib.compress(pickle.dumps({"a": 1}))),
            "a signed non-pickle": sealed(KEY, b"\x01" + zlib.compress(b"not a pickle")),
        }
        for name, blob in cases.items():
            error = rpc_error(lambda: client.set_state(handle, blob))
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, name
            assert "\n" not in error.details() and len(error.details()) < 400, name
        messages = {name: rpc_error(lambda: client.set_state(handle, blob)).details() for name, blob in cases.items()}
        assert "HMAC does not match" in messages["garbage"]
        assert "too short" in messages["empty"]
        assert "CartPole-v1 x2" in messages["another num_envs"] and "CartPole-v1 x4" in messages["another num_envs"]
        assert "Pendulum-v1 x4" in messages["another env id"]
        assert "format version 2" in messages["a signed version 2"]
        assert "not a handle's state" in messages["a signed pickle of something else"]
        # nothing changed: the handle goes on exactly as after its state
        assert_same_rollout(rollout(client.step, handle, actions), expected)
        client.assert_serving()

        for rpc, request in [("GetState", pb.GetStateRequest(handle="h999999")),
                             ("SetState", pb.SetStateRequest(handle="nope", state=state))]:
            assert rpc_error(lambda: client.call(rpc, request)).code() == grpc.StatusCode.NOT_FOUND
        client.close(two)
        client.close(pendulum)
        assert rpc_error(lambda: client.get_state(two)).code() == grpc.StatusCode.NOT_FOUND


def test_spaces_must_agree_too():
    """Ant with and without cfrc_ext has 105 and 27 observations: same id and size, other spaces."""
    with running_server(state_key=KEY) as (_, port), connected(port) as client:
        full = client.make("Ant-v5", num_envs=1, seed=1).handle
        short = client.make("Ant-v5", num_envs=1, seed=1, include_cfrc_ext_in_observation=False).handle
        error = rpc_error(lambda: client.set_state(short, client.get_state(full)))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "observation space" in error.details() and "kwargs" in error.details()


def test_an_env_that_cannot_be_pickled_is_a_failed_precondition_and_keeps_serving():
    with running_server(registry=make_test_registry().with_entries(UNPICKLABLE)) as (_, port), \
            connected(port) as client:
        handle = client.make("Unpicklable-v0", num_envs=2, seed=0).handle
        client.reset(handle)
        error = rpc_error(lambda: client.get_state(handle))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "Unpicklable-v0 cannot be pickled" in error.details() and "\n" not in error.details()
        client.step(handle, np.array([0, 1]))  # the handle is not closed
        client.close(handle)
        client.assert_serving()


def test_a_state_above_the_max_message_size_is_resource_exhausted():
    with running_server(limits=Limits(max_message_bytes=128 * 1024)) as (_, port), connected(port) as client:
        handle = client.make("HalfCheetah-v5", num_envs=4, seed=0).handle  # ~70 kB per env
        error = rpc_error(lambda: client.get_state(handle))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "max message size" in error.details() and "--max-message-mb" in error.details()
        small = client.make("HalfCheetah-v5", num_envs=1, seed=0).handle
        client.set_state(small, client.get_state(small))


def test_seal_opens_only_its_own_blobs():
    seal, other = StateSeal(KEY), StateSeal()
    blob = seal.seal({"x": np.arange(3)})
    np.testing.assert_array_equal(seal.open(blob)["x"], np.arange(3))
    assert blob[0] == 1 and len(blob) > 33
    with pytest.raises(Exception, match="random"):
        other.open(blob)
