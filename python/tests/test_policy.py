"""isoplast.policy on small models built here with onnx.helper (the layout `isoplast export` writes:
input `obs`, one output named by what it is), against hand-computed actions. The exporter itself is
checked against the Java networks in agent/src/test/python/test_onnx_export.py."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import isoplast


def _linear_model(path: Path, w: np.ndarray, output: str, meta: dict[str, str]) -> Path:
    """y = obs · wᵀ as one Gemm, opset 17."""
    out_dim, in_dim = w.shape
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["obs", "W"], [output], transB=1)], "net",
        [helper.make_tensor_value_info("obs", TensorProto.FLOAT, ["batch", in_dim])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", out_dim])],
        [numpy_helper.from_array(w.astype(np.float32), "W")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    helper.set_model_props(model, meta)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_discrete_policy_takes_the_argmax_plus_the_spaces_start(tmp_path: Path) -> None:
    w = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    f = _linear_model(tmp_path / "q.onnx", w, "q_values", {"isoplast.kind": "dqn"})
    act = isoplast.policy(f)
    assert act.discrete and act.kind == "dqn" and act.obs_dim == 2
    assert act(np.array([2.0, 1.0])) == 0 and act(np.array([1.0, 2.0])) == 1 and act(np.array([-3.0, -1.0])) == 2
    np.testing.assert_array_equal(act(np.array([[2.0, 1.0], [1.0, 2.0]])), [0, 1])
    shifted = isoplast.policy(f, gym.spaces.Discrete(3, start=-1))
    assert shifted(np.array([1.0, 2.0])) == 0
    np.testing.assert_allclose(act.outputs(np.array([1.0, 2.0])), [[1.0, 2.0, -3.0]])


def test_box_policy_acts_with_the_mean_clipped_to_the_box(tmp_path: Path) -> None:
    w = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    f = _linear_model(tmp_path / "pi.onnx", w, "mean",
                      {"isoplast.kind": "ppo-continuous", "isoplast.log_std": "[-0.5, 0.25]"})
    free = isoplast.policy(f)
    assert not free.discrete
    np.testing.assert_allclose(free(np.array([0.5, 9.0, 3.0])), [0.5, 6.0])
    np.testing.assert_allclose(free.log_std, [-0.5, 0.25])
    boxed = isoplast.policy(f, gym.spaces.Box(-1.0, 1.0, shape=(2,)))
    np.testing.assert_allclose(boxed(np.array([0.5, 9.0, 3.0])), [0.5, 1.0])
    np.testing.assert_allclose(boxed(np.array([[0.5, 0, 3.0], [-4.0, 0, -0.25]])), [[0.5, 1.0], [-1.0, -0.5]])


class _CountingEnv(gym.Env):
    """Observation (1, 2) always; reward = the action taken; the episode ends after `length` steps."""

    observation_space = gym.spaces.Box(-10.0, 10.0, shape=(2,))
    action_space = gym.spaces.Discrete(3)

    def __init__(self, length: int) -> None:
        self.length, self.t, self.seeds = length, 0, []

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        self.seeds.append(seed)
        return np.array([1.0, 2.0], dtype=np.float32), {}

    def step(self, action):
        self.t += 1
        return np.array([1.0, 2.0], dtype=np.float32), float(action), False, self.t >= self.length, {}


def test_episodes_returns_the_greedy_policys_returns(tmp_path: Path) -> None:
    f = _linear_model(tmp_path / "q.onnx", np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]), "q_values", {})
    env = _CountingEnv(length=4)
    # argmax of (1, 2, -3) is action 1: reward 1 for each of 4 steps
    assert isoplast.policy(f).episodes(env, count=3, seed=5) == [4.0, 4.0, 4.0]
    assert env.seeds == [5, 6, 7]
