"""MinAtar (Young & Tian 2019, "MinAtar: An Atari-Inspired Testbed for Thorough and Reproducible
Reinforcement Learning Experiments"; needs the ``minatar`` extra): the five games as the Gymnasium
ids ``MinAtar/<Game>-v1`` that ``minatar.gym`` registers, with observations channels-first.

MinAtar's own observation is a 10 x 10 x C boolean array (C = 4 Breakout, 4 Asterix, 7 Freeway,
10 Seaquest, 6 SpaceInvaders), height x width x channel. The server delivers it as a float32
``C x 10 x 10`` tensor (NCHW per sample, what a convolution reads; the wire carries the shape, and
the Java side gets a Box of shape [C, 10, 10] whose rows are this tensor flattened row-major):
:class:`ChannelsFirst` is the only difference from ``gymnasium.make("MinAtar/<Game>-v1")``, so
rewards, terminations and the game's randomness are MinAtar's exactly.

The one constructor kwarg is MinAtar's ``use_minimal_action_set`` (the v1 ids' default true;
false gives all six actions, no-op, left, up, right, down, fire, so that one network can play
every game); sticky actions (p = 0.1) and difficulty ramping stay at MinAtar's defaults. MinAtar
seeds its own ``numpy.random.RandomState`` from ``reset(seed=...)``; episodes end by themselves, so
there is no TimeLimit.

:class:`MinAtarEnv` is MinAtar's ``BaseEnv`` whose ``reset`` also seeds Gymnasium's ``np_random``
(``BaseEnv`` does not call ``Env.reset``, which ``check_env`` requires); MinAtar never reads it, so
the game is unchanged. MinAtar's ``RandomState`` takes seeds below 2^32 only, while Reset carries
any int64 seed: a larger seed seeds MinAtar with a 32-bit draw from the ``np_random`` it seeded
(Gymnasium's SeedSequence of the whole seed), a smaller one is passed on as it is, so that every
seed a client can send is a valid, reproducible seed and the usual ones give MinAtar's own games.

``MinAtar/Switch-v1`` (:func:`make_switch`, this server's own id) plays the five games in turn on
one env: all six actions, observations padded with zero channels to 10 x 10 x 10, the game a
dynamics parameter (``game``: 0 Asterix, 1 Breakout, 2 Freeway, 3 Seaquest, 4 SpaceInvaders) that
takes effect at the next reset (:mod:`.switch_envs`). Unlike MinAtar's own ids it has a time
limit, 10,000 steps per episode (truncated): a Seaquest submarine that never dives is never in
danger, so a policy that keeps it at the surface (any constant action but "down") plays one
endless episode, and an evaluation of such a policy would never end.
"""

from __future__ import annotations

import dataclasses
import functools

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.wrappers import TimeLimit

from .registry import MINATAR_IDS, MINATAR_SWITCH_MAX_EPISODE_STEPS
from .switch_envs import GameSwitchEnv

try:
    import minatar.gym
except ImportError as exc:  # Make: INTERNAL with this message; ListEnvs omits them
    raise ImportError(f"the MinAtar envs need the server's minatar extra ({exc}): "
                      f"pip install -e 'python-env-server[minatar]' (./isoplast setup installs it)") from exc

class ChannelsFirst(gymnasium.ObservationWrapper):
    """H x W x C (any dtype) -> C x H x W float32, values unchanged (MinAtar's are 0 or 1)."""

    def __init__(self, env: gymnasium.Env):
        super().__init__(env)
        height, width, channels = env.observation_space.shape
        self.observation_space = spaces.Box(0.0, 1.0, shape=(channels, height, width), dtype=np.float32)

    def observation(self, observation):
        return np.ascontiguousarray(np.transpose(observation, (2, 0, 1)), dtype=np.float32)

class MinAtarEnv(minatar.gym.BaseEnv):
    """MinAtar's Gymnasium env, with ``reset`` seeding Gymnasium's ``np_random`` as well."""

    def reset(self, seed=None, options=None):
        gymnasium.Env.reset(self, seed=seed)
        if seed is not None and seed >= 2**32:  # RandomState(seed) raises on it
            seed = int(self.np_random.integers(2**32))
        return super().reset(seed=seed, options=options)


def register() -> None:
    """Registers MinAtar's ids with Gymnasium once (Gymnasium 1.x loads no plugins by itself)."""
    if MINATAR_IDS[0] not in gymnasium.registry:
        minatar.gym.register_envs()

def make(env_id: str, **kwargs) -> gymnasium.Env:
    """``gymnasium.make(env_id, **kwargs)`` on :class:`MinAtarEnv`, observations channels-first in float32."""
    register()
    spec = dataclasses.replace(gymnasium.spec(env_id), entry_point=MinAtarEnv)
    return ChannelsFirst(gymnasium.make(spec, **kwargs))


def make_switch() -> gymnasium.Env:
    """MinAtar/Switch-v1: the five games (``MINATAR_IDS``' order) with all six actions, observations
    padded to Seaquest's 10 channels (:class:`.switch_envs.GameSwitchEnv`), episodes cut off after
    ``MINATAR_SWITCH_MAX_EPISODE_STEPS`` steps."""
    games = GameSwitchEnv([env_id[len("MinAtar/"):-len("-v1")] for env_id in MINATAR_IDS],
                          [functools.partial(make, env_id, use_minimal_action_set=False) for env_id in MINATAR_IDS])
    return TimeLimit(games, max_episode_steps=MINATAR_SWITCH_MAX_EPISODE_STEPS)
