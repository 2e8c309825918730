"""PPO on a Gymnasium discrete-action env in plain PyTorch: the yardstick for `isoplast train --algo ppo`.

Written for the benchmark from the algorithm (Schulman et al. 2017, "Proximal Policy Optimization
Algorithms"; GAE from Schulman et al. 2016), in the shape of CleanRL's ppo.py and with the values of
isoplast's PpoConfig.defaults() (DESIGN.md §9), so that both sides do the same work per step:

- 4 envs x 128 steps per rollout (batch 512), gymnasium's SyncVectorEnv in this process, same-step
  autoreset (what isoplast's env server gives the Java agent);
- separate actor and critic, each 64-64 tanh, orthogonal init (gain sqrt 2, actor head 0.01, critic
  head 1, biases 0);
- Adam (eps 1e-5), learning rate 2.5e-4 annealed linearly to 0 over the iterations;
- GAE (gamma 0.99, lambda 0.95); a truncated episode is bootstrapped from V(final observation), as
  the Java agent does (agents/Gae.java); a terminated one from 0;
- 4 epochs x 4 shuffled minibatches of 128, advantages normalised per minibatch, clipped surrogate
  (0.2), clipped value loss, entropy bonus 0.01, value coefficient 0.5, global-norm clipping 0.5.

Prints one JSON line at the end: steps, episodes, mean return of the first and last 20 episodes,
steps per second. Usage: python bench/torch_ppo.py --total-timesteps 150000 --seed 1 --threads 1
"""

import time

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions.categorical import Categorical

import yardstick

args = yardstick.rl_parser(__doc__, total_timesteps=150_000).parse_args()

# ---- hyper-parameters (isoplast PpoConfig.defaults(), CleanRL's classic-control values) ----
num_envs = 4  # the number of parallel game environments
num_steps = 128  # the number of steps to run in each environment per policy rollout
learning_rate = 2.5e-4  # the learning rate of the optimizer
anneal_lr = True  # anneal the learning rate linearly to 0 over the iterations
gamma = 0.99  # the discount factor
gae_lambda = 0.95  # the lambda of generalized advantage estimation
num_minibatches = 4  # the number of minibatches per epoch
update_epochs = 4  # the K epochs of each update
norm_adv = True  # normalise advantages per minibatch
clip_coef = 0.2  # the surrogate clipping coefficient
clip_vloss = True  # clip the value loss as the paper's implementation does
ent_coef = 0.01  # coefficient of the entropy bonus
vf_coef = 0.5  # coefficient of the value loss
max_grad_norm = 0.5  # the maximum global norm of the gradients
adam_eps = 1e-5  # Adam's epsilon
hidden = 64  # width of both hidden layers of the actor and of the critic

# derived once
batch_size = num_envs * num_steps
minibatch_size = batch_size // num_minibatches
num_iterations = args.total_timesteps // batch_size

rng = yardstick.start(args)

envs = gym.vector.SyncVectorEnv(
    [lambda: gym.make(args.env_id) for _ in range(num_envs)],
    autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
)
assert isinstance(envs.single_action_space, gym.spaces.Discrete), "discrete actions only"
obs_dim = int(np.prod(envs.single_observation_space.shape))
num_actions = int(envs.single_action_space.n)


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, 1), std=1.0),
        )
        self.actor = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, num_actions), std=0.01),
        )

    def get_value(self, x):
        return self.critic(x).squeeze(-1)

    def get_action_and_value(self, x, action=None):
        probs = Categorical(logits=self.actor(x))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.get_value(x)


agent = Agent()
optimizer = torch.optim.Adam(agent.parameters(), lr=learning_rate, eps=adam_eps)

# rollout storage, [num_steps, num_envs]
obs = torch.zeros((num_steps, num_envs, obs_dim))
actions = torch.zeros((num_steps, num_envs), dtype=torch.long)
logprobs = torch.zeros((num_steps, num_envs))
rewards = torch.zeros((num_steps, num_envs))
terminated = torch.zeros((num_steps, num_envs))
truncated = torch.zeros((num_steps, num_envs))
final_values = torch.zeros((num_steps, num_envs))  # V(final observation) where truncated
values = torch.zeros((num_steps, num_envs))

