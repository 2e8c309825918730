"""The EnvService protocol through a real server: content, shapes, dtypes, same-step autoreset
and seeding against in-process Gymnasium, Close, Reconfigure and the perturbation wrappers."""

from __future__ import annotations

import threading

import gymnasium
import numpy as np
import pytest
import grpc
from conftest import CLASSIC_CONTROL, Reference, assert_same_step, decode, encode, rpc_error
from grpc_health.v1 import health_pb2, health_pb2_grpc

from isoplast.env.v1 import env_pb2 as pb



# -- ListEnvs / Make / Reset / Step --------------------------------------------------------------

def test_list_envs_describes_every_allowed_env(client):
    envs = {info.env_id: info for info in client.call("ListEnvs", pb.ListEnvsRequest()).envs}
    assert set(CLASSIC_CONTROL) <= set(envs)
    cartpole = envs["CartPole-v1"]
    assert cartpole.max_episode_steps == 500
    assert cartpole.action_space.discrete.n == 2 and cartpole.action_space.discrete.start == 0
    box = cartpole.observation_space.box
    assert list(box.shape) == [4] and box.dtype == pb.DTYPE_FLOAT32
    np.testing.assert_array_equal(decode(box.high), gymnasium.make("CartPole-v1").observation_space.high)
    assert [p.name for p in cartpole.dynamics] == ["gravity", "masscart", "masspole", "length", "force_mag", "tau"]
    gravity = cartpole.dynamics[0]
    assert (gravity.default_value, gravity.min, gravity.max) == pytest.approx((9.8, 0.98, 98.0))
    assert [(k.name, k.type) for k in cartpole.kwargs] == [("sutton_barto_reward", "bool")]
    assert [p.name for p in envs["Acrobot-v1"].dynamics] == [
        "LINK_LENGTH_1", "LINK_LENGTH_2", "LINK_MASS_1", "LINK_MASS_2", "LINK_MOI"]
    assert [p.name for p in envs["MountainCar-v0"].dynamics] == ["force", "gravity"]
    assert [p.name for p in envs["MountainCarContinuous-v0"].dynamics] == ["power", "gravity"]
    assert [p.name for p in envs["Pendulum-v1"].dynamics] == ["g", "m", "l"]
    assert [(k.name, k.type) for k in envs["Pendulum-v1"].kwargs] == [("g", "float")]
    pendulum_action = envs["Pendulum-v1"].action_space.box
    assert decode(pendulum_action.low).tolist() == [-2.0] and decode(pendulum_action.high).tolist() == [2.0]
    assert envs["Pendulum-v1"].max_episode_steps == 200


def test_list_envs_of_named_ids_describes_those_alone(client):
    every = {info.env_id: info for info in client.call("ListEnvs", pb.ListEnvsRequest()).envs}
    named = client.call("ListEnvs", pb.ListEnvsRequest(env_ids=["Pendulum-v1", "NoSuchEnv-v0", "CartPole-v1"])).envs
    # the server's order, ids it does not allow left out, each description the same as in the full list
    assert [info.env_id for info in named] == [e for e in every if e in ("CartPole-v1", "Pendulum-v1")]
    for info in named:
        assert info == every[info.env_id]


def test_list_envs_of_named_ids_makes_no_other_env():
    """Describing an env makes one (the point of naming ids: a trainer's start does not wait for
    MuJoCo, MinAtar and Atari to be built); a fresh servicer describes only what was asked."""
    import dataclasses

    from isoplast_env_server.handles import HandleTable
    from isoplast_env_server.registry import Registry, default_registry
    from isoplast_env_server.server import Limits
    from isoplast_env_server.service import EnvServicer

    made = []

    def counting(entry):
        def make(*args, **kwargs):
            made.append(entry.env_id)
            return entry.make(*args, **kwargs)
        return dataclasses.replace(entry, make=make, listed_spaces=None)

    servicer = EnvServicer(Registry([counting(e) for e in default_registry()]), HandleTable(Limits()))
    response = servicer.ListEnvs(pb.ListEnvsRequest(env_ids=["CartPole-v1"]), None)
    assert [info.env_id for info in response.envs] == ["CartPole-v1"]
    assert made == ["CartPole-v1"]


