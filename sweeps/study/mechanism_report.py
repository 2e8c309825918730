#!/usr/bin/env python3
"""The mechanism experiment's analysis (sweeps/study/mechanism.sh; docs/results.md).

For each seed a switched run is paired with its control, identical up to the switch (``continual
--fork``): ``on-off`` with ``on-on`` (AdamO's isometry step switched off at task 5) and ``off-on``
with ``off-off`` (switched on). For every monitor row after the switch and every task's accuracy
the paired difference switched - control is taken per seed; this prints its mean over seeds with a
95% bootstrap interval (scipy.stats.bootstrap, BCa, 10,000 resamples; a seed is the unit) and, per
signal, the first step after the switch from which the interval excludes 0 at every later row
("moves from", in examples trained on after the switch; 16 a gradient step), so the order in which the signals move can be read at the monitors' resolution.

    python3 sweeps/study/mechanism_report.py runs/study/mechanism [--json out.json]

Needs numpy, scipy and PyYAML (the project's .venv has them: scipy comes with rliable).
"""
import argparse
import gzip
import json
import pathlib
import sys

import numpy as np
import yaml
from scipy import stats

SIGNALS = {
    "isometry gap (body)": "isometry/net.body/gap",
    "dormant fraction": "plasticity/dormant_frac",
    "NTK effective rank": "plasticity/ntk_erank",
    "NTK condition (relative)": "plasticity/ntk_cond_rel",
}
PAIRS = {"switched off": ("on-off", "on-on"), "switched on": ("off-on", "off-off")}


def rows(run: pathlib.Path):
    f = run / "metrics.jsonl"
    opener = open if f.exists() else gzip.open
    with opener(f if f.exists() else run / "metrics.jsonl.gz", "rt") as fh:
        return [json.loads(line) for line in fh]


def completed(run: pathlib.Path):
    try:
        return json.loads((run / "summary.json").read_text()).get("status") == "completed"
    except (OSError, ValueError):
        return False


def series(rs, key):
    """{global_step: value} of the rows that have ``key``."""
    return {r["global_step"]: r[key] for r in rs if key in r and r[key] is not None}


def interval(diffs):
    d = np.asarray(diffs, dtype=float)
    if len(d) < 2 or np.all(d == d[0]):
        return float(d.mean()), float(d.mean()), float(d.mean())
    res = stats.bootstrap((d,), np.mean, confidence_level=0.95, n_resamples=10000, method="BCa",
                          random_state=np.random.default_rng(0))
    return float(d.mean()), float(res.confidence_interval.low), float(res.confidence_interval.high)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=pathlib.Path)
    ap.add_argument("--json", type=pathlib.Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    out = {}
    for name, (switched, control) in PAIRS.items():
        seeds = sorted(int(p.name.split("__seed")[1]) for p in args.dir.glob(f"{switched}__seed*")
                       if completed(p) and completed(args.dir / f"{control}__seed{p.name.split('__seed')[1]}"))
        if not seeds:
            continue
        origin = yaml.safe_load((args.dir / f"{switched}__seed{seeds[0]}" / "config.yaml").read_text())["forked_from"]
        switch_task = int(origin["task"])
        switch_step = int(origin["checkpoint"].split("-")[1].split(".")[0])  # ckpt-<examples>.bin
        runs = {s: (rows(args.dir / f"{switched}__seed{s}"), rows(args.dir / f"{control}__seed{s}")) for s in seeds}
        summaries = {s: (json.load(open(args.dir / f"{switched}__seed{s}" / "summary.json")),
                         json.load(open(args.dir / f"{control}__seed{s}" / "summary.json"))) for s in seeds}
        entry = {"seeds": seeds, "switch_task": switch_task, "signals": {}, "accuracy": []}
        print(f"\n## {name} at task {switch_task} ({switched} - {control}, {len(seeds)} seeds)\n")
        for label, key in SIGNALS.items():
            per_seed = [(series(a, key), series(b, key)) for a, b in runs.values()]
            steps = sorted(set.intersection(*[set(x) & set(y) for x, y in per_seed]))
            before = [st for st in steps if st < switch_step]
            after = [st for st in steps if st >= switch_step]
            same_before = all(x[st] == y[st] for x, y in per_seed for st in before)
            points = []
            for st in after:
                m, lo, hi = interval([x[st] - y[st] for x, y in per_seed])
                points.append({"step": st - switch_step, "mean": m, "low": lo, "high": hi})
            moves = None
            for i in range(len(points)):
                if all(p["low"] > 0 or p["high"] < 0 for p in points[i:]):
                    moves = points[i]["step"]
                    break
            entry["signals"][label] = {"key": key, "identical_before": same_before, "moves_from": moves,
                                       "points": points}
            # the first, third and last rows after the switch
            shown = [points[i] for i in sorted({0, min(2, len(points) - 1), len(points) - 1})] if points else []
            text = "; ".join(f"+{p['step']}: {p['mean']:+.4g} [{p['low']:+.4g}, {p['high']:+.4g}]" for p in shown)
            print(f"- {label}: identical before the switch: {same_before}; moves from +{moves} examples"
                  if moves is not None else f"- {label}: identical before the switch: {same_before}; does not move "
                  "(the interval includes 0 at some later row)", end="")
            print(f"; {text}")
        print("\n| task | accuracy switched | accuracy control | difference [95% CI] |\n|---|---|---|---|")
        n_tasks = len(summaries[seeds[0]][0]["tasks"])
        for k in range(n_tasks):
            a = [summaries[s][0]["tasks"][k]["accuracy"] for s in seeds]
            b = [summaries[s][1]["tasks"][k]["accuracy"] for s in seeds]
            m, lo, hi = interval(np.subtract(a, b))
            entry["accuracy"].append({"task": k, "switched": float(np.mean(a)), "control": float(np.mean(b)),
                                      "mean": m, "low": lo, "high": hi})
            print(f"| {k} | {np.mean(a):.3f} | {np.mean(b):.3f} | {m:+.3f} [{lo:+.3f}, {hi:+.3f}] |")
        out[name] = entry
    if not out:
        sys.exit(f"{args.dir}: no finished pair of runs (on-off/on-on or off-on/off-off)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
