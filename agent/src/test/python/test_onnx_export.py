"""`isoplast export RUN_DIR --onnx FILE` (dev.isoplast.export) checked by the ONNX reference tools:
each exported file passes `onnx.checker` (with shape inference), and ONNX Runtime's outputs on 1,000
random observations equal the Java network's (`--check 1000` writes the observations and the Java
outputs beside the model) within 1e-5 relative, for the five kinds of network a run can act with:
PPO with Discrete actions (logits), PPO with Box actions (the Gaussian's mean), DQN (Q-values, here
with LayerNorm), a supervised net (logits), the isometric body (orthogonal Dense + MaxMin) and a
regression net with LeakyReLU (prediction).
Every run is real: RL runs train through the embedded env server on real Gymnasium envs, supervised
ones on the real MNIST digits. The CartPole policy trained to 500 by Java must also score >= 475 on
average over 10 episodes when `isoplast.policy` runs it in in-process Gymnasium.

Also runs docs/examples/outside_java.py on the exported CartPole policy. Cost on two shared cores:
the CartPole run (250k steps, about 30 s), five short runs and six exports (a JVM each), 105 s
in all at a load average of 17 (2026-12-05).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import isoplast

ROOT = Path(__file__).resolve().parents[4]
JAR = ROOT / "agent" / "target" / "isoplast.jar"

#: CartPole-v1 with PPO's defaults reaches 500 here: the deterministic policy scored 500 +- 0 over
#: 20 evaluation episodes (seed 1, 250k steps, 2026-12-05); 150k steps gave 479 +- 44.
CARTPOLE_STEPS = 250_000

RUNS = {
    "ppo-continuous": ["train", "--algo", "ppo", "--env", "Pendulum-v1", "--seed", "2", "--total-steps", "4096",
                       "--set", "num_envs=2"],
    "dqn": ["train", "--algo", "dqn", "--env", "CartPole-v1", "--seed", "3", "--total-steps", "2000",
            "--set", "learning_starts=500", "--set", "layer_norm=true"],
    "supervised": ["continual", "--task", "random-label-mnist", "--tasks", "1", "--seed", "4",
                   "--set", "task_examples=256", "--set", "epochs=2"],
    "isometric": ["continual", "--task", "random-label-mnist", "--tasks", "1", "--seed", "5",
                  "--set", "task_examples=256", "--set", "epochs=2", "--set", "body=isometric"],
    "regression": ["continual", "--task", "slowly-changing-regression", "--tasks", "1", "--seed", "6",
                   "--set", "activation=leaky_relu"],
}
KINDS = {"ppo-discrete": "ppo-discrete", "ppo-continuous": "ppo-continuous", "dqn": "dqn",
         "supervised": "supervised", "isometric": "supervised", "regression": "supervised"}
OUTPUTS = {"ppo-discrete": "logits", "ppo-continuous": "mean", "dqn": "q_values", "supervised": "logits",
           "isometric": "logits", "regression": "prediction"}


def isoplast_cli(*args: str | Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
    """The Java CLI from the built jar (as ./isoplast runs it), with its exit code checked."""
    if not JAR.is_file():
        pytest.fail(f"{JAR} is missing: run ./isoplast setup (./isoplast test builds it)")
    env = dict(os.environ, OMP_WAIT_POLICY="passive")
    p = subprocess.run(["java", f"-Disoplast.home={ROOT}", "-jar", str(JAR), *map(str, args)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == expect, f"isoplast {' '.join(map(str, args))} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("runs")
    out = {"ppo-discrete": base / "cartpole"}
    isoplast_cli("train", "--algo", "ppo", "--env", "CartPole-v1", "--seed", "1", "--total-steps", CARTPOLE_STEPS,
                 "--monitors", "none", "--no-progress", "--run-dir", out["ppo-discrete"])
    for name, args in RUNS.items():
        out[name] = base / name
        isoplast_cli(*args, "--monitors", "none", "--no-progress", "--run-dir", out[name])
    return out


@pytest.fixture(scope="module")
def exported(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each run's network as ONNX, with 1,000 observations and the Java outputs beside it."""
    base = tmp_path_factory.mktemp("onnx")
    out = {}
    for case, run_dir in runs.items():
        out[case] = base / f"{case}.onnx"
        isoplast_cli("export", run_dir, "--onnx", out[case], "--check", "1000", "--seed", "7")
    return out


@pytest.mark.parametrize("case", list(KINDS))
def test_onnx_runtime_matches_java(exported: dict[str, Path], case: str) -> None:
    model_file = exported[case]
    model = onnx.load(str(model_file))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["isoplast.kind"] == KINDS[case]
    ops = {n.op_type for n in model.graph.node}
    if case == "isometric":
        assert {"ReduceMax", "ReduceMin", "Concat"} <= ops and "Relu" not in ops
    if case == "dqn":
        assert "LayerNormalization" in ops
    if case == "regression":
        assert "LeakyRelu" in ops
    assert [o.name for o in model.graph.output] == [OUTPUTS[case]]
    check = np.load(model_file.with_name(model_file.name + ".check.npz"))
    obs, java = check["obs"], check["outputs"]
    assert obs.shape[0] == 1000 and obs.dtype == np.float32
    session = ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"obs": obs})
    assert got.shape == java.shape
    scale = float(np.abs(java).max())
    assert scale > 0 and np.isfinite(java).all()
    # relative 1e-5 per output; outputs near zero are held to 1e-6 of the largest output instead
    np.testing.assert_allclose(got, java, rtol=1e-5, atol=1e-6 * scale)
    # the batch dimension is symbolic: one row at a time gives the same
    (row,) = session.run(None, {"obs": obs[:1]})
    np.testing.assert_allclose(row, java[:1], rtol=1e-5, atol=1e-6 * scale)
    if case == "ppo-continuous":
        assert len(np.fromstring(meta["isoplast.log_std"].strip("[]"), sep=",")) == java.shape[1]


def test_exported_cartpole_policy_scores_in_python(exported: dict[str, Path]) -> None:
    env = gym.make("CartPole-v1")
    act = isoplast.policy(exported["ppo-discrete"], env.action_space)
    returns = act.episodes(env, count=10, seed=1000)
    assert np.mean(returns) >= 475, returns


def test_docs_example_runs(exported: dict[str, Path]) -> None:
    """docs/examples/outside_java.py as a reader runs it: the study table's late IQMs, then the policy."""
    p = subprocess.run([sys.executable, str(ROOT / "docs" / "examples" / "outside_java.py"),
                        str(exported["ppo-discrete"]), "--reps", "200"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("random-label-mnist: IQM of the late accuracy")
    # two rows of docs/results.md's Random-Label MNIST table (IQM late)
    assert any(line.split()[:2] == ["adam", "0.115"] for line in lines)
    assert any(line.split()[:2] == ["adamo", "0.333"] for line in lines)
    mean = float(lines[-1].split("mean return ")[1].split()[0])
    assert mean >= 475, lines[-1]


def test_export_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    p = isoplast_cli("export", tmp_path, "--onnx", tmp_path / "x.onnx", expect=2)
    lines = p.stderr.strip().splitlines()
    assert lines == [f"error: {tmp_path} is not a run directory (no config.yaml)"]
    assert not (tmp_path / "x.onnx").exists()
