"""Atari 2600 games through the Arcade Learning Environment (``ale-py``, ROMs inside its wheel; the
``atari`` extra), as ``ALE/<Game>-v5`` with the standard preprocessing done in the server, so the
wire carries what a Nature-CNN reads: float32 observations 4 x 84 x 84 in [0, 1].

The stack, in Gymnasium's own wrappers (Machado et al. 2018, "Revisiting the Arcade Learning
Environment", for the choices):

- ``gymnasium.make("ALE/<Game>-v5", frameskip=1, ...)``: the env's own frame skip off, because
  AtariPreprocessing skips frames itself (and max-pools the last two); v5's sticky actions stay
  (``repeat_action_probability`` 0.25, a kwarg here) and so does its limit of 108,000 frames per
  episode (30 minutes of play; the episode ends as truncated).
- ``AtariPreprocessing(noop_max=30, frame_skip=4, screen_size=84, terminal_on_life_loss=False,
  grayscale_obs=True, scale_obs=True)``: up to 30 no-ops at reset, 4 frames per step, 84 x 84
  grayscale, values / 255 as float32. A lost life does not end the episode (Machado et al.:
  life-loss signals are game-specific knowledge; the episode is the game).
- ``FrameStackObservation(stack_size=4)``: the last 4 frames, oldest first (channels-first,
  4 x 84 x 84); at reset the stack is the first frame four times (its ``padding_type="reset"``).

``full_action_space`` (a kwarg, v5's default false: the game's minimal set) gives all 18 joystick
actions; ``ALE/Switch-v5`` plays :data:`SWITCH_GAMES` in turn with it (:mod:`.switch_envs`).

:class:`AtariEnv` is ale-py's env that pickles its emulator: ale-py's ``AtariEnv`` is an
``EzPickle``, which pickles only the constructor arguments, so unpickling would start a new game.
GetState needs the game itself, so the state carries ``cloneState(include_rng=True)`` (the
emulator with the RNG its sticky actions draw from) and the env's ``np_random`` (the no-ops at
reset), and unpickling builds the env from its arguments and then restores both.
"""

from __future__ import annotations

import dataclasses
import functools

import gymnasium

from .registry import ATARI_SWITCH_GAMES as SWITCH_GAMES
from .switch_envs import GameSwitchEnv

try:
    import ale_py
    import ale_py.env
    from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation
except ImportError as exc:  # Make: INTERNAL with this message; ListEnvs omits them
    raise ImportError(f"the Atari envs need the server's atari extra ({exc}): "
                      f"pip install -e 'python-env-server[atari]' (./isoplast setup installs it)") from exc

gymnasium.register_envs(ale_py)


class AtariEnv(ale_py.env.AtariEnv):
    """ale-py's AtariEnv whose pickle holds the emulator state and RNGs, not only its arguments."""

    def __getstate__(self):
        state = super().__getstate__()  # EzPickle: the constructor arguments
        state["ale_state"] = self.ale.cloneState(include_rng=True)
        state["np_random"] = self._np_random
        return state

    def __setstate__(self, state):
        state = dict(state)
        ale_state, np_random = state.pop("ale_state"), state.pop("np_random")
        super().__setstate__(state)
        self.ale.restoreState(ale_state)
        self._np_random = np_random


def make(env_id: str, **kwargs) -> gymnasium.Env:
    """``ALE/<Game>-v5`` (on :class:`AtariEnv`) with frameskip 1, AtariPreprocessing and a stack of 4."""
    spec = dataclasses.replace(gymnasium.spec(env_id), entry_point=AtariEnv)
    env = gymnasium.make(spec, frameskip=1, **kwargs)
    return FrameStackObservation(
        AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84, terminal_on_life_loss=False,
                           grayscale_obs=True, scale_obs=True),
        stack_size=4)


def make_switch() -> GameSwitchEnv:
    """ALE/Switch-v5: :data:`SWITCH_GAMES` in turn, all 18 actions, 4 x 84 x 84 each."""
    return GameSwitchEnv([env_id[len("ALE/"):-len("-v5")] for env_id in SWITCH_GAMES],
                         [functools.partial(make, env_id, full_action_space=True) for env_id in SWITCH_GAMES])
