"""Run directories and sweeps as pandas DataFrames, read the way ``isoplast report`` reads them.

A run directory (``isoplast train``, ``isoplast continual``, a sweep's cell) holds ``config.yaml``,
``summary.json`` and ``metrics.jsonl``; a committed export (``isoplast report --export``, the
``results/`` folders) holds the same files with the metric rows thinned and gzipped
(``metrics.jsonl.gz``). A sweep directory holds ``sweep.json`` (or its shards'
``sweep.shard-i-of-N.json``) and one run directory per (method, seed) cell; a plain directory of
run directories reads as a sweep too.

A run's *segments* are a scenario's phases (score: the phase's final mean return), a supervised
run's tasks (score: accuracy, or loss for a regression) or, for a single env, the whole run (score:
final mean return). A run is the unit of replication (DESIGN.md §14): :func:`scores` reduces each
run to its mean over a window of segments, as the study's tables do.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np
import pandas as pd
import yaml

Window = Literal["late", "early", "all", "segments"]

#: The fraction of the last phases or tasks that counts as late (the study's tables, StudyTable.LATE).
LATE = 0.2

_METRICS = "metrics.jsonl"
_METRICS_GZ = "metrics.jsonl.gz"


@dataclass(frozen=True)
class Run:
    """One run directory.

    Attributes:
        dir: the run directory.
        method: the method preset (``summary.json``, else ``config.yaml``, else the learner's
            optimizer, else the sweep's cell, else the directory's name).
        seed: the run's seed (``None`` if nothing says).
        benchmark: the scenario, the supervised task sequence, or the env id.
        kind: ``"scenario"``, ``"tasks"`` or ``"single"``.
        score_name: ``"final mean return"``, ``"accuracy"`` or ``"loss"``.
        status: ``summary.json``'s status (``"completed"``, ``"failed"``, ...), ``"unfinished"``
            without a summary.
        config: ``config.yaml`` flattened: nested keys joined by dots (``ppo.learning_rate``).
        summary: ``summary.json`` as read (empty without one).
        segments: one row per phase or task: ``segment`` (its index), ``score`` (the report's
            figure) and every scalar the summary gives for it (nested ones flattened with dots).
        metrics: one row per ``metrics.jsonl`` line, a column per metric (``global_step`` first;
            ``"NaN"``/``"Infinity"`` strings read as floats; lines that are not JSON skipped).
        problems: what could not be read.
    """

    dir: Path
    method: str
    seed: int | None
    benchmark: str
    kind: str
    score_name: str
    status: str
    config: dict[str, Any]
    summary: dict[str, Any]
    segments: pd.DataFrame
    metrics: pd.DataFrame
    problems: list[str] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        """Whether the run ended normally."""
        return self.status == "completed"

    @property
    def higher_is_better(self) -> bool:
        """Whether a higher score is better (all but a loss)."""
        return self.score_name != "loss"


@dataclass(frozen=True)
class Sweep:
    """A sweep directory (or a directory of run directories).

    Attributes:
        dir: the directory.
        methods: in the sweep's order (its spec), then any other in order of appearance.
        runs: one row per run: ``method``, ``seed``, ``benchmark``, ``status``, ``run_dir``, the
            summary's scalars under ``summary.*`` and the flattened config under ``config.*``.
        segments: one row per (run, phase or task): ``method``, ``seed``, ``run_dir``,
            ``status``, ``segment``, ``score`` and the segment's other figures.
        metrics: every run's metric rows, with ``method``, ``seed`` and ``run_dir`` columns.
        index: ``sweep.json`` as read (its shards' merged), ``None`` for a plain directory.
        run_list: the :class:`Run` objects, in the index's order.
    """

    dir: Path
    methods: list[str]
    runs: pd.DataFrame
    segments: pd.DataFrame
    metrics: pd.DataFrame
    index: dict[str, Any] | None
    run_list: list[Run]


def flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level, keys joined by dots; other values (lists included) as they are."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _number(v: Any) -> float:
    if isinstance(v, bool) or v is None:
        return math.nan
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)  # "NaN", "Infinity", "-Infinity" as the Java side writes them
        except ValueError:
            return math.nan
    return math.nan


def _read_json(path: Path, problems: list[str]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        problems.append(f"{path.name} unreadable: {e}")
        return None
    return data if isinstance(data, dict) else None


def _read_yaml(path: Path, problems: list[str]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        problems.append(f"{path.name} unreadable: {e}")
        return None
    return data if isinstance(data, dict) else None


def read_metrics(path: Path, problems: list[str] | None = None) -> pd.DataFrame:
    """The rows of a ``metrics.jsonl`` (or ``.jsonl.gz``) file; lines that are not JSON objects with a
    ``global_step`` (a run killed mid-write) are skipped and counted in ``problems``."""
    rows: list[dict[str, Any]] = []
    bad = 0
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                row = None
            if not isinstance(row, dict) or not isinstance(row.get("global_step"), (int, float)):
                bad += 1
                continue
            rows.append({k: (v if k == "global_step" else _number(v)) for k, v in row.items()})
    if bad and problems is not None:
        problems.append(f"{bad} line(s) of {path.name} are not JSON rows and were skipped")
    df: pd.DataFrame = pd.DataFrame(rows)
    if "global_step" in df:
        df = df.reindex(columns=["global_step"] + [c for c in df.columns if c != "global_step"])
        df["global_step"] = df["global_step"].astype("int64")
    return df


def _segments(kind: str, summary: Mapping[str, Any] | None) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    if summary:
        if kind == "scenario":
            for i, p in enumerate(summary.get("phases") or []):
                row = {"segment": int(p.get("phase", i)), "score": _number(p.get("final_mean_return"))}
                row.update(flatten(p))
                rows.append(row)
        elif kind == "tasks":
            for i, t in enumerate(summary.get("tasks") or []):
                v = t["accuracy"] if "accuracy" in t else t.get("loss")
                row = {"segment": int(t.get("task", i)), "score": _number(v)}
                row.update(flatten(t))
                rows.append(row)
        elif "final_mean_return" in summary:
            rows.append({"segment": 0, "score": _number(summary["final_mean_return"])})
    frame: pd.DataFrame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["segment", "score"])
    return frame


def load_run(run_dir: str | Path, *, method: str | None = None, seed: int | None = None) -> Run:
    """Reads the run directory ``run_dir`` (live or exported); ``method`` and ``seed`` (from a sweep's
    index) fill in what the run's own files do not say.

    Raises:
        FileNotFoundError: ``run_dir`` has none of config.yaml, summary.json, metrics.jsonl(.gz).
    """
    d = Path(run_dir)
    if not is_run_dir(d):
        raise FileNotFoundError(f"{d} is not a run directory (no config.yaml, summary.json or metrics.jsonl)")
    problems: list[str] = []
    config = _read_yaml(d / "config.yaml", problems) or {}
    summary = _read_json(d / "summary.json", problems)
    found = (summary or {}).get("method") or config.get("method") or method
    if found is None:
        section = config.get(str(config.get("algo", "")))
        found = section.get("optimizer") if isinstance(section, dict) else None
    name = str(found) if found is not None else d.name
    seed_value = (summary or {}).get("seed", config.get("seed", seed))
    status = "unfinished" if summary is None else str(summary.get("status", "unknown"))
    if (summary and "tasks" in summary) or "task" in config:
        kind, benchmark = "tasks", (summary or {}).get("task", config.get("task", "task"))
    elif (summary and "scenario" in summary) or "scenario" in config:
        scen = config.get("scenario")
        kind = "scenario"
        benchmark = (summary or {}).get("scenario") or (scen.get("name") if isinstance(scen, dict) else "scenario")
    else:
        kind, benchmark = "single", (summary or {}).get("env", config.get("env", "run"))
    score_name = "final mean return"
    if kind == "tasks":
        tasks = (summary or {}).get("tasks") or []
        score_name = "loss" if tasks and "accuracy" not in tasks[0] and "loss" in tasks[0] else "accuracy"
    metrics_file = d / _METRICS if (d / _METRICS).is_file() or not (d / _METRICS_GZ).is_file() else d / _METRICS_GZ
    if metrics_file.is_file():
        metrics = read_metrics(metrics_file, problems)
    else:
        problems.append("no metrics.jsonl")
        metrics = pd.DataFrame({"global_step": pd.Series(dtype="int64")})
    return Run(dir=d, method=name, seed=None if seed_value is None else int(seed_value), benchmark=str(benchmark),
               kind=kind, score_name=score_name, status=status, config=flatten(config), summary=summary or {},
               segments=_segments(kind, summary), metrics=metrics, problems=problems)


def is_run_dir(d: Path) -> bool:
    """Whether ``d`` looks like a run directory."""
    return any((d / f).is_file() for f in ("summary.json", _METRICS, _METRICS_GZ, "config.yaml"))


def read_index(sweep_dir: Path) -> dict[str, Any] | None:
    """``sweep.json``, or the shards' ``sweep.shard-i-of-N.json`` files merged (cells in index order);
    ``None`` when there is neither."""
    main = sweep_dir / "sweep.json"
    if main.is_file():
        index: dict[str, Any] = json.loads(main.read_text(encoding="utf-8"))
        return index
    shards = sorted(sweep_dir.glob("sweep.shard-*-of-*.json"))
    if not shards:
        return None
    parts = [json.loads(p.read_text(encoding="utf-8")) for p in shards]
    merged = dict(parts[0])
    merged["cells"] = sorted((c for p in parts for c in p.get("cells", [])), key=lambda c: c.get("index", 0))
    merged["invocations"] = [i for p in parts for i in p.get("invocations", [])]
    return merged


def load_sweep(sweep_dir: str | Path) -> Sweep:
    """Reads a sweep directory (live or a committed export), or a directory of run directories.

    Cells whose run directory does not exist yet are left out (as the report does).

    Raises:
        FileNotFoundError: ``sweep_dir`` is not a directory or holds no runs.
    """
    d = Path(sweep_dir)
    if not d.is_dir():
        raise FileNotFoundError(f"{d} is not a directory")
    index = read_index(d)
    runs: list[Run] = []
    methods: list[str] = []
    if index is not None:
        methods = [str(m) for m in (index.get("spec") or {}).get("methods") or []]
        for cell in index.get("cells", []):
            p = d / str(cell.get("run_dir", ""))
            if cell.get("run_dir") and is_run_dir(p):
                runs.append(load_run(p, method=cell.get("method"), seed=cell.get("seed")))
    elif is_run_dir(d):
        runs.append(load_run(d))
    else:
        runs = [load_run(p) for p in sorted(d.iterdir()) if p.is_dir() and is_run_dir(p)]
    if not runs:
        raise FileNotFoundError(f"{d} holds no runs (expected sweep.json, a run directory or run directories)")
    for r in runs:
        if r.method not in methods:
            methods.append(r.method)
    run_rows, seg_frames, metric_frames = [], [], []
    for r in runs:
        who = {"method": r.method, "seed": r.seed, "run_dir": str(r.dir.relative_to(d)) if r.dir != d else "."}
        row: dict[str, Any] = {**who, "benchmark": r.benchmark, "status": r.status}
        row.update({f"summary.{k}": v for k, v in flatten(r.summary).items() if not isinstance(v, list)})
        row.update({f"config.{k}": v for k, v in r.config.items()})
        run_rows.append(row)
        seg_frames.append(r.segments.assign(**who, status=r.status))
        metric_frames.append(r.metrics.assign(**who))
    first = ["method", "seed", "run_dir", "status", "segment", "score"]
    segments = pd.concat(seg_frames, ignore_index=True)
    segments = segments[[c for c in first if c in segments] + [c for c in segments if c not in first]]
    metrics = pd.concat(metric_frames, ignore_index=True)
    return Sweep(dir=d, methods=methods, runs=pd.DataFrame(run_rows), segments=segments, metrics=metrics,
                 index=index, run_list=runs)


def late_count(segments: int) -> int:
    """The late segments of a run with ``segments`` of them: the last ⌈0.2 · segments⌉ (at least 1)."""
    return max(1, math.ceil(LATE * segments - 1e-9))


def segment_count(sweep: Sweep) -> int:
    """The number of segments most completed runs have (ties: the larger), as the report picks it."""
    counts: dict[int, int] = {}
    for r in sweep.run_list:
        if r.completed and len(r.segments) > 0:
            counts[len(r.segments)] = counts.get(len(r.segments), 0) + 1
    if not counts:
        return 0
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]


def scores(sweep: Sweep | str | Path, window: Window = "late") -> dict[str, np.ndarray]:
    """Per method, the score matrix rliable takes (``rliable.library.get_interval_estimates`` and
    ``rliable.metrics.aggregate_iqm``): one row per run, the sweep's methods in order.

    ``window``: ``"late"`` (each run's mean over its last ⌈20%⌉ of phases or tasks, shape
    ``(runs, 1)``), ``"early"`` (as many first ones), ``"all"`` (over all of them) or
    ``"segments"`` (every phase or task as its own column, ``(runs, segments)``). As in the
    study's tables, only completed runs with the usual number of segments and finite scores count.
    Scores are as logged (a loss stays a loss: lower is better there).
    """
    sw = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    m = segment_count(sw)
    if m == 0:
        return {}
    k = late_count(m)
    lo, hi = {"late": (m - k, m), "early": (0, k), "all": (0, m), "segments": (0, m)}[window]
    out: dict[str, np.ndarray] = {}
    for method in sw.methods:
        rows = []
        for r in sw.run_list:
            s = r.segments["score"].to_numpy(dtype=float)
            if r.method == method and r.completed and len(s) == m and np.all(np.isfinite(s)):
                rows.append(s[lo:hi] if window == "segments" else [s[lo:hi].mean()])
        if rows:
            out[method] = np.asarray(rows, dtype=float)
    return out
