"""MinAtar's five games through a real server: channels-first float32 observations whose rollouts
equal in-process ``gymnasium.make("MinAtar/<Game>-v1")`` exactly (its H x W x C booleans transposed
and cast here), with the game's own or the full six-action set."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from conftest import MINATAR, Reference, assert_same_step, decode

from isoplast.env.v1 import env_pb2 as pb


def channels_first(observation: np.ndarray) -> np.ndarray:
    return np.transpose(observation, (2, 0, 1)).astype(np.float32)


def random_actions(n: int, num_envs: int, steps: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n, size=num_envs, dtype=np.int64) for _ in range(steps)]


def test_list_envs_reports_channels_first_float32_boxes_and_the_games_actions(client):
    envs = {info.env_id: info for info in client.call("ListEnvs", pb.ListEnvsRequest()).envs}
    channels = {"Asterix": 4, "Breakout": 4, "Freeway": 7, "Seaquest": 10, "SpaceInvaders": 6}
    for env_id in MINATAR:
        info, reference = envs[env_id], gymnasium.make(env_id)
        box = info.observation_space.box
        assert list(box.shape) == [channels[env_id[8:-3]], 10, 10] and box.dtype == pb.DTYPE_FLOAT32
        assert decode(box.low).min() == 0.0 and decode(box.high).max() == 1.0
        assert info.action_space.discrete.n == reference.action_space.n
        assert [k.name for k in info.kwargs] == ["use_minimal_action_set"]
        assert info.max_episode_steps == 0  # the games end by themselves


@pytest.mark.parametrize("env_id", MINATAR)
@pytest.mark.parametrize("minimal", [True, False])
def test_rollouts_match_in_process_gymnasium_exactly(client, env_id, minimal):
    num_envs, seed, steps = 2, 17, 250
    kwargs = {} if minimal else {"use_minimal_action_set": False}
    handle = client.make(env_id, num_envs=num_envs, seed=seed, **kwargs).handle
    reference = Reference(env_id, num_envs, seed, kwargs=kwargs, observation=channels_first)
    n = reference.envs[0].action_space.n
    if not minimal:
        assert n == 6
    observations = client.reset(handle)
    assert observations.dtype == np.float32 and observations.shape[1:] == reference.obs.shape[1:]
    np.testing.assert_array_equal(observations, reference.obs)
    ended = 0
    for batch in random_actions(n, num_envs, steps, seed=3):
        expected = reference.step(batch)
        assert_same_step(client.step(handle, batch), expected)
        ended += len(expected[4])
    if env_id != "MinAtar/Freeway-v1":  # Freeway's episodes last 2500 steps
        assert ended > 0, "the rollout crossed no episode end, so autoreset went untested"
    client.close(handle)


def test_breakouts_first_frame_is_the_hand_drawn_one(client):
    """Paddle at the bottom centre, ball and its trail on row 3 at an edge, three rows of bricks."""
    handle = client.make("MinAtar/Breakout-v1", num_envs=1, seed=0).handle
    obs = client.reset(handle)[0]
    paddle, ball, trail, brick = obs
    assert paddle.sum() == 1 and paddle[9, 4] == 1
    assert ball.sum() == 1 and trail.sum() == 1 and (ball[3, 0] == 1 or ball[3, 9] == 1)
    np.testing.assert_array_equal(ball, trail)
    expected_bricks = np.zeros((10, 10), dtype=np.float32)
    expected_bricks[1:4] = 1
    np.testing.assert_array_equal(brick, expected_bricks)
    client.close(handle)


def test_a_saved_state_continues_exactly_in_a_fresh_handle(client):
    """GetState pickles the games (positions, timers, MinAtar's RandomState, sticky last action)."""
    handle = client.make("MinAtar/Seaquest-v1", num_envs=2, seed=5, use_minimal_action_set=False).handle
    client.reset(handle)
    for batch in random_actions(6, 2, 30, seed=1):
        client.step(handle, batch)
    state = client.get_state(handle)
    actions = random_actions(6, 2, 200, seed=2)
    original = [client.step(handle, batch) for batch in actions]
    fresh = client.make("MinAtar/Seaquest-v1", num_envs=2, seed=999, use_minimal_action_set=False).handle
    client.set_state(fresh, state)
    for batch, expected in zip(actions, original):
        got = client.step(fresh, batch)
        for field in ("observations", "rewards", "terminated", "truncated", "final_observations"):
            np.testing.assert_array_equal(decode(getattr(got, field)), decode(getattr(expected, field)), field)
    assert sum(len(r.ended_indices) for r in original) > 0
    client.close(handle)
    client.close(fresh)


def test_every_int64_seed_is_valid_and_reproducible():
    """MinAtar's RandomState refuses seeds >= 2^32; the server maps them through Gymnasium's seeding."""
    from isoplast_env_server import default_registry

    entry = default_registry().lookup("MinAtar/Breakout-v1")

    def rollout(seed: int) -> list[np.ndarray]:
        env = entry.make()
        frames = [env.reset(seed=seed)[0]]
        for action in random_actions(3, 1, 60, seed=0):
            obs, _, terminated, _, _ = env.step(int(action[0]))
            frames.append(obs if not terminated else env.reset()[0])
        return frames

    big = 2**63 - 1
    np.testing.assert_array_equal(rollout(big), rollout(big))
    assert any((a != b).any() for a, b in zip(rollout(big), rollout(big - 1))), "two seeds, two games"
    assert any((a != b).any() for a, b in zip(rollout(2**32), rollout(0))), "2^32 is not 0 modulo 2^32"