@pytest.mark.parametrize("env_id", CLASSIC_CONTROL)
def test_make_reset_step_shapes_and_dtypes(client, env_id):
    reference = gymnasium.make(env_id)
    made = client.make(env_id, num_envs=3, seed=0)
    assert made.num_envs == 3 and made.env_id == env_id and made.handle
    obs_shape = reference.observation_space.shape
    assert list(made.observation_space.box.shape) == list(obs_shape)
    observations = client.reset(made.handle)
    assert observations.shape == (3, *obs_shape) and observations.dtype == np.float32

    reference.action_space.seed(0)
    actions = np.stack([reference.action_space.sample() for _ in range(3)])
    step = client.step(made.handle, actions)
    assert step.observations.dtype == pb.DTYPE_FLOAT32 and list(step.observations.shape) == [3, *obs_shape]
    assert step.rewards.dtype == pb.DTYPE_FLOAT64 and list(step.rewards.shape) == [3]
    assert step.terminated.dtype == pb.DTYPE_BOOL and list(step.terminated.shape) == [3]
    assert step.truncated.dtype == pb.DTYPE_BOOL and list(step.truncated.shape) == [3]
    assert list(step.final_observations.shape) == [len(step.ended_indices), *obs_shape]
    assert decode(step.rewards).dtype == np.float64
    client.close(made.handle)


def test_kwargs_reach_the_constructor(client):
    handle = client.make("CartPole-v1", num_envs=1, seed=0, sutton_barto_reward=True).handle
    client.reset(handle)
    assert decode(client.step(handle, np.array([1])).rewards).tolist() == [0.0]  # Sutton & Barto: 0 per step
    client.close(handle)


# -- same-step autoreset and seeding, exactly as in-process Gymnasium ------------------------

def test_same_step_autoreset_matches_in_process_gymnasium_exactly(client):
    num_envs, seed = 8, 123
    handle = client.make("CartPole-v1", num_envs=num_envs, seed=seed).handle
    reference = Reference("CartPole-v1", num_envs, seed)
    np.testing.assert_array_equal(client.reset(handle), reference.obs)
    actions = np.ones(num_envs, dtype=np.int64)  # constant push: every pole falls within ~10-40 steps
    episodes_ended = 0
    for _ in range(60):
        response = client.step(handle, actions)
        expected = reference.step(actions)
        assert_same_step(response, expected)
        for i in response.ended_indices:  # the row of an ended env is the new episode's first obs
            assert np.all(np.abs(decode(response.observations)[i]) <= 0.05)
        episodes_ended += len(response.ended_indices)
    assert episodes_ended >= num_envs  # each env went through at least one autoreset
    client.close(handle)


def test_time_limit_truncation_and_box_actions_match_in_process_gymnasium(client):
    num_envs, seed = 3, 5
    handle = client.make("Pendulum-v1", num_envs=num_envs, seed=seed).handle
    reference = Reference("Pendulum-v1", num_envs, seed)
    np.testing.assert_array_equal(client.reset(handle), reference.obs)
    rng = np.random.default_rng(0)
    truncations = 0
    for t in range(205):
        actions = rng.uniform(-2, 2, size=(num_envs, 1)).astype(np.float32)
        response = client.step(handle, actions)
        assert_same_step(response, reference.step(actions))
        if t == 199:  # TimeLimit(200) ends every episode at once
            assert list(response.ended_indices) == [0, 1, 2] and decode(response.truncated).all()
            assert list(response.episode_lengths) == [200] * 3
            truncations += 1
    assert truncations == 1
    client.close(handle)


def test_random_actions_on_acrobot_match_in_process_gymnasium(client):
    num_envs, seed = 4, 11
    handle = client.make("Acrobot-v1", num_envs=num_envs, seed=seed).handle
    reference = Reference("Acrobot-v1", num_envs, seed)
    np.testing.assert_array_equal(client.reset(handle), reference.obs)
    rng = np.random.default_rng(1)
    for _ in range(50):
        actions = rng.integers(0, 3, size=num_envs).astype(np.int32)  # any integer dtype is accepted
        assert_same_step(client.step(handle, actions), reference.step(actions.astype(np.int64)))
    client.close(handle)


def test_reset_seed_overrides_make_seed_and_later_resets_continue_the_rng_stream(client):
    handle = client.make("CartPole-v1", num_envs=3, seed=5).handle
    envs = [gymnasium.make("CartPole-v1") for _ in range(3)]
    np.testing.assert_array_equal(client.reset(handle, seed=40),
                                  np.stack([env.reset(seed=40 + i)[0] for i, env in enumerate(envs)]))
    np.testing.assert_array_equal(client.reset(handle), np.stack([env.reset()[0] for env in envs]))
    client.close(handle)