episode_returns = []
running_return = np.zeros(num_envs)
global_step = 0
start_time = time.time()
next_obs = torch.tensor(envs.reset(seed=args.seed)[0], dtype=torch.float32)
envs.action_space.seed(args.seed)

for iteration in range(1, num_iterations + 1):
    if anneal_lr:
        optimizer.param_groups[0]["lr"] = (1.0 - (iteration - 1.0) / num_iterations) * learning_rate

    # ---- rollout ----
    for step in range(num_steps):
        global_step += num_envs
        obs[step] = next_obs
        with torch.no_grad():
            action, logprob, _, value = agent.get_action_and_value(next_obs)
        actions[step], logprobs[step], values[step] = action, logprob, value

        o, r, term, trunc, info = envs.step(action.numpy())
        rewards[step] = torch.tensor(r, dtype=torch.float32)
        terminated[step] = torch.tensor(term, dtype=torch.float32)
        truncated[step] = torch.tensor(trunc & ~term, dtype=torch.float32)
        if (trunc & ~term).any():  # same-step autoreset: o holds the new episode's first observation
            cut = np.nonzero(trunc & ~term)[0]
            final_obs = torch.tensor(np.stack([info["final_obs"][i] for i in cut]), dtype=torch.float32)
            with torch.no_grad():
                final_values[step, cut] = agent.get_value(final_obs)
        next_obs = torch.tensor(o, dtype=torch.float32)

        running_return += r
        for i in np.nonzero(term | trunc)[0]:
            episode_returns.append(float(running_return[i]))
            running_return[i] = 0.0

    # ---- GAE: b_t = 0 (terminated), V(final obs) (truncated), else the next value ----
    with torch.no_grad():
        next_value = agent.get_value(next_obs)
        advantages = torch.zeros_like(rewards)
        lastgaelam = torch.zeros(num_envs)
        for t in reversed(range(num_steps)):
            done = torch.maximum(terminated[t], truncated[t])
            following = next_value if t == num_steps - 1 else values[t + 1]
            bootstrap = (1.0 - done) * following + truncated[t] * final_values[t]
            delta = rewards[t] + gamma * bootstrap - values[t]
            lastgaelam = delta + gamma * gae_lambda * (1.0 - done) * lastgaelam
            advantages[t] = lastgaelam
        returns = advantages + values

    # flatten the batch
    b_obs = obs.reshape((-1, obs_dim))
    b_actions = actions.reshape(-1)
    b_logprobs = logprobs.reshape(-1)
    b_advantages = advantages.reshape(-1)
    b_returns = returns.reshape(-1)
    b_values = values.reshape(-1)

    # ---- optimise the policy and value networks ----
    b_inds = np.arange(batch_size)
    for epoch in range(update_epochs):
        rng.shuffle(b_inds)
        for start in range(0, batch_size, minibatch_size):
            mb_inds = torch.from_numpy(b_inds[start:start + minibatch_size])
            _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb_inds], b_actions[mb_inds])
            logratio = newlogprob - b_logprobs[mb_inds]
            ratio = logratio.exp()

            mb_advantages = b_advantages[mb_inds]
            if norm_adv:
                mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)

            # clipped surrogate objective
            pg_loss1 = -mb_advantages * ratio
            pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
            pg_loss = torch.max(pg_loss1, pg_loss2).mean()

            # value loss, clipped around the rollout's values
            if clip_vloss:
                v_loss_unclipped = (newvalue - b_returns[mb_inds]) ** 2
                v_clipped = b_values[mb_inds] + torch.clamp(newvalue - b_values[mb_inds], -clip_coef, clip_coef)
                v_loss_clipped = (v_clipped - b_returns[mb_inds]) ** 2
                v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
            else:
                v_loss = 0.5 * ((newvalue - b_returns[mb_inds]) ** 2).mean()

            loss = pg_loss - ent_coef * entropy.mean() + v_loss * vf_coef
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
            optimizer.step()

envs.close()
wall = time.time() - start_time
yardstick.report(algo="ppo", env_id=args.env_id, global_step=global_step, **yardstick.episode_figures(episode_returns),
                 sps=round(global_step / wall), train_wall_s=round(wall, 3), threads=args.threads)
