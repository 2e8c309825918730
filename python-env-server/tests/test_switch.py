"""MinAtar/Switch-v1 through a real server: MinAtar's five games in turn on one handle, the game a
dynamics parameter. The reference is built from in-process ``gymnasium.make("MinAtar/<Game>-v1",
use_minimal_action_set=False)`` envs, one per game and env, following the rules of
switch_envs.py: a seeded reset resets every game with the seed, an unseeded one only the game
being played; a game set by Reconfigure starts at the next reset, and a step taken while another
game is pending ends its episode as truncated."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from conftest import MINATAR, Reference, assert_same_step, decode

from isoplast.env.v1 import env_pb2 as pb

SWITCH = "MinAtar/Switch-v1"
CHANNELS = [4, 4, 7, 10, 6]  # Asterix, Breakout, Freeway, Seaquest, SpaceInvaders


def padded(observation: np.ndarray) -> np.ndarray:
    """MinAtar's H x W x C booleans as the switch env delivers them: C x H x W float32, then zero
    channels up to 10."""
    out = np.zeros((10, 10, 10), dtype=np.float32)
    out[: observation.shape[2]] = np.transpose(observation, (2, 0, 1))
    return out


class SwitchedGames:
    """One env's five in-process MinAtar games, played as switch_envs.py plays them: a seeded
    reset resets every game, an unseeded one the game being played; ``switch.next`` (shared by
    the envs of a reference, as Reconfigure sets every env of a handle) starts at the next reset,
    and a step while another game is pending is truncated."""

    def __init__(self, switch: "Switch"):
        self.games = [gymnasium.make(env_id, use_minimal_action_set=False) for env_id in MINATAR]
        self.switch = switch
        self.playing = switch.next

    def reset(self, seed=None):
        self.playing = self.switch.next
        if seed is None:
            return self.games[self.playing].reset()
        return [env.reset(seed=seed) for env in self.games][self.playing]

    def step(self, action):
        obs, reward, terminated, truncated, info = self.games[self.playing].step(action)
        return obs, reward, terminated, truncated or (self.switch.next != self.playing and not terminated), info


class Switch:
    def __init__(self, game: int):
        self.next = game


def switch_reference(num_envs: int, seed: int, game: int) -> tuple[Reference, Switch]:
    switch = Switch(game)
    return Reference(SWITCH, num_envs, seed, observation=padded, make=lambda: SwitchedGames(switch)), switch


def random_actions(num_envs: int, steps: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 6, size=num_envs, dtype=np.int64) for _ in range(steps)]


def test_list_envs_describes_the_game_parameter(client):
    info = next(e for e in client.call("ListEnvs", pb.ListEnvsRequest()).envs if e.env_id == SWITCH)
    assert list(info.observation_space.box.shape) == [10, 10, 10]
    assert info.observation_space.box.dtype == pb.DTYPE_FLOAT32
    assert info.action_space.discrete.n == 6 and not info.kwargs
    (game,) = info.dynamics
    assert (game.name, game.min, game.max, game.default_value, game.integer) == ("game", 0.0, 4.0, 0.0, True)
    cartpole = next(e for e in client.call("ListEnvs", pb.ListEnvsRequest()).envs if e.env_id == "CartPole-v1")
    assert not any(param.integer for param in cartpole.dynamics)
    assert "0 Asterix, 1 Breakout, 2 Freeway, 3 Seaquest, 4 SpaceInvaders" in game.description


def test_rollout_with_switches_matches_in_process_minatar_exactly(client):
    """Breakout from Make, then Seaquest and SpaceInvaders set mid-rollout, then Breakout again
    (which continues its own RNG stream)."""
    num_envs, seed = 3, 11
    handle = client.make(SWITCH, num_envs=num_envs, seed=seed).handle
    assert dict(client.reconfigure(handle, dynamics={"game": 1}).dynamics) == {"game": 1.0}
    reference, switch = switch_reference(num_envs, seed, game=1)
    np.testing.assert_array_equal(client.reset(handle), reference.obs)
    truncations = 0
    for t, batch in enumerate(random_actions(num_envs, 480, seed=5)):
        if t in (120, 240, 360):
            game = {120: 3, 240: 4, 360: 1}[t]
            client.reconfigure(handle, dynamics={"game": game})
            switch.next = game
        expected = reference.step(batch)
        assert_same_step(client.step(handle, batch), expected)
        if t in (120, 240, 360):  # every env's episode was cut at the step after the switch
            assert expected[4] == list(range(num_envs)) and sum(expected[3]) + sum(expected[2]) == num_envs
            truncations += int(sum(expected[3]))
    assert truncations > 0
    client.close(handle)


@pytest.mark.parametrize("game", range(5))
def test_each_game_fills_its_own_channels_and_the_padding_stays_zero(client, game):
    handle = client.make(SWITCH, num_envs=2, seed=3).handle
    client.reconfigure(handle, dynamics={"game": game})
    frames = [client.reset(handle)] + [decode(client.step(handle, batch).observations)
                                       for batch in random_actions(2, 40, seed=game)]
    stacked = np.stack(frames)  # [t, env, channel, 10, 10]
    assert not stacked[:, :, CHANNELS[game]:].any(), "padding channels are zero"
    first = gymnasium.make(MINATAR[game], use_minimal_action_set=False).reset(seed=3)[0]
    np.testing.assert_array_equal(frames[0][0], padded(first))
    client.close(handle)


def test_game_must_be_an_integer_in_range(client):
    handle = client.make(SWITCH, num_envs=1, seed=0).handle
    for bad, match in ((1.5, "must be an integer .*0 Asterix.*got 1.5"), (5.0, r"must be in \[0, 4\], got 5"),
                       (-1.0, r"must be in \[0, 4\]")):
        with pytest.raises(Exception, match=match) as info:
            client.reconfigure(handle, dynamics={"game": bad})
        assert info.value.code().name == "INVALID_ARGUMENT"
    assert dict(client.reconfigure(handle).dynamics) == {"game": 0.0}, "nothing changed"
    client.close(handle)


def test_episodes_are_cut_off_after_ten_thousand_steps():
    """MinAtar's Seaquest never ends while the submarine stays at the surface (every constant action
    but down, 4); the switch env truncates it at its time limit, and ListEnvs says so."""
    from isoplast_env_server import default_registry

    entry = default_registry().lookup(SWITCH)
    assert entry.max_episode_steps == 10_000
    env = entry.make()
    env.unwrapped.game = 3
    env.reset(seed=0)
    for t in range(1, 10_001):
        _, _, terminated, truncated, _ = env.step(0)
        assert not terminated and truncated == (t == 10_000), t
