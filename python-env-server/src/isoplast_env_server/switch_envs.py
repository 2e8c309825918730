"""One env that plays several games in turn, the game being a dynamics parameter (``game``), so that
a scenario switches games on the env handle the agent already holds (Reconfigure, like any other
dynamics change): the agent, GetState / SetState, the per-phase fresh references and the
plasticity ratio all keep working as they do for physics changes.

:class:`GameSwitchEnv` holds one env per game, all with the same action space (MinAtar's full six
actions, ALE's full 18) and observations of the same shape except the leading (channel) axis; its
observation has as many channels as the game with the most, and a game with fewer fills its
first channels and leaves the rest zero. ``game`` (an index into the list of games) takes effect
at the next reset. So that every env of a handle plays the new game from the step after the
Reconfigure, a step taken while another game is pending ends its episode as truncated (it is
played in the old game; the server's autoreset then starts the new game): the episode was cut off,
not lost, which is what truncation means to a learner that bootstraps.

Seeding: a seeded ``reset(seed=s)`` resets every game's env with seed ``s`` (and returns the
current game's first observation); unseeded resets reset the current game's env only, so each game
continues its own RNG stream across switches and a rollout is a function of the seed and the
actions alone. The reference rollouts in the tests rebuild exactly this from in-process envs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gymnasium
import numpy as np
from gymnasium import spaces


class GameSwitchEnv(gymnasium.Env):
    """``games[game]`` played with observations padded with zero channels to the largest count."""

    metadata = {"render_modes": []}

    def __init__(self, names: Sequence[str], makers: Sequence[Callable[[], gymnasium.Env]]):
        if len(names) != len(makers) or not names:
            raise ValueError("a GameSwitchEnv needs one maker per game name, and at least one game")
        self.names = tuple(names)
        self.games = [make() for make in makers]
        boxes = [env.observation_space for env in self.games]
        if not all(isinstance(box, spaces.Box) and box.shape[1:] == boxes[0].shape[1:]
                   and box.dtype == boxes[0].dtype for box in boxes):
            raise ValueError(f"the games' observations differ beyond their channel count: {boxes}")
        if any(env.action_space != self.games[0].action_space for env in self.games):
            raise ValueError(f"the games' action spaces differ: {[env.action_space for env in self.games]}")
        self._channels = [box.shape[0] for box in boxes]
        shape = (max(self._channels), *boxes[0].shape[1:])
        low = min(float(box.low.min()) for box in boxes)
        high = max(float(box.high.max()) for box in boxes)
        self.observation_space = spaces.Box(min(low, 0.0), max(high, 0.0), shape=shape, dtype=boxes[0].dtype)
        self.action_space = self.games[0].action_space
        self._playing = 0  # the game of the episode in progress
        self._next = 0  # the game the next reset starts

    @property
    def game(self) -> int:
        """The game the next reset plays (what Reconfigure set last); the one in progress until then."""
        return self._next

    @game.setter
    def game(self, value: float) -> None:
        index = int(value)
        if index != value or not 0 <= index < len(self.games):
            raise ValueError(f"game must be an integer in [0, {len(self.games) - 1}], got {value}")
        self._next = index

    @property
    def playing(self) -> str:
        """The name of the game of the episode in progress."""
        return self.names[self._playing]

    def _pad(self, frame: np.ndarray) -> np.ndarray:
        out = np.zeros(self.observation_space.shape, dtype=self.observation_space.dtype)
        out[: frame.shape[0]] = frame
        return out

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._playing = self._next
        if seed is None:
            frame, info = self.games[self._playing].reset()
        else:
            firsts = [env.reset(seed=seed) for env in self.games]
            frame, info = firsts[self._playing]
        return self._pad(frame), dict(info)

    def step(self, action):
        frame, reward, terminated, truncated, info = self.games[self._playing].step(action)
        switching = self._next != self._playing
        return self._pad(frame), reward, terminated, bool(truncated or (switching and not terminated)), dict(info)

    def close(self):
        for env in self.games:
            env.close()
