"""isoplast.load_run / load_sweep / scores on a live-shaped run directory made by hand (figures
computed by hand) and on the committed study exports under results/, against the Java report:
`isoplast report DIR --markdown` prints per method the IQM of the per-run late and all scores, and
rliable's IQM of isoplast.scores(...) must give the same numbers (to the digits the table prints)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from rliable import metrics

import isoplast

ROOT = Path(__file__).resolve().parents[2]
JAR = ROOT / "agent" / "target" / "isoplast.jar"
RESULTS = ROOT / "results"


def _live_run(d: Path, method: str, seed: int, accuracies: list[float], status: str = "completed") -> Path:
    """A supervised run directory as `isoplast continual` writes it (only the fields read here)."""
    d.mkdir(parents=True)
    (d / "config.yaml").write_text(
        f"task: random-label-mnist\nmethod: {method}\nseed: {seed}\nnum_tasks: {len(accuracies)}\n"
        "supervised:\n  batch_size: 16\n  learning_rate: 0.001\n  body: mlp\n  hidden_sizes:\n  - 100\n  - 100\n")
    tasks = [{"task": i, "accuracy": a, "steps": 10} for i, a in enumerate(accuracies)]
    (d / "summary.json").write_text(json.dumps({"task": "random-label-mnist", "method": method, "seed": seed,
                                                "status": status, "tasks": tasks}))
    rows = [json.dumps({"global_step": 16 * (i + 1), "continual/accuracy": a, "task": float(i)})
            for i, a in enumerate(accuracies)]
    rows.insert(1, '{"global_step": 20, "plasticity/ntk_cond": "Infinity", "plasticity/dormant_frac": "NaN"}')
    # a run killed mid-write leaves half a line
    (d / "metrics.jsonl").write_text("\n".join(rows) + '\n{"global_step": 99, "continual/acc')
    return d


def test_load_run_reads_a_live_run_directory(tmp_path: Path) -> None:
    run = isoplast.load_run(_live_run(tmp_path / "adam__seed3", "adam", 3, [0.9, 0.5, 0.25]))
    assert (run.method, run.seed, run.benchmark, run.kind, run.score_name) == ("adam", 3, "random-label-mnist",
                                                                                "tasks", "accuracy")
    assert run.completed and run.higher_is_better
    assert run.config["supervised.learning_rate"] == 0.001 and run.config["supervised.hidden_sizes"] == [100, 100]
    assert run.segments["segment"].tolist() == [0, 1, 2]
    assert run.segments["score"].tolist() == [0.9, 0.5, 0.25]
    m = run.metrics
    assert m["global_step"].tolist() == [16, 20, 32, 48] and m.columns[0] == "global_step"
    assert m["continual/accuracy"].dropna().tolist() == [0.9, 0.5, 0.25]
    assert np.isposinf(m.loc[1, "plasticity/ntk_cond"]) and np.isnan(m.loc[1, "plasticity/dormant_frac"])
    assert run.problems == ["1 line(s) of metrics.jsonl are not JSON rows and were skipped"]


def test_scores_windows_by_hand(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    # 6 tasks: late = the last ceil(0.2 * 6) = 2, early = the first 2
    _live_run(sweep_dir / "a__seed1", "a", 1, [1, 2, 3, 4, 5, 6])
    _live_run(sweep_dir / "a__seed2", "a", 2, [0, 0, 0, 0, 2, 4])
    _live_run(sweep_dir / "b__seed1", "b", 1, [1, 1, 1, 1, 1, 1])
    _live_run(sweep_dir / "b__seed2", "b", 2, [1, 1, 1], status="completed")  # too few tasks: left out
    _live_run(sweep_dir / "b__seed3", "b", 3, [9, 9, 9, 9, 9, 9], status="failed")  # not completed: left out
    sweep = isoplast.load_sweep(sweep_dir)
    assert sweep.methods == ["a", "b"] and len(sweep.runs) == 5
    assert sweep.runs.set_index("run_dir").loc["b__seed3", "status"] == "failed"
    assert len(sweep.segments) == 6 + 6 + 6 + 3 + 6
    late = isoplast.scores(sweep, window="late")
    np.testing.assert_array_equal(late["a"], [[5.5], [3.0]])
    np.testing.assert_array_equal(late["b"], [[1.0]])
    np.testing.assert_array_equal(isoplast.scores(sweep, "early")["a"], [[1.5], [0.0]])
    np.testing.assert_array_equal(isoplast.scores(sweep, "all")["a"], [[3.5], [1.0]])
    assert isoplast.scores(sweep, "segments")["a"].shape == (2, 6)
    assert [isoplast.late_count(n) for n in (1, 5, 6, 10, 20)] == [1, 1, 2, 2, 4]


def test_load_run_reads_a_committed_export() -> None:
    d = RESULTS / "cartpole-permute" / "adam__seed1"
    run = isoplast.load_run(d)
    summary = json.loads((d / "summary.json").read_text())
    assert (run.method, run.seed, run.kind, run.benchmark) == ("adam", 1, "scenario", "cartpole-permute")
    assert run.segments["score"].tolist() == [p["final_mean_return"] for p in summary["phases"]]
    assert run.config["ppo.learning_rate"] == 0.001 and run.config["env"] == "CartPole-v1"
    with gzip.open(d / "metrics.jsonl.gz", "rt") as f:
        lines = sum(1 for line in f if line.strip())
    assert len(run.metrics) == lines and "charts/episodic_return" in run.metrics


def _markdown_table(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("method",) and not cells[0].startswith("---"):
            rows[cells[0]] = cells
    return rows


def _printed(cell: str) -> tuple[float, float]:
    """The point estimate of 'x [lo, hi]' and half a unit of its last printed digit."""
    point = cell.split(" [")[0]
    decimals = len(point.split(".")[1]) if "." in point and "e" not in point else 0
    return float(point), 0.5 * 10.0 ** -decimals + 1e-12


def test_load_sweep_gives_the_reports_per_method_numbers(tmp_path: Path) -> None:
    if not JAR.is_file():
        pytest.fail(f"{JAR} is missing: run ./isoplast setup")
    sweep_dir = tmp_path / "random-label-mnist"
    shutil.copytree(RESULTS / "random-label-mnist", sweep_dir)  # report writes report.html into it
    p = subprocess.run(["java", f"-Disoplast.home={ROOT}", "-jar", str(JAR), "report", str(sweep_dir), "--markdown"],
                       capture_output=True, text=True, timeout=600, env=dict(os.environ, OMP_WAIT_POLICY="passive"))
    assert p.returncode == 0, p.stderr
    table = _markdown_table(p.stdout)
    sweep = isoplast.load_sweep(RESULTS / "random-label-mnist")
    late, every = isoplast.scores(sweep, "late"), isoplast.scores(sweep, "all")
    assert list(table) == sweep.methods == list(late)
    for method, cells in table.items():
        assert int(cells[1]) == len(late[method])
        for cell, matrix in ((cells[2], late[method]), (cells[3], every[method])):
            want, tol = _printed(cell)
            assert abs(metrics.aggregate_iqm(matrix) - want) <= tol, (method, cell, metrics.aggregate_iqm(matrix))
