"""DQN on a Gymnasium discrete-action env in plain PyTorch: the yardstick for `isoplast train --algo dqn`.

Written for the benchmark from the algorithm (Mnih et al. 2015, "Human-level control through deep
reinforcement learning"), in the shape of CleanRL's dqn.py and with the values of isoplast's
DqnConfig.defaults() (DESIGN.md §9), so that both sides do the same work per step:

- one env, gymnasium's SyncVectorEnv in this process, same-step autoreset (what isoplast's env
  server gives the Java agent);
- Q-network 120-84 ReLU with PyTorch's default init, Adam (lr 2.5e-4, eps 1e-8), MSE TD loss;
- replay buffer of 10,000 transitions sampled uniformly (with replacement), batch 128; the next
  state of an ended episode is its final observation, done = terminated (a truncated episode is
  bootstrapped), as the Java agent does;
- epsilon linear from 1 to 0.05 over half of the steps; learning starts after 10,000 steps, then
  one gradient step every 10 steps; the target network copied (tau 1) every 500 steps.

With --config FILE (an isoplast DQN config file, e.g. configs/dqn-minatar.yaml) its values replace
these, and `body: conv` on a MinAtar env gives Young & Tian's (2019) Q-network as isoplast's conv
body builds it: one 16-channel 3 x 3 conv without padding, ReLU, 128 units, ReLU, on the
channels-first float image (MinAtar's own observation is H x W x C booleans); `loss: huber` is
smooth L1, `adam_eps` Adam's eps.

Prints one JSON line at the end: steps, episodes, mean return of the first and last 20 episodes,
steps per second. Usage: python bench/torch_dqn.py --total-timesteps 50000 --seed 1 --threads 1
    python bench/torch_dqn.py --env-id MinAtar/Breakout-v1 --config configs/dqn-minatar.yaml --total-timesteps 20000
"""

import time

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import yardstick

parser = yardstick.rl_parser(__doc__, total_timesteps=50_000)
parser.add_argument("--config", help="an isoplast DQN config file whose values replace the defaults below")
args = parser.parse_args()

# ---- hyper-parameters (isoplast DqnConfig.defaults(), CleanRL's CartPole values) ----
learning_rate = 2.5e-4  # the learning rate of the optimizer (constant)
buffer_size = 10_000  # the replay memory buffer size (transitions)
gamma = 0.99  # the discount factor
tau = 1.0  # the target network update rate (1 = hard copy)
target_network_frequency = 500  # steps between target network updates
batch_size = 128  # the batch size of samples from the replay memory
start_e = 1.0  # the starting epsilon for exploration
end_e = 0.05  # the ending epsilon for exploration
exploration_fraction = 0.5  # the fraction of total_timesteps it takes epsilon to go from start_e to end_e
learning_starts = 10_000  # env steps before learning starts
train_frequency = 10  # steps between gradient steps
loss_name = "mse"
adam_eps = 1e-8
body = "mlp"
if args.config:
    import yaml

    with open(args.config) as f:
        cfg = yaml.safe_load(f)
    known = {"buffer_size", "batch_size", "train_frequency", "target_network_frequency", "learning_starts", "gamma",
             "start_e", "end_e", "exploration_fraction", "loss", "learning_rate", "adam_eps", "body", "optimizer",
             "tau"}
    unknown = set(cfg) - known
    assert not unknown, f"{args.config}: keys this yardstick does not implement: {sorted(unknown)}"
    assert cfg.get("optimizer", "adam") == "adam", "Adam only"
    buffer_size = int(cfg.get("buffer_size", buffer_size))
    batch_size = int(cfg.get("batch_size", batch_size))
    train_frequency = int(cfg.get("train_frequency", train_frequency))
    target_network_frequency = int(cfg.get("target_network_frequency", target_network_frequency))
    learning_starts = int(cfg.get("learning_starts", learning_starts))
    gamma = float(cfg.get("gamma", gamma))
    start_e = float(cfg.get("start_e", start_e))
    end_e = float(cfg.get("end_e", end_e))
    exploration_fraction = float(cfg.get("exploration_fraction", exploration_fraction))
    tau = float(cfg.get("tau", tau))
    loss_name = cfg.get("loss", loss_name)
    learning_rate = float(cfg.get("learning_rate", learning_rate))
    adam_eps = float(cfg.get("adam_eps", adam_eps))
    body = cfg.get("body", body)

rng = yardstick.start(args)



def make_env():
    if not args.env_id.startswith("MinAtar/"):
        return gym.make(args.env_id)
    import minatar.gym

    if args.env_id not in gym.registry:
        minatar.gym.register_envs()
    env = gym.make(args.env_id)
    h, w, c = env.observation_space.shape
    space = gym.spaces.Box(0.0, 1.0, (c, h, w), np.float32)
    return gym.wrappers.TransformObservation(env, lambda o: np.ascontiguousarray(np.transpose(o, (2, 0, 1)),
                                                                                  dtype=np.float32), space)


