"""Per-handle perturbation wrappers: observation permutation and sign flip, action permutation,
reward scale (DESIGN.md §3).

They perturb any env, even one without physical parameters. They act like Gymnasium's
ObservationWrapper / ActionWrapper / RewardWrapper, but on the whole batch of a handle at once
(one numpy operation per Step instead of one wrapper call per env), and only when set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from gymnasium import spaces

from isoplast.env.v1 import env_pb2 as pb

from .errors import invalid_argument, listed

#: The allowed closed range of ``reward_scale`` (env.proto): six orders of magnitude either way of 1
#: keep every scaled return far from float64 overflow (a CartPole episode's 500 rewards x 1e6 = 5e8).
REWARD_SCALE_RANGE = (1e-6, 1e6)


def _check_permutation(values, size: int, what: str) -> np.ndarray:
    perm = np.asarray(values, dtype=np.int64)
    if len(perm) != size or not np.array_equal(np.sort(perm), np.arange(size)):
        raise invalid_argument(f"{what} must be a permutation of 0..{size - 1} ({size} entries), got {listed(values)}")
    return perm


@dataclass(frozen=True)
class Perturbation:
    """The wrappers in force on one handle; ``None`` fields are the identity (no work)."""

    obs_size: int
    obs_dtype: np.dtype
    action_n: int | None  # n of a Discrete action space, else None
    action_start: int = 0
    obs_permutation: np.ndarray | None = None  # int64 [obs_size]
    obs_sign: np.ndarray | None = None  # [obs_size] in the observation dtype
    action_permutation: np.ndarray | None = None  # int64 [n]
    reward_scale: float = 1.0

    @classmethod
    def identity(cls, observation_space: spaces.Space, action_space: spaces.Space) -> "Perturbation":
        discrete = isinstance(action_space, spaces.Discrete)
        return cls(obs_size=int(np.prod(observation_space.shape, dtype=np.int64)),
                   obs_dtype=np.dtype(observation_space.dtype),
                   action_n=int(action_space.n) if discrete else None,
                   action_start=int(action_space.start) if discrete else 0)

    def updated(self, request: pb.ReconfigureRequest) -> "Perturbation":
        """A new Perturbation with the request's wrapper fields applied; validates all of them
        and changes nothing on failure. Empty / unset fields keep their current value."""
        obs_permutation, obs_sign = self.obs_permutation, self.obs_sign
        action_permutation, reward_scale = self.action_permutation, self.reward_scale
        if len(request.obs_permutation):
            perm = _check_permutation(request.obs_permutation, self.obs_size, "obs_permutation")
            obs_permutation = None if np.array_equal(perm, np.arange(self.obs_size)) else perm
        if len(request.obs_sign_flip):
            sign = np.asarray(request.obs_sign_flip, dtype=np.float64)
            if len(sign) != self.obs_size or not np.all(np.abs(sign) == 1.0):
                raise invalid_argument(f"obs_sign_flip must have {self.obs_size} entries, each +1 or -1, "
                                       f"got {listed(request.obs_sign_flip)}")
            if (sign < 0).any() and not (np.issubdtype(self.obs_dtype, np.floating)
                                         or np.issubdtype(self.obs_dtype, np.signedinteger)):
                raise invalid_argument(f"obs_sign_flip cannot negate observations of dtype {self.obs_dtype}")
            obs_sign = None if (sign > 0).all() else sign.astype(self.obs_dtype)
        if len(request.action_permutation):
            if self.action_n is None:
                raise invalid_argument("action_permutation applies to Discrete action spaces only; "
                                       "this handle's action space is not Discrete")
            perm = _check_permutation(request.action_permutation, self.action_n, "action_permutation")
            action_permutation = None if np.array_equal(perm, np.arange(self.action_n)) else perm
        if request.HasField("reward_scale"):
            reward_scale = request.reward_scale
            low, high = REWARD_SCALE_RANGE
            if not (math.isfinite(reward_scale) and low <= reward_scale <= high):
                raise invalid_argument(f"reward_scale must be in [{low:g}, {high:g}], got {reward_scale:g}")
        return Perturbation(self.obs_size, self.obs_dtype, self.action_n, self.action_start,
                            obs_permutation, obs_sign, action_permutation, reward_scale)

    @property
    def changes_observations(self) -> bool:
        return self.obs_permutation is not None or self.obs_sign is not None

    def observe(self, batch: np.ndarray) -> np.ndarray:
        """obs'[i] = sign[i] * obs[perm[i]] on each flattened observation of ``batch`` [k, ...]."""
        if not self.changes_observations:
            return batch
        flat = batch.reshape(len(batch), -1)
        if self.obs_permutation is not None:
            flat = flat[:, self.obs_permutation]
        if self.obs_sign is not None:
            flat = flat * self.obs_sign
        return flat.reshape(batch.shape)

    def act(self, actions: np.ndarray) -> np.ndarray:
        """The actions the envs receive: action_permutation[a] (relative to a Discrete's start)."""
        if self.action_permutation is None:
            return actions
        return self.action_permutation[actions - self.action_start] + self.action_start

    def to_proto(self) -> pb.ReconfigureResponse:
        """The wrapper part of a ReconfigureResponse (identity values when nothing is set)."""
        response = pb.ReconfigureResponse(reward_scale=self.reward_scale)
        response.obs_permutation.extend(
            (self.obs_permutation if self.obs_permutation is not None else np.arange(self.obs_size)).tolist())
        response.obs_sign_flip.extend(
            (self.obs_sign.astype(np.float64) if self.obs_sign is not None else np.ones(self.obs_size)).tolist())
        if self.action_n is not None:
            response.action_permutation.extend(
                (self.action_permutation if self.action_permutation is not None else np.arange(self.action_n)).tolist())
        return response
