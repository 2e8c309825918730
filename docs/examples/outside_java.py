"""isoplast outside Java, without a notebook (docs/export.md): load a committed study export, recompute
its table's IQM of the late tasks with rliable, and run an exported CartPole policy for ten episodes
in in-process Gymnasium.

    ./isoplast train --algo ppo --env CartPole-v1 --seed 1 --total-steps 250000 --run-dir runs/cartpole
    ./isoplast export runs/cartpole --onnx runs/cartpole.onnx
    .venv/bin/python docs/examples/outside_java.py runs/cartpole.onnx

The IQMs are the 'IQM late' column of `./isoplast report results/random-label-mnist --markdown`
(docs/results.md); the intervals come from rliable's own bootstrap (whole runs resampled, as the
Java report does), so their endpoints differ from the table's in the last digit or so.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import numpy as np
from rliable import library as rly
from rliable import metrics

import isoplast

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policy", type=Path, help="an ONNX file exported from a CartPole-v1 run (isoplast export)")
    parser.add_argument("--sweep", type=Path, default=ROOT / "results" / "random-label-mnist",
                        help="a sweep directory or committed export (default: %(default)s)")
    parser.add_argument("--reps", type=int, default=5000, help="bootstrap replicates (default: %(default)s)")
    args = parser.parse_args()

    # 1. the study table's IQM of each method's per-run late scores, with rliable
    sweep = isoplast.load_sweep(args.sweep)
    late = isoplast.scores(sweep, window="late")  # {method: (runs, 1)}
    np.random.seed(0)  # rliable's bootstrap draws from numpy's global stream
    iqm, ci = rly.get_interval_estimates(late, lambda s: np.array([metrics.aggregate_iqm(s)]), reps=args.reps)
    print(f"{sweep.dir.name}: IQM of the late {sweep.run_list[0].score_name} per method [95% CI]")
    for method in late:
        print(f"  {method:24s} {iqm[method][0]:.3f} [{ci[method][0, 0]:.3f}, {ci[method][1, 0]:.3f}]"
              f"  ({len(late[method])} runs)")

    # 2. the exported policy, ten episodes of CartPole-v1 in this process
    env = gym.make("CartPole-v1")
    act = isoplast.policy(args.policy, env.action_space)
    returns = act.episodes(env, count=10, seed=0)
    print(f"{args.policy}: mean return {np.mean(returns):.1f} over 10 episodes of CartPole-v1 ({returns})")


if __name__ == "__main__":
    main()