envs = gym.vector.SyncVectorEnv([make_env], autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
assert isinstance(envs.single_action_space, gym.spaces.Discrete), "discrete actions only"
obs_shape = tuple(envs.single_observation_space.shape)
obs_dim = int(np.prod(obs_shape))
num_actions = int(envs.single_action_space.n)
assert body == "mlp" or (body == "conv" and len(obs_shape) == 3 and obs_shape[1] < 36), "conv: MinAtar images only"


class QNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        if body == "conv":  # Young & Tian's MinAtar Q-network
            c, h, w = obs_shape
            self.network = nn.Sequential(
                nn.Conv2d(c, 16, 3), nn.ReLU(), nn.Flatten(),
                nn.Linear(16 * (h - 2) * (w - 2), 128), nn.ReLU(),
                nn.Linear(128, num_actions),
            )
        else:
            self.network = nn.Sequential(
                nn.Linear(obs_dim, 120), nn.ReLU(),
                nn.Linear(120, 84), nn.ReLU(),
                nn.Linear(84, num_actions),
            )

    def forward(self, x):
        return self.network(x)


class ReplayBuffer:
    """A ring of the last `size` transitions (s, a, r, s', terminated)."""

    def __init__(self, size):
        self.obs = np.zeros((size, *obs_shape), dtype=np.float32)
        self.next_obs = np.zeros((size, *obs_shape), dtype=np.float32)
        self.actions = np.zeros(size, dtype=np.int64)
        self.rewards = np.zeros(size, dtype=np.float32)
        self.dones = np.zeros(size, dtype=np.float32)
        self.size, self.pos, self.full = size, 0, False

    def add(self, o, next_o, a, r, done):
        self.obs[self.pos], self.next_obs[self.pos] = o, next_o
        self.actions[self.pos], self.rewards[self.pos], self.dones[self.pos] = a, r, done
        self.pos = (self.pos + 1) % self.size
        self.full = self.full or self.pos == 0

    def sample(self, n):
        idx = rng.integers(0, self.size if self.full else self.pos, size=n)
        return (torch.from_numpy(self.obs[idx]), torch.from_numpy(self.actions[idx]), torch.from_numpy(self.rewards[idx]),
                torch.from_numpy(self.next_obs[idx]), torch.from_numpy(self.dones[idx]))


def linear_schedule(start, end, duration, t):
    return max((end - start) / duration * t + start, end)


q_network = QNetwork()
optimizer = torch.optim.Adam(q_network.parameters(), lr=learning_rate, eps=adam_eps)
target_network = QNetwork()
target_network.load_state_dict(q_network.state_dict())
rb = ReplayBuffer(buffer_size)

episode_returns = []
running_return = 0.0
start_time = time.time()
obs, _ = envs.reset(seed=args.seed)
envs.action_space.seed(args.seed)

for global_step in range(args.total_timesteps):
    # ---- epsilon-greedy action ----
    epsilon = linear_schedule(start_e, end_e, exploration_fraction * args.total_timesteps, global_step)
    if rng.random() < epsilon:
        actions = np.array([rng.integers(num_actions)])
    else:
        with torch.no_grad():
            actions = q_network(torch.from_numpy(obs).float()).argmax(dim=1).numpy()

    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    running_return += float(rewards[0])
    real_next_obs = next_obs.copy()
    if terminations[0] or truncations[0]:  # same-step autoreset: next_obs is the new episode's first
        real_next_obs[0] = infos["final_obs"][0]
        episode_returns.append(running_return)
        running_return = 0.0
    rb.add(obs[0], real_next_obs[0], actions[0], rewards[0], float(terminations[0]))
    obs = next_obs

    # ---- training ----
    if global_step > learning_starts:
        if global_step % train_frequency == 0:
            b_obs, b_actions, b_rewards, b_next_obs, b_dones = rb.sample(batch_size)
            with torch.no_grad():
                target_max, _ = target_network(b_next_obs).max(dim=1)
                td_target = b_rewards + gamma * target_max * (1 - b_dones)
            old_val = q_network(b_obs).gather(1, b_actions.unsqueeze(1)).squeeze(1)
            loss = F.smooth_l1_loss(old_val, td_target) if loss_name == "huber" else F.mse_loss(td_target, old_val)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        # update the target network
        if global_step % target_network_frequency == 0:
            for target_param, param in zip(target_network.parameters(), q_network.parameters()):
                target_param.data.copy_(tau * param.data + (1.0 - tau) * target_param.data)

envs.close()
wall = time.time() - start_time
yardstick.report(algo="dqn", env_id=args.env_id, global_step=args.total_timesteps,
                 **yardstick.episode_figures(episode_returns), sps=round(args.total_timesteps / wall),
                 train_wall_s=round(wall, 3), threads=args.threads)
