"""Atari through a real server (the ``atari`` extra, ale-py): ``ALE/<Game>-v5`` preprocessed in the
server must equal in-process ``gymnasium.make("ALE/<Game>-v5", frameskip=1)`` under Gymnasium's
AtariPreprocessing and FrameStackObservation exactly; ALE/Switch-v5 plays its games with all 18
actions (saved states: test_state.py). ALE envs
are slow to make (0.3 s each, a switch env 1.5 s), so one game stands for the six."""

from __future__ import annotations

import gymnasium
import numpy as np
from conftest import ATARI, Reference, assert_same_step, decode
from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation

from isoplast.env.v1 import env_pb2 as pb


def preprocessed(env_id: str, **kwargs) -> gymnasium.Env:
    """The standard stack, built here from Gymnasium's wrappers (what atari_envs.py must equal)."""
    env = gymnasium.make(env_id, frameskip=1, **kwargs)
    env = AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84, terminal_on_life_loss=False,
                             grayscale_obs=True, scale_obs=True)
    return FrameStackObservation(env, stack_size=4)


def random_actions(n: int, num_envs: int, steps: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n, size=num_envs, dtype=np.int64) for _ in range(steps)]


def test_list_envs_reports_stacked_84x84_float32_frames(client):
    envs = {info.env_id: info for info in client.call("ListEnvs", pb.ListEnvsRequest()).envs}
    for env_id in ATARI + ["ALE/Switch-v5"]:
        box = envs[env_id].observation_space.box
        assert list(box.shape) == [4, 84, 84] and box.dtype == pb.DTYPE_FLOAT32, env_id
        assert decode(box.low).min() == 0.0 and decode(box.high).max() == 1.0
    assert [k.name for k in envs["ALE/Pong-v5"].kwargs] == ["full_action_space", "repeat_action_probability"]
    assert envs["ALE/Pong-v5"].action_space.discrete.n == 6  # Pong's minimal set
    switch = envs["ALE/Switch-v5"]
    assert switch.action_space.discrete.n == 18 and [d.name for d in switch.dynamics] == ["game"]
    assert "0 Asterix, 1 Breakout, 2 Freeway, 3 Seaquest, 4 SpaceInvaders" in switch.dynamics[0].description


def test_breakout_rollout_matches_in_process_gymnasium_exactly(client):
    num_envs, seed = 2, 21
    handle = client.make("ALE/Breakout-v5", num_envs=num_envs, seed=seed, full_action_space=True).handle
    reference = Reference("ALE/Breakout-v5", num_envs, seed, observation=np.asarray,
                          make=lambda: preprocessed("ALE/Breakout-v5", full_action_space=True))
    observations = client.reset(handle)
    assert observations.shape == (num_envs, 4, 84, 84) and observations.dtype == np.float32
    np.testing.assert_array_equal(observations, reference.obs)
    np.testing.assert_array_equal(observations[:, 0], observations[:, 3])  # the stack starts as 4 x frame 1
    ended, rewarded = 0, 0.0
    for batch in random_actions(18, num_envs, 400, seed=4):
        expected = reference.step(batch)
        assert_same_step(client.step(handle, batch), expected)
        ended += len(expected[4])
        rewarded += float(np.sum(expected[1]))
    assert ended > 0, "the rollout crossed no episode end, so autoreset went untested"
    assert rewarded > 0, "no brick was hit, so rewards went untested"
    client.close(handle)


def test_the_switch_plays_each_game_it_is_set_to(client):
    """Breakout, then SpaceInvaders from the step after the switch: the first frames are those of
    in-process games reset as switch_envs.py resets them (seeded once, then unseeded)."""
    seed = 6
    handle = client.make("ALE/Switch-v5", num_envs=1, seed=seed).handle
    client.reconfigure(handle, dynamics={"game": 1})
    breakout = preprocessed("ALE/Breakout-v5", full_action_space=True)
    np.testing.assert_array_equal(client.reset(handle)[0], breakout.reset(seed=seed)[0])
    client.reconfigure(handle, dynamics={"game": 4})
    step = client.step(handle, np.array([1]))
    assert list(step.ended_indices) == [0] and decode(step.truncated)[0]
    np.testing.assert_array_equal(decode(step.final_observations)[0], breakout.step(1)[0])
    invaders = preprocessed("ALE/SpaceInvaders-v5", full_action_space=True)
    invaders.reset(seed=seed)
    np.testing.assert_array_equal(decode(step.observations)[0], invaders.reset()[0])
    client.close(handle)
