"""In-process yardstick for the sidecar (DESIGN.md §12): the same Gymnasium envs stepped in
Python with ``SyncVectorEnv`` and same-step autoreset, i.e. the ceiling for a Python sidecar.

    python -m isoplast_env_server.bench_inprocess --env CartPole-v1 --num-envs 32 --steps 20000 --seed 1

``--steps`` counts env transitions (calls = steps // num_envs). Actions are random valid ones,
drawn from the vector action space before the timed loop, which follows a short warm-up. Prints
one JSON line ``{"env": ..., "num_envs": N, "steps": S, "steps_per_s": x}``, where S is the
number of transitions actually timed (calls x num_envs).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import gymnasium

from .errors import EnvError
from .registry import default_registry


def measure(env_id: str, num_envs: int, steps: int, seed: int, warmup_calls: int = 50) -> dict:
    entry = default_registry().lookup(env_id).make  # the allow-list's own constructor
    envs = gymnasium.vector.SyncVectorEnv([entry for _ in range(num_envs)],
                                          autoreset_mode=gymnasium.vector.AutoresetMode.SAME_STEP)
    try:
        envs.reset(seed=seed)
        envs.action_space.seed(seed)
        calls = max(1, steps // num_envs)
        actions = [envs.action_space.sample() for _ in range(calls + warmup_calls)]
        for action in actions[:warmup_calls]:
            envs.step(action)
        timed = actions[warmup_calls:]
        start = time.perf_counter()
        for action in timed:
            envs.step(action)
        elapsed = time.perf_counter() - start
    finally:
        envs.close()
    total = calls * num_envs
    return {"env": env_id, "num_envs": num_envs, "steps": total, "steps_per_s": total / elapsed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m isoplast_env_server.bench_inprocess",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="CartPole-v1", help="an allow-listed env id (default CartPole-v1)")
    parser.add_argument("--num-envs", type=int, default=32, help="envs stepped per call (default 32)")
    parser.add_argument("--steps", type=int, default=20000, help="total env transitions timed (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="reset and action-sampling seed (default 1)")
    args = parser.parse_args(argv)
    if args.num_envs < 1 or args.steps < 1:
        parser.error("--num-envs and --steps must be >= 1")
    try:
        result = measure(args.env, args.num_envs, args.steps, args.seed)
    except EnvError as exc:  # an id that is not on the allow-list
        parser.error(exc.message)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
