"""Per-phase calibration figures of scenario sweeps run with --fresh-reference (issue 24).

For every completed run under the given sweep directories (a run is the unit of replication), reads
summary.json's phases: the continual learner's final mean return of each phase and the fresh
learner's on the same phase. Prints, per phase, the means over runs and fresh − continual with a
95% CI from resampling whole runs; then, with --period P (a scenario whose phase list of P phases
repeats: minatar-switch's five games), per run the mean over the repeated passes (phases P and
after) of fresh − continual and of first pass − later pass on the same setting, with their CIs.

    .venv/bin/python sweeps/calibration/calibration_phases.py runs/calibration/minatar-switch --period 5
"""
import argparse
import json
import pathlib

import numpy as np


def runs(dirs):
    out = []
    for d in dirs:
        for s in sorted(pathlib.Path(d).glob("*/summary.json")):
            summary = json.loads(s.read_text())
            if summary.get("status") == "completed":
                out.append((s.parent.name, summary["phases"]))
    if not out:
        raise SystemExit(f"no completed run with a summary.json under {', '.join(dirs)}")
    return out


def ci(per_run, rng, reps=10_000):
    """Mean over runs and the 2.5/97.5 percentiles of the mean of runs resampled with replacement."""
    x = np.asarray(per_run, dtype=float)
    means = x[rng.integers(0, len(x), size=(reps, len(x)))].mean(axis=1)
    return x.mean(), np.percentile(means, 2.5), np.percentile(means, 97.5)


def fmt(t):
    return f"{t[0]:.2f} [{t[1]:.2f}, {t[2]:.2f}]"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dirs", nargs="+", help="sweep directories (their run directories are read)")
    p.add_argument("--period", type=int, help="phases per pass of a repeating phase list")
    p.add_argument("--seed", type=int, default=1, help="seed of the resampling (default 1)")
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    rs = runs(a.dirs)
    n = min(len(ph) for _, ph in rs)
    cont = np.array([[ph[k]["final_mean_return"] for k in range(n)] for _, ph in rs])
    fresh = np.array([[ph[k]["fresh_final_mean_return"] for k in range(n)] for _, ph in rs])
    print(f"{len(rs)} runs ({', '.join(r for r, _ in rs)}), {n} phases")
    print("| phase | continual final | fresh final | fresh − continual [95% CI] |")
    print("|---|---|---|---|")
    for k in range(n):
        print(f"| {k} | {cont[:, k].mean():.2f} | {fresh[:, k].mean():.2f} | {fmt(ci(fresh[:, k] - cont[:, k], rng))} |")
    if a.period:
        later = range(a.period, n)
        gap = [np.mean([fresh[i, k] - cont[i, k] for k in later]) for i in range(len(rs))]
        drop = [np.mean([cont[i, k % a.period] - cont[i, k] for k in later]) for i in range(len(rs))]
        print(f"phases {a.period}-{n - 1}, per run: fresh − continual {fmt(ci(gap, rng))}; "
              f"first pass − later pass {fmt(ci(drop, rng))}")


if __name__ == "__main__":
    main()
