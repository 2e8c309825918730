"""Reference for the Java integration tests: the same envs stepped in-process with plain Gymnasium.

Reads {"env_id", "num_envs", "seed", "actions": [[action of env 0, ...], ...]} as JSON on stdin and
prints, as JSON, what num_envs independent `gymnasium.make(env_id)` envs give when env i is reset
with seed + i once and then stepped with the given actions, each ended episode followed at once by
an unseeded reset (same-step autoreset). Nothing of isoplast is imported.
"""
import json
import sys

import gymnasium as gym
import numpy as np


def main():
    spec = json.load(sys.stdin)
    n = spec["num_envs"]
    envs = [gym.make(spec["env_id"]) for _ in range(n)]
    obs = [envs[i].reset(seed=spec["seed"] + i)[0] for i in range(n)]
    out = {"reset_obs": [np.asarray(o, dtype=np.float64).ravel().tolist() for o in obs], "steps": []}
    returns = [0.0] * n
    lengths = [0] * n
    for batch in spec["actions"]:
        row = {"obs": [], "rewards": [], "terminated": [], "truncated": [], "ended": [],
               "final_obs": [], "episode_returns": [], "episode_lengths": []}
        for i in range(n):
            a = batch[i]
            space = envs[i].action_space
            if isinstance(space, gym.spaces.Discrete):
                a = int(a)
            else:
                a = np.asarray(a, dtype=space.dtype).reshape(space.shape)
            o, r, te, tr, _ = envs[i].step(a)
            returns[i] += float(r)
            lengths[i] += 1
            if te or tr:
                row["ended"].append(i)
                row["final_obs"].append(np.asarray(o, dtype=np.float64).ravel().tolist())
                row["episode_returns"].append(returns[i])
                row["episode_lengths"].append(lengths[i])
                returns[i], lengths[i] = 0.0, 0
                o, _ = envs[i].reset()
            row["obs"].append(np.asarray(o, dtype=np.float64).ravel().tolist())
            row["rewards"].append(float(r))
            row["terminated"].append(bool(te))
            row["truncated"].append(bool(tr))
        out["steps"].append(row)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
