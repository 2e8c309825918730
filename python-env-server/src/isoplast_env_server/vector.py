"""A handle: ``num_envs`` copies of one env, stepped together in one call with same-step autoreset.

Same-step autoreset (the StepResponse comment in env.proto): rewards / terminated / truncated
are those of the step taken; an env whose episode ended is reset inside the same call and its
row of ``observations`` is the new episode's first observation; ``final_observations`` holds the
ended episodes' last observations in ascending env order, with their returns and lengths.

Seeding: env i is reset with ``seed + i`` on the first Reset (Make's seed, or Reset's own seed,
which overrides it); later resets, including autoresets, are unseeded, so every env continues its
own RNG stream. A handle therefore reproduces exactly what plain ``gymnasium.make(env_id)`` envs
give in-process when env i is reset with ``reset(seed=seed + i)`` once and then, stepped with the
same actions, reset with ``reset()`` whenever terminated or truncated.

The batch is assembled in preallocated arrays and written straight into response messages
copied from per-handle templates, so a Step allocates little beyond what the envs themselves do.
Calls on one handle are serialised by its ``lock``; the server holds it around every operation.

State (GetState / SetState, see state.py): ``snapshot`` returns everything the next Steps depend on
(the envs' whole wrapper stacks, the perturbation wrappers, the episode statistics, whether the
first Reset is still due and with which seed), and ``restore`` puts such a snapshot in place.
Everything else here is derived from the spaces, which a restore keeps equal.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from isoplast.env.v1 import env_pb2 as pb

from .actions import ActionDecoder
from .errors import EnvCrashed, describe, failed_precondition, invalid_argument, not_found
from .perturbation import Perturbation
from .registry import EnvEntry
from .tensors import wire_dtype


class VectorHandle:
    """num_envs Gymnasium envs behind one handle id; not thread-safe by itself, see ``lock``."""

    def __init__(self, handle_id: str, entry: EnvEntry, envs: list[gymnasium.Env], seed: int | None):
        self.id = handle_id
        self.entry = entry
        self.envs = envs
        self.num_envs = n = len(envs)
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        self.closed_reason: str | None = None  # set once closed; calls then get NOT_FOUND
        self._needs_reset = True
        self._make_seed = seed  # consumed by the first Reset
        self.observation_space: spaces.Space = envs[0].observation_space
        self.action_space: spaces.Space = envs[0].action_space
        self.actions = ActionDecoder(self.action_space, n, handle_id)
        self.perturbation = Perturbation.identity(self.observation_space, self.action_space)

        obs_shape = tuple(self.observation_space.shape)
        obs_dtype = np.dtype(self.observation_space.dtype)
        self._obs = np.zeros((n, *obs_shape), dtype=obs_dtype)
        # np.concatenate into this view fills _obs from per-env rows in one C call (np.stack is
        # several times slower); scalar observations are assigned from the list instead.
        self._obs_rows_out = self._obs.reshape(n * obs_shape[0], *obs_shape[1:]) if obs_shape else None
        # One Step's rewards and flags, filled element by element (cheaper than converting lists
        # for the few envs of a handle) and sent as they are.
        self._rewards = np.zeros(n, dtype=np.float64)
        self._terminated = np.zeros(n, dtype=np.bool_)
        self._truncated = np.zeros(n, dtype=np.bool_)
        self._rows: list[Any] = [None] * n
        # Episode statistics of what the agent received (rewards after reward_scale).
        self._returns = np.zeros(n, dtype=np.float64)
        self._lengths = np.zeros(n, dtype=np.int64)
        # Response templates: dtypes and shapes are fixed per handle, only data changes per call.
        obs_wire = wire_dtype(obs_dtype)
        self._reset_template = pb.ResetResponse(observations=pb.Tensor(dtype=obs_wire, shape=(n, *obs_shape)))
        self._step_template = pb.StepResponse(
            observations=pb.Tensor(dtype=obs_wire, shape=(n, *obs_shape)),
            rewards=pb.Tensor(dtype=pb.DTYPE_FLOAT64, shape=(n,)),
            terminated=pb.Tensor(dtype=pb.DTYPE_BOOL, shape=(n,)),
            truncated=pb.Tensor(dtype=pb.DTYPE_BOOL, shape=(n,)),
            final_observations=pb.Tensor(dtype=obs_wire, shape=(0, *obs_shape)))

    # -- lifecycle ----------------------------------------------------------------------------

    def ensure_open(self) -> None:
        """NOT_FOUND if the handle was closed (or reaped) while the caller waited for the lock."""
        if self.closed_reason is not None:
            raise not_found(f"handle {self.id} was {self.closed_reason}")

    def close(self, reason: str) -> None:
        """Close every env; further calls get NOT_FOUND. Call with ``lock`` held."""
        if self.closed_reason is not None:
            return
        self.closed_reason = reason
        for env in self.envs:
            try:
                env.close()
            except Exception:  # a broken env must not stop the others from closing
                pass

    # -- Reset / Step -------------------------------------------------------------------------

    def reset(self, seed: int | None) -> pb.ResetResponse:
        """Reset every env (env i with seed + i if a seed applies)."""
        if seed is None:
            seed = self._make_seed
        self._make_seed = None
        rows: list[Any] = []
        try:
            for i, env in enumerate(self.envs):
                rows.append(env.reset()[0] if seed is None else env.reset(seed=seed + i)[0])
        except Exception as exc:
            raise self._crashed("reset", len(rows), exc) from exc
        self._fill_observations(rows)
        self._returns.fill(0.0)
        self._lengths.fill(0)
        self._needs_reset = False
        response = pb.ResetResponse()
        response.CopyFrom(self._reset_template)
        response.observations.data = self.perturbation.observe(self._obs).tobytes()
        return response

    def step(self, actions: np.ndarray, response: pb.StepResponse | None = None) -> pb.StepResponse:
        """Step every env once with same-step autoreset; ``actions`` as returned by ``self.actions``.
        The result is written into ``response`` when given (the local data path passes the field
        of its reply), else into a new message."""
        if self._needs_reset:
            raise failed_precondition(f"handle {self.id} must be Reset before its first Step")
        envs = self.envs
        perturbation = self.perturbation
        # Iterating the array hands env i numpy scalar actions[i] (Discrete) or row actions[i],
        # exactly what SyncVectorEnv passes.
        actions = perturbation.act(actions)
        rows, rewards, terminated, truncated = self._rows, self._rewards, self._terminated, self._truncated
        ended: list[int] = []
        i = 0
        try:
            for i, (env, action) in enumerate(zip(envs, actions)):
                rows[i], rewards[i], terminated[i], truncated[i], _ = env.step(action)
                if terminated[i] or truncated[i]:
                    ended.append(i)
        except Exception as exc:
            raise self._crashed("step", i, exc) from exc
        if perturbation.reward_scale != 1.0:
            rewards *= perturbation.reward_scale
        returns, lengths = self._returns, self._lengths
        returns += rewards
        lengths += 1

        if response is None:
            response = pb.StepResponse()
        response.CopyFrom(self._step_template)
        if ended:
            # Copied before any reset: an env may reuse its observation array.
            finals = np.stack([rows[i] for i in ended]).astype(self._obs.dtype, copy=False)
            i = ended[0]
            try:
                for i in ended:
                    rows[i] = envs[i].reset()[0]
            except Exception as exc:
                raise self._crashed("autoreset", i, exc) from exc
            # Episode returns are sums of the rewards the agent received, i.e. after reward_scale.
            response.ended_indices.extend(ended)
            response.episode_returns.extend(returns[ended].tolist())
            response.episode_lengths.extend(lengths[ended].tolist())
            returns[ended] = 0.0
            lengths[ended] = 0
            final_observations = response.final_observations
            final_observations.shape[0] = len(ended)
            final_observations.data = perturbation.observe(finals).tobytes()
        self._fill_observations(rows)
        response.observations.data = perturbation.observe(self._obs).tobytes()
        response.rewards.data = rewards.tobytes()
        response.terminated.data = terminated.tobytes()
        response.truncated.data = truncated.tobytes()
        return response

    def _fill_observations(self, rows) -> None:
        if self._obs_rows_out is not None:
            np.concatenate(rows, out=self._obs_rows_out)
        else:
            self._obs[...] = rows

    # -- Reconfigure --------------------------------------------------------------------------

    def reconfigure(self, request: pb.ReconfigureRequest) -> pb.ReconfigureResponse:
        """All-or-nothing: every field is validated before any env or wrapper changes."""
        dynamics = self.entry.check_dynamics(request.dynamics)
        perturbation = self.perturbation.updated(request)
        i = 0
        try:
            for i, env in enumerate(self.envs):
                self.entry.apply_dynamics(env.unwrapped, dynamics)
            applied = self.entry.read_dynamics(self.envs[0].unwrapped)
        except Exception as exc:
            raise self._crashed("reconfigure", i, exc) from exc
        self.perturbation = perturbation
        response = perturbation.to_proto()
        response.dynamics.update(applied)
        return response

    # -- GetState / SetState ------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """What a state holds (to be pickled; shares the live objects, so pickle it at once)."""
        return {"env_id": self.entry.env_id, "num_envs": self.num_envs, "envs": self.envs,
                "perturbation": self.perturbation, "returns": self._returns, "lengths": self._lengths,
                "needs_reset": self._needs_reset, "make_seed": self._make_seed}

    def restore(self, state: Any) -> None:
        """Replace this handle's envs and bookkeeping with an unpickled ``snapshot``;
        INVALID_ARGUMENT, changing nothing, if it is of another env id, size or spaces."""
        if not isinstance(state, dict) or not {"env_id", "num_envs", "envs"} <= state.keys():
            raise invalid_argument("the state is not a handle's state (a pickle of something else)")
        if (state["env_id"], state["num_envs"]) != (self.entry.env_id, self.num_envs):
            raise invalid_argument(f"the state is of {state['env_id']} x{state['num_envs']}, handle {self.id} is "
                                   f"{self.entry.env_id} x{self.num_envs}; load it into a handle made alike")
        envs = state["envs"]
        for name, ours in (("observation", self.observation_space), ("action", self.action_space)):
            theirs = getattr(envs[0], f"{name}_space")
            if theirs != ours:
                raise invalid_argument(f"the state's {name} space {theirs} differs from handle {self.id}'s {ours} "
                                       f"(made with other kwargs?)")
        old, self.envs = self.envs, envs
        self.observation_space, self.action_space = envs[0].observation_space, envs[0].action_space
        self.perturbation = state["perturbation"]
        self._returns[:] = state["returns"]
        self._lengths[:] = state["lengths"]
        self._needs_reset, self._make_seed = state["needs_reset"], state["make_seed"]
        for env in old:
            try:
                env.close()
            except Exception:  # the replaced envs are gone either way
                pass

    def _crashed(self, operation: str, env_index: int, exc: BaseException) -> EnvCrashed:
        return EnvCrashed(self.id, f"env {env_index} of handle {self.id} ({self.entry.env_id}) raised "
                                   f"{describe(exc)} during {operation}")
