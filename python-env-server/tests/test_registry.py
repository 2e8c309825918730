"""The allow-list: every env passes Gymnasium's check_env; declared kwargs and dynamics are real."""

from __future__ import annotations

import inspect
import math

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from conftest import ATARI, CLASSIC_CONTROL, MINATAR, MUJOCO, SWITCHES

from isoplast.env.v1 import env_pb2 as pb
from isoplast_env_server import default_registry
from isoplast_env_server.envs import ContinuousMountainCarEnv
from isoplast_env_server.errors import EnvError
from isoplast_env_server.registry import KwargSpec

REGISTRY = default_registry()
GYMNASIUM_IDS = CLASSIC_CONTROL + MUJOCO + MINATAR + ATARI  # registered with Gymnasium, unlike this server's SWITCHES
ALLOWED = CLASSIC_CONTROL + MUJOCO + MINATAR + ["MinAtar/Switch-v1"] + ATARI + ["ALE/Switch-v5"]
# The Atari entries are one class and one wrapper stack over six ROMs (registry.atari_entries), and an
# ALE env is slow to check (check_env 2 s, ALE/Switch-v5 9 s): one game stands for them all.
CHECKED = CLASSIC_CONTROL + MUJOCO + MINATAR + ["MinAtar/Switch-v1", "ALE/Breakout-v5"]


def test_allowed_ids_are_exactly_classic_control_mujoco_minatar_atari_and_the_switches():
    assert [entry.env_id for entry in REGISTRY] == ALLOWED


@pytest.mark.parametrize("env_id", CHECKED)
def test_check_env_passes(env_id):
    env = REGISTRY.lookup(env_id).make()
    try:
        check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()


@pytest.mark.parametrize("env_id", [env_id for env_id in CHECKED if env_id in GYMNASIUM_IDS])
def test_make_matches_gymnasium_make(env_id):
    """Same wrappers (TimeLimit etc.) and the same episode limit as gymnasium.make(env_id)."""
    ours, theirs = REGISTRY.lookup(env_id).make(), gymnasium.make(env_id)
    assert ours.spec.max_episode_steps == theirs.spec.max_episode_steps
    assert (theirs.spec.max_episode_steps or 0) == REGISTRY.lookup(env_id).max_episode_steps  # 0: no TimeLimit
    # MinAtar's observations are delivered channels-first in float32 (minatar_envs.ChannelsFirst), Atari's
    # preprocessed and stacked (atari_envs)
    ours_only = (["ChannelsFirst"] if env_id in MINATAR else ["FrameStackObservation", "AtariPreprocessing"]
                 if env_id in ATARI else [])
    assert _wrappers(ours) == ours_only + _wrappers(theirs)
    assert isinstance(ours.unwrapped, type(theirs.unwrapped))


def _wrappers(env) -> list[str]:
    names = []
    while env is not env.unwrapped:
        names.append(type(env).__name__)
        env = env.env
    return names


@pytest.mark.parametrize("env_id", [env_id for env_id in CHECKED if env_id in GYMNASIUM_IDS])
def test_declared_kwargs_are_real_constructor_arguments(env_id):
    """Arguments of Gymnasium's own class (ours may pass them through as **kwargs), of the
    declared type, and Make passes them on."""
    entry = REGISTRY.lookup(env_id)
    parameters = inspect.signature(type(gymnasium.make(env_id).unwrapped).__init__).parameters
    for spec in entry.kwargs:
        assert spec.name in parameters and spec.name != "render_mode"
        assert type(parameters[spec.name].default).__name__ == spec.type or (
            spec.type == "float" and isinstance(parameters[spec.name].default, int))
        entry.make(**{spec.name: parameters[spec.name].default}).close()


@pytest.mark.parametrize("env_id", CLASSIC_CONTROL)
def test_dynamics_defaults_are_gymnasiums_and_ranges_are_positive(env_id):
    entry = REGISTRY.lookup(env_id)
    env = entry.make()
    assert entry.read_dynamics(env.unwrapped) == {p.name: p.default for p in entry.dynamics}
    for param in entry.dynamics:
        assert 0 < param.min < param.default < param.max and math.isfinite(param.max)


def test_module_colon_ids_and_unlisted_ids_are_refused():
    for env_id in ("gymnasium.envs.classic_control:CartPoleEnv", "os:system", "LunarLander-v3", "cartpole-v1"):
        with pytest.raises(EnvError) as info:
            REGISTRY.lookup(env_id)
        assert info.value.code.name == "INVALID_ARGUMENT"


def test_cartpole_dynamics_recompute_derived_attributes():
    entry = REGISTRY.lookup("CartPole-v1")
    env = entry.make()
    entry.apply_dynamics(env.unwrapped, entry.check_dynamics({"masspole": 0.3, "masscart": 2.0, "length": 0.8}))
    assert env.unwrapped.total_mass == pytest.approx(2.3)
    assert env.unwrapped.polemass_length == pytest.approx(0.24)


