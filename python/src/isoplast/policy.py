"""Exported networks (``isoplast export RUN_DIR --onnx FILE``) under ONNX Runtime.

The model has one input ``obs`` ``[batch, obs_dim]`` float32 (the env's observation as is: no
isoplast learner normalises observations) and one output ``[batch, n]`` float32 whose name says
what it is: ``logits`` (PPO, Discrete actions), ``mean`` (PPO, Box actions: the Gaussian's mean),
``q_values`` (DQN), or a supervised net's ``logits`` / ``prediction``. Its metadata_props
(``isoplast.kind``, ``isoplast.source``, ``isoplast.log_std``, ...) say which run it came from.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort


class Policy:
    """A run's acting network as a callable: ``policy(obs)`` gives the greedy action of one
    observation (or a batch of them), ready for ``env.step``.

    Discrete policies (PPO logits, DQN Q-values) act by argmax, plus ``action_start`` (a Gymnasium
    ``Discrete`` space's ``start``); a Box policy acts with the Gaussian's mean, clipped to
    ``[low, high]`` when they are given. :meth:`outputs` gives the raw network outputs.

    Args:
        onnx_file: a model written by ``isoplast export``.
        action_space: optional Gymnasium space: ``Discrete`` sets ``action_start``, ``Box`` the clip bounds.
    """

    def __init__(self, onnx_file: str | Path, action_space: Any | None = None) -> None:
        self.path = Path(onnx_file)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one observation at a time: threads only add overhead
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        self.metadata: dict[str, str] = dict(meta)
        self.kind: str = meta.get("isoplast.kind", "")
        self.input_name: str = self.session.get_inputs()[0].name
        self.output_name: str = self.session.get_outputs()[0].name
        self.obs_dim: int = int(self.session.get_inputs()[0].shape[1])
        self.log_std: np.ndarray | None = (np.asarray(ast.literal_eval(meta["isoplast.log_std"]), dtype=np.float32)
                                           if "isoplast.log_std" in meta else None)
        self.action_start = 0
        self.low: np.ndarray | None = None
        self.high: np.ndarray | None = None
        if action_space is not None:
            if hasattr(action_space, "n"):
                self.action_start = int(getattr(action_space, "start", 0))
            else:
                self.low = np.asarray(action_space.low, dtype=np.float32)
                self.high = np.asarray(action_space.high, dtype=np.float32)

    @property
    def discrete(self) -> bool:
        """Whether the network's output is scored per action (logits or Q-values), not a Box mean."""
        return self.output_name in ("logits", "q_values")

    def outputs(self, obs: np.ndarray) -> np.ndarray:
        """The network's outputs ``[batch, n]`` for observations ``[batch, obs_dim]`` (or one ``[obs_dim]``)."""
        x = np.asarray(obs, dtype=np.float32).reshape(-1, self.obs_dim)
        y: np.ndarray = np.asarray(self.session.run([self.output_name], {self.input_name: x})[0])
        return y

    def __call__(self, obs: np.ndarray) -> Any:
        """The greedy action for one observation (an int or a float array), or for a batch (an array)."""
        single = np.asarray(obs).size == self.obs_dim
        y = self.outputs(obs)
        if self.discrete:
            actions = np.argmax(y, axis=1) + self.action_start
            return int(actions[0]) if single else actions
        if self.low is not None and self.high is not None:
            y = np.clip(y, self.low, self.high)
        return y[0] if single else y


    def episodes(self, env: Any, count: int = 10, seed: int = 0) -> list[float]:
        """The returns of ``count`` episodes of this policy's greedy actions in the Gymnasium env
        ``env`` (reset with seeds ``seed``, ``seed + 1``, ...), each to termination or truncation."""
        returns = []
        for episode in range(count):
            obs, _ = env.reset(seed=seed + episode)
            done, total = False, 0.0
            while not done:
                obs, reward, terminated, truncated, _ = env.step(self(obs))
                total += float(reward)
                done = bool(terminated or truncated)
            returns.append(total)
        return returns


def policy(onnx_file: str | Path, action_space: Any | None = None) -> Policy:
    """The exported network ``onnx_file`` under ONNX Runtime; ``policy(obs)`` acts in a Gymnasium env.

    Example::

        env = gymnasium.make("CartPole-v1")
        act = isoplast.policy("cartpole.onnx", env.action_space)
        obs, _ = env.reset(seed=0)
        obs, reward, terminated, truncated, _ = env.step(act(obs))
        returns = act.episodes(env, count=10)           # greedy returns of ten episodes
    """
    return Policy(onnx_file, action_space)