def test_make_seed_applies_to_the_first_reset_only(client):
    handle = client.make("MountainCar-v0", num_envs=2, seed=9).handle
    envs = [gymnasium.make("MountainCar-v0") for _ in range(2)]
    np.testing.assert_array_equal(client.reset(handle), np.stack([env.reset(seed=9 + i)[0] for i, env in enumerate(envs)]))
    np.testing.assert_array_equal(client.reset(handle), np.stack([env.reset()[0] for env in envs]))
    client.close(handle)


def test_concurrent_calls_on_one_handle_are_serialised(client):
    """With one constant action, any interleaving of serialised Steps is the same trajectory."""
    num_envs, seed, threads, steps_each = 3, 21, 4, 25
    handle = client.make("CartPole-v1", num_envs=num_envs, seed=seed).handle
    client.reset(handle)
    reference = Reference("CartPole-v1", num_envs, seed)
    actions = np.zeros(num_envs, dtype=np.int64)
    errors = []

    def worker():
        try:
            for _ in range(steps_each):
                client.step(handle, actions)
        except Exception as exc:  # reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    for _ in range(threads * steps_each):
        reference.step(actions)
    assert_same_step(client.step(handle, actions), reference.step(actions))
    client.close(handle)


# -- Close ------------------------------------------------------------------------------------

def test_close_releases_the_handle(client):
    handle = client.make("CartPole-v1", num_envs=2, seed=0).handle
    client.reset(handle)
    client.close(handle)
    error = rpc_error(lambda: client.step(handle, np.array([0, 1])))
    assert error.code().name == "NOT_FOUND" and "closed by the client" in error.details()
    assert rpc_error(lambda: client.close(handle)).code().name == "NOT_FOUND"


# -- Reconfigure ------------------------------------------------------------------------------

