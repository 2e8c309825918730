"""Permuted MNIST in plain PyTorch: the yardstick for `isoplast continual --task permuted-mnist`.

The same shape as isoplast's supervised learner with SupervisedConfig.small() (DESIGN.md §10): a
784-100-100-10 ReLU net with PyTorch's default init, softmax cross-entropy, Adam (lr 1e-3, eps 1e-8),
batch 16, one pass per task over the same 10,000 MNIST digits (the cache `./isoplast setup` builds,
.isoplast/data/mnist-10k.bin, pixels / 255), each task a new pixel permutation and a new order.
The figure is the online accuracy: each batch is predicted by the forward pass that is then learned
from, before its gradient step, as the Java learner counts it.

Prints one JSON line at the end: tasks, steps, the online accuracy of the first and last task and
their mean, steps per second. Usage: python bench/torch_continual.py --data .isoplast/data/mnist-10k.bin
"""

import struct
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import yardstick

parser = yardstick.parser(__doc__)
parser.add_argument("--data", required=True, help="the digits cache, .isoplast/data/mnist-10k.bin")
parser.add_argument("--tasks", type=int, default=10, help="how many permutations to train on")
args = parser.parse_args()

# ---- hyper-parameters (isoplast SupervisedConfig.small(), Kumar et al.'s small net) ----
hidden = (100, 100)  # hidden layer widths, ReLU
batch_size = 16  # examples per gradient step
learning_rate = 1e-3  # Adam's learning rate (constant)


def load_digits(path):
    """The cache format of agent/.../continual/data/MnistDigits.java: magic, n/rows/cols, pixels, labels."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != b"IPMNIST1":
        raise SystemExit(f"{path} is not an isoplast MNIST cache (run ./isoplast setup)")
    n, rows, cols = struct.unpack(">iii", raw[8:20])
    pixels = np.frombuffer(raw, dtype=np.uint8, count=n * rows * cols, offset=20)
    labels = np.frombuffer(raw, dtype=np.uint8, count=n, offset=20 + n * rows * cols)
    return torch.from_numpy(pixels.reshape(n, rows * cols).astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


rng = yardstick.start(args)
x, y = load_digits(args.data)
n, dim = x.shape
steps_per_task = n // batch_size  # 625: the Java learner's batches cover the 10,000 digits exactly

layers, width = [], dim
for h in hidden:
    layers += [nn.Linear(width, h), nn.ReLU()]
    width = h
net = nn.Sequential(*layers, nn.Linear(width, 10))
optimizer = torch.optim.Adam(net.parameters(), lr=learning_rate)

accuracies = []
start_time = time.time()
for task in range(args.tasks):
    x_task = x[:, torch.from_numpy(rng.permutation(dim))]  # x'_j = x_{pi(j)} for every digit
    order = torch.from_numpy(rng.permutation(n))
    correct = 0
    for step in range(steps_per_task):
        idx = order[step * batch_size:(step + 1) * batch_size]
        logits = net(x_task[idx])
        correct += int((logits.argmax(dim=1) == y[idx]).sum())  # online: predicted before learning
        loss = F.cross_entropy(logits, y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    accuracies.append(correct / (steps_per_task * batch_size))

wall = time.time() - start_time
yardstick.report(task="permuted-mnist", tasks=args.tasks, steps=args.tasks * steps_per_task,
                 online_accuracy_first_task=accuracies[0], online_accuracy_last_task=accuracies[-1],
                 online_accuracy_mean=round(float(np.mean(accuracies)), 4),
                 steps_per_s=round(args.tasks * steps_per_task / wall), train_wall_s=round(wall, 3), threads=args.threads)