def test_acrobot_dynamics_are_set_on_the_instance_not_the_class():
    entry = REGISTRY.lookup("Acrobot-v1")
    env = entry.make()
    entry.apply_dynamics(env.unwrapped, {"LINK_MASS_1": 2.0})
    assert env.unwrapped.LINK_MASS_1 == 2.0
    assert type(env.unwrapped).LINK_MASS_1 == 1.0
    assert entry.make().unwrapped.LINK_MASS_1 == 1.0


def test_kwarg_conversion_checks_names_and_types():
    entry = REGISTRY.lookup("Pendulum-v1")
    assert entry.convert_kwargs({"g": pb.KwargValue(number=9.81)}) == {"g": 9.81}
    assert entry.convert_kwargs({"g": pb.KwargValue(integer=9)}) == {"g": 9.0}
    for bad in ({"g": pb.KwargValue(flag=True)}, {"g": pb.KwargValue(number=float("nan"))},
                {"g": pb.KwargValue(number=1e6)}, {"render_mode": pb.KwargValue(text="human")}):
        with pytest.raises(EnvError):
            entry.convert_kwargs(bad)


def _rollout(env, actions, seed=7):
    obs, _ = env.reset(seed=seed)
    out = [obs.copy()]
    for action in actions:
        obs, reward, terminated, truncated, _ = env.step(action)
        out.append(np.append(obs, reward))
        if terminated or truncated:
            obs, _ = env.reset()
    return np.array(out[1:])


def test_continuous_mountain_car_is_gymnasiums_at_default_gravity_and_obeys_a_new_one():
    actions = np.random.default_rng(3).uniform(-1, 1, size=(300, 1)).astype(np.float32)
    ours = REGISTRY.lookup("MountainCarContinuous-v0").make()
    assert isinstance(ours.unwrapped, ContinuousMountainCarEnv)
    reference = _rollout(gymnasium.make("MountainCarContinuous-v0"), actions)
    np.testing.assert_array_equal(_rollout(ours, actions), reference)

    ours.unwrapped.gravity = 0.005  # twice as steep: the car falls back faster
    obs, _ = ours.reset(seed=1)
    plain = gymnasium.make("MountainCarContinuous-v0")
    plain_obs, _ = plain.reset(seed=1)
    ours_next, *_ = ours.step(np.zeros(1, np.float32))
    plain_next, *_ = plain.step(np.zeros(1, np.float32))
    # velocity update = -gravity * cos(3x) with zero force
    assert ours_next[1] == pytest.approx(-0.005 * math.cos(3 * obs[0]), rel=1e-5)
    assert plain_next[1] == pytest.approx(-0.0025 * math.cos(3 * plain_obs[0]), rel=1e-5)


def test_float_kwargs_with_a_range_refuse_values_outside_it():
    """A negative reset_noise_scale used to be accepted by Make, after which every Reset of the
    handle raised (uniform(-s, s) with high < low): INTERNAL and the handle closed. Found by
    test_fuzz.py."""
    for env_id in ("Ant-v5", "HalfCheetah-v5", "Hopper-v5", "Walker2d-v5"):
        entry = REGISTRY.lookup(env_id)
        for good in (0.0, 0.005, 1.0):
            assert entry.convert_kwargs({"reset_noise_scale": pb.KwargValue(number=good)}) == {"reset_noise_scale": good}
        for bad in (-1.0, -1e-300, 1.5, 1e308):
            with pytest.raises(EnvError, match=r"reset_noise_scale .* must be in \[0, 1\]"):
                entry.convert_kwargs({"reset_noise_scale": pb.KwargValue(number=bad)})
        spec = next(spec for spec in entry.kwargs if spec.name == "reset_noise_scale")
        assert spec.summary.endswith("; allowed range [0.0, 1.0]")
    pendulum_g = next(spec for spec in REGISTRY.lookup("Pendulum-v1").kwargs if spec.name == "g")
    assert (pendulum_g.min, pendulum_g.max) == (1.0, 100.0)  # the dynamics range of g
    with pytest.raises(ValueError):
        KwargSpec("flag", "bool", "a bool has no range", min=0.0)


def test_the_allow_list_message_names_plain_ids_and_counts_namespaced_ones():
    with pytest.raises(EnvError) as info:
        REGISTRY.lookup("MinAtar/Pong-v1")
    assert info.value.message.endswith(
        "allowed: " + ", ".join(CLASSIC_CONTROL + MUJOCO) + ", MinAtar/... (6 ids), ALE/... (7 ids)")


def test_listed_spaces_are_those_of_a_made_env():
    """ListEnvs reports the Atari ids' declared spaces without making one (a ROM loads in 0.3 s)."""
    declared = [entry for entry in REGISTRY if entry.listed_spaces is not None]
    assert {entry.env_id for entry in declared} == set(ATARI + ["ALE/Switch-v5"])
    for entry in declared:
        env = entry.make()
        try:
            assert (env.observation_space, env.action_space) == entry.listed_spaces, entry.env_id
        finally:
            env.close()
