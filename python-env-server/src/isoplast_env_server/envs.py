"""Gymnasium env subclasses that expose a physical constant Gymnasium hard-codes.

Only what the allow-list needs: with every parameter at its default, each subclass behaves
bit for bit like the Gymnasium class it extends (same arithmetic, same RNG use), so a handle
still reproduces a plain ``gymnasium.make(env_id)``.
"""

from __future__ import annotations

import math

import numpy as np
from gymnasium.envs.classic_control.continuous_mountain_car import Continuous_MountainCarEnv

#: The gravity constant written into ``Continuous_MountainCarEnv.step`` (not an attribute there).
CONTINUOUS_MOUNTAIN_CAR_GRAVITY = 0.0025


class ContinuousMountainCarEnv(Continuous_MountainCarEnv):
    """MountainCarContinuous with ``gravity`` as an attribute, like the discrete MountainCar has.

    Gymnasium's ``step`` computes ``velocity += force * power - 0.0025 * cos(3 * position)``
    and clips afterwards. For another ``gravity`` we add ``(0.0025 - gravity) * cos(3 * position)``
    to the velocity just before calling Gymnasium's ``step``; as nothing is clipped in between,
    the update becomes ``force * power - gravity * cos(3 * position)``. At the default gravity the
    state is not touched, so the env is exactly Gymnasium's.
    """

    def __init__(self, render_mode: str | None = None, goal_velocity: float = 0):
        super().__init__(render_mode=render_mode, goal_velocity=goal_velocity)
        self.gravity = CONTINUOUS_MOUNTAIN_CAR_GRAVITY

    def step(self, action: np.ndarray):
        if self.gravity != CONTINUOUS_MOUNTAIN_CAR_GRAVITY and self.state is not None:
            position, velocity = self.state[0], self.state[1]
            correction = (CONTINUOUS_MOUNTAIN_CAR_GRAVITY - self.gravity) * math.cos(3 * position)
            # A new array: Gymnasium returns self.state itself as the observation, which the
            # caller may still hold.
            self.state = np.array([position, velocity + correction], dtype=self.state.dtype)
        return super().step(action)
