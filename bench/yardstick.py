"""What the PyTorch yardsticks (torch_continual.py, torch_ppo.py, torch_dqn.py) share: the options every
one takes (--seed, --threads; the RL ones also --env-id, --total-timesteps), seeding and threads, and
the one JSON line each ends with, which bench/vs_torch.py reads."""

import argparse
import json

import numpy as np
import torch

# --check in vs_torch.py and the scripts' own figures: returns are averaged over this many episodes
WINDOW = 20


def parser(doc):
    """A parser described by the first line of `doc`, with --seed and --threads."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    p.add_argument("--seed", type=int, default=1, help="seeds torch and numpy (and the envs)")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (the issue's yardstick: 1)")
    return p


def rl_parser(doc, total_timesteps):
    """parser() plus the env and the number of env steps."""
    p = parser(doc)
    p.add_argument("--env-id", default="CartPole-v1", help="the Gymnasium env (discrete actions)")
    p.add_argument("--total-timesteps", type=int, default=total_timesteps,
                   help=f"env steps (default: {total_timesteps})")
    return p


def start(args):
    """Fixes torch's threads and seed; returns the numpy generator for everything else the script draws."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    return np.random.default_rng(args.seed)


def episode_figures(returns):
    """Episodes, and the mean return of the first and of the last WINDOW of them."""
    return {
        "episodes": len(returns),
        f"mean_return_first_{WINDOW}": float(np.mean(returns[:WINDOW])) if returns else None,
        f"mean_return_last_{WINDOW}": float(np.mean(returns[-WINDOW:])) if returns else None,
    }


def report(**figures):
    """The script's last line: one JSON object."""
    print(json.dumps(figures), flush=True)