def test_reconfigure_cartpole_sets_dynamics_and_recomputes_derived_attributes(client):
    num_envs, seed = 4, 2
    handle = client.make("CartPole-v1", num_envs=num_envs, seed=seed).handle
    applied = client.reconfigure(handle, dynamics={"gravity": 24.0, "masspole": 0.3, "length": 1.0})
    assert dict(applied.dynamics) == pytest.approx(
        {"gravity": 24.0, "masscart": 1.0, "masspole": 0.3, "length": 1.0, "force_mag": 10.0, "tau": 0.02})
    assert list(applied.obs_permutation) == [0, 1, 2, 3] and list(applied.obs_sign_flip) == [1.0] * 4
    assert list(applied.action_permutation) == [0, 1] and applied.reward_scale == 1.0

    # In-process reference with the same changes, derived attributes recomputed by hand: the
    # trajectories agree exactly only if the server recomputed total_mass and polemass_length.
    reference = Reference("CartPole-v1", num_envs, seed)
    for env in reference.envs:
        cartpole = env.unwrapped
        cartpole.gravity, cartpole.masspole, cartpole.length = 24.0, 0.3, 1.0
        cartpole.total_mass = cartpole.masspole + cartpole.masscart
        cartpole.polemass_length = cartpole.masspole * cartpole.length
    np.testing.assert_array_equal(client.reset(handle), reference.obs)
    for t in range(30):
        actions = np.array([t % 2, 1, 0, (t // 3) % 2])
        assert_same_step(client.step(handle, actions), reference.step(actions))
    client.close(handle)


CARTPOLE_DEFAULTS = {"gravity": 9.8, "masscart": 1.0, "masspole": 0.1, "length": 0.5, "force_mag": 10.0, "tau": 0.02}


def cartpole_step(state, action, gravity, masscart, masspole, length, force_mag, tau):
    """One step of Gymnasium's CartPole equations (Florian 2007, explicit Euler), written out
    here with the derived masses computed from the arguments."""
    x, x_dot, theta, theta_dot = state
    total_mass = masspole + masscart
    polemass_length = masspole * length
    force = force_mag if action == 1 else -force_mag
    costheta, sintheta = np.cos(theta), np.sin(theta)
    temp = (force + polemass_length * theta_dot**2 * sintheta) / total_mass
    thetaacc = (gravity * sintheta - costheta * temp) / (length * (4.0 / 3.0 - masspole * costheta**2 / total_mass))
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    return np.array([x + tau * x_dot, x_dot + tau * xacc, theta + tau * theta_dot, theta_dot + tau * thetaacc])


@pytest.mark.parametrize("dynamics", [
    {"gravity": 24.0},
    {"length": 1.0},  # polemass_length must follow
    {"masspole": 0.3, "masscart": 2.0, "force_mag": 5.0, "tau": 0.01},  # total_mass too
])
def test_cartpole_after_reconfigure_steps_by_gymnasiums_equations_with_the_new_values(client, shared_server, dynamics):
    seed = 31
    handle = client.make("CartPole-v1", num_envs=2, seed=seed).handle
    client.reconfigure(handle, dynamics=dynamics)
    # The known state: where Gymnasium's own seeded reset puts env i (no step taken in-process).
    states = [gymnasium.make("CartPole-v1").unwrapped for _ in range(2)]
    for i, env in enumerate(states):
        env.reset(seed=seed + i)
    np.testing.assert_array_equal(client.reset(handle), np.stack([env.state for env in states]).astype(np.float32))

    actions = np.array([0, 1])
    observed = decode(client.step(handle, actions).observations)
    served = shared_server[0].handles.get(handle).envs  # the server runs in this process
    for env, action, row, served_env in zip(states, actions, observed, served):
        by_hand = cartpole_step(env.state, action, **{**CARTPOLE_DEFAULTS, **dynamics})
        np.testing.assert_array_equal(row, by_hand.astype(np.float32))
        np.testing.assert_array_equal(served_env.unwrapped.state, by_hand)  # float64, not just float32
        unchanged = cartpole_step(env.state, action, **CARTPOLE_DEFAULTS)
        assert not np.array_equal(row, unchanged.astype(np.float32))
    client.close(handle)


@pytest.mark.parametrize("dynamics", [
    {"gravity": 12.0, "no_such_parameter": 1.0},  # unknown key
    {"gravity": 12.0, "masscart": 1000.0},  # out of range
    {"gravity": 12.0, "masscart": -1.0},  # out of range (negative)
    {"gravity": float("nan")},  # not finite
])
def test_reconfigure_rejects_bad_dynamics_and_changes_nothing(client, dynamics):
    handle = client.make("CartPole-v1", num_envs=2, seed=0).handle
    client.reconfigure(handle, dynamics={"gravity": 15.0})
    error = rpc_error(lambda: client.reconfigure(handle, dynamics=dynamics, reward_scale=3.0))
    assert error.code().name == "INVALID_ARGUMENT"
    current = client.reconfigure(handle)  # an empty request reads the configuration back
    assert current.dynamics["gravity"] == 15.0 and current.dynamics["masscart"] == 1.0
    assert current.reward_scale == 1.0  # the valid part of the rejected request was not applied
    client.close(handle)


def test_reconfigure_error_messages_name_the_problem(client):
    handle = client.make("Pendulum-v1", num_envs=1, seed=0).handle
    unknown = rpc_error(lambda: client.reconfigure(handle, dynamics={"gravity": 9.8})).details()
    assert "unknown dynamics parameter 'gravity'" in unknown and "g, m, l" in unknown
    out_of_range = rpc_error(lambda: client.reconfigure(handle, dynamics={"m": 50.0})).details()
    assert "[0.1, 10]" in out_of_range and "50" in out_of_range
    client.close(handle)


# -- perturbation wrappers ----------------------------------------------------------------------

def test_observation_permutation_and_sign_flip(client):
    perm, sign = [3, 0, 2, 1], [1.0, -1.0, -1.0, 1.0]
    plain = client.make("CartPole-v1", num_envs=4, seed=8).handle
    perturbed = client.make("CartPole-v1", num_envs=4, seed=8).handle
    applied = client.reconfigure(perturbed, obs_permutation=perm, obs_sign_flip=sign)
    assert list(applied.obs_permutation) == perm and list(applied.obs_sign_flip) == sign
    sign_array = np.array(sign, dtype=np.float32)
    np.testing.assert_array_equal(client.reset(perturbed), client.reset(plain)[:, perm] * sign_array)
    saw_final = False
    for _ in range(40):
        actions = np.ones(4, dtype=np.int64)
        a, b = client.step(plain, actions), client.step(perturbed, actions)
        np.testing.assert_array_equal(decode(b.observations), decode(a.observations)[:, perm] * sign_array)
        np.testing.assert_array_equal(decode(b.final_observations),
                                      decode(a.final_observations)[:, perm] * sign_array)
        saw_final |= len(a.ended_indices) > 0
    assert saw_final
    client.reconfigure(perturbed, obs_permutation=[0, 1, 2, 3], obs_sign_flip=[1, 1, 1, 1])  # removes it
    for handle in (plain, perturbed):
        client.reset(handle, seed=1)
    np.testing.assert_array_equal(decode(client.step(plain, np.zeros(4, np.int64)).observations),
                                  decode(client.step(perturbed, np.zeros(4, np.int64)).observations))
    client.close(plain)
    client.close(perturbed)


def test_action_permutation_and_reward_scale(client):
    plain = client.make("CartPole-v1", num_envs=3, seed=4).handle
    perturbed = client.make("CartPole-v1", num_envs=3, seed=4).handle
    applied = client.reconfigure(perturbed, action_permutation=[1, 0], reward_scale=2.5)
    assert list(applied.action_permutation) == [1, 0] and applied.reward_scale == 2.5
    client.reset(plain)
    client.reset(perturbed)
    returns_plain, returns_perturbed = [], []
    for t in range(40):
        actions = np.array([t % 2, 0, 1])
        a, b = client.step(plain, 1 - actions), client.step(perturbed, actions)
        np.testing.assert_array_equal(decode(a.observations), decode(b.observations))
        np.testing.assert_array_equal(decode(b.rewards), 2.5 * decode(a.rewards))
        returns_plain += a.episode_returns
        returns_perturbed += b.episode_returns
    assert returns_plain and returns_perturbed == [2.5 * r for r in returns_plain]  # returns are of scaled rewards
    client.close(plain)
    client.close(perturbed)


@pytest.mark.parametrize("env_id, fields, expected", [
    ("CartPole-v1", {"obs_permutation": [0, 1, 2]}, "permutation of 0..3"),
    ("CartPole-v1", {"obs_permutation": [0, 1, 1, 3]}, "permutation of 0..3"),
    ("CartPole-v1", {"obs_sign_flip": [1, 1, 0.5, 1]}, "+1 or -1"),
    ("CartPole-v1", {"action_permutation": [0, 0]}, "permutation of 0..1"),
    ("CartPole-v1", {"reward_scale": 0.0}, "reward_scale"),
    ("CartPole-v1", {"reward_scale": -1.0}, "reward_scale"),
    ("Pendulum-v1", {"action_permutation": [0]}, "Discrete action spaces only"),
])
def test_reconfigure_rejects_bad_wrappers(client, env_id, fields, expected):
    handle = client.make(env_id, num_envs=1, seed=0).handle
    error = rpc_error(lambda: client.reconfigure(handle, **fields))
    assert error.code().name == "INVALID_ARGUMENT" and expected in error.details()
    client.close(handle)


def test_float64_box_actions_are_cast_to_the_space_dtype(client):
    a = client.make("Pendulum-v1", num_envs=2, seed=3).handle
    b = client.make("Pendulum-v1", num_envs=2, seed=3).handle
    client.reset(a)
    client.reset(b)
    actions = np.array([[0.3], [-1.7]])
    np.testing.assert_array_equal(decode(client.step(a, actions).observations),
                                  decode(client.step(b, actions.astype(np.float32)).observations))
    client.close(a)
    client.close(b)


# -- health -----------------------------------------------------------------------------------

def test_health_reports_serving(client):
    health = health_pb2_grpc.HealthStub(client.channel)
    for service in ("", "isoplast.env.v1.EnvService"):
        response = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_step_stream_answers_each_request_in_order_like_step(client):
    num_envs, seed = 4, 9
    handle = client.make("CartPole-v1", num_envs=num_envs, seed=seed).handle
    reference = Reference("CartPole-v1", num_envs, seed)
    np.testing.assert_array_equal(client.reset(handle), reference.obs)
    actions = [np.array([(t + i) % 2 for i in range(num_envs)], dtype=np.int64) for t in range(80)]
    requests = (pb.StepRequest(handle=handle, actions=encode(a)) for a in actions)
    responses = list(client.stub.StepStream(requests, metadata=client.metadata))
    assert len(responses) == len(actions)
    for response, a in zip(responses, actions):
        assert_same_step(response, reference.step(a))
    client.close(handle)


def test_step_stream_ends_with_the_status_of_the_first_bad_request(client):
    handle = client.make("CartPole-v1", num_envs=2, seed=0).handle
    client.reset(handle)
    good = pb.StepRequest(handle=handle, actions=encode(np.array([0, 1], dtype=np.int64)))
    bad = pb.StepRequest(handle=handle, actions=encode(np.array([0, 7], dtype=np.int64)))
    received = []
    with pytest.raises(grpc.RpcError) as info:
        for response in client.stub.StepStream(iter([good, bad, good]), metadata=client.metadata):
            received.append(response)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(received) == 1  # the good request before the bad one was answered
    assert decode(client.step(handle, np.array([1, 1], dtype=np.int64)).rewards).shape == (2,)  # still serving
    client.close(handle)
