"""The kit's own airfoil pipeline (d2l §12.5), for probes that grade one piece at a time.

Runs inside the worker. A probe that grades a student's optimizer trains it with this
loader and loop, and a probe that grades a student's loop feeds it this loader, so each
exercise part is graded apart from the others.
"""
from __future__ import annotations

import time

from grader.probes import torch



class KitLoader:
    """A plain re-iterable, shuffling loader (d2l's load_array), seeded."""

    def __init__(self, features, labels, batch_size, seed):
        self.features, self.labels, self.batch_size = features, labels, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return -(-len(self.features) // self.batch_size)

    def __iter__(self):
        order = torch.randperm(len(self.features), generator=self.generator)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            yield self.features[batch], self.labels[batch]


def airfoil_tensors(n=1500):
    """Standardized airfoil (all 1503 rows), first ``n``: features (n, 5) and labels (n,)."""
    from grader.data import load_airfoil
    data = torch.from_numpy(load_airfoil())
    data = (data - data.mean(dim=0)) / data.std(dim=0, correction=0)
    return data[:n, :-1], data[:n, -1]


def kit_sgd(params, states, hyperparams):
    """d2l's minibatch SGD step."""
    with torch.no_grad():
        for p in params:
            p -= hyperparams["lr"] * p.grad
            p.grad.zero_()


def full_loss(w, b, data):
    """Mean squared loss / 2 over every batch of ``data``."""
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in data:
            losses = (X @ w + b - y.reshape(-1, 1)) ** 2 / 2
            total += float(losses.sum())
            count += losses.numel()
    return total / count


def kit_train_ch11(trainer_fn, states, hyperparams, data, feature_dim, num_epochs=2):
    """d2l's train_ch11: linear regression, the loss on all data every 200 examples."""
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    seen, elapsed, times, losses = 0, 0.0, [], []
    start = time.perf_counter()
    for _ in range(num_epochs):
        for X, y in data:
            loss = ((X @ w + b - y.reshape(-1, 1)) ** 2 / 2).mean()
            loss.backward()
            trainer_fn([w, b], states, hyperparams)
            seen += X.shape[0]
            if seen % 200 == 0:
                elapsed += time.perf_counter() - start
                times.append(elapsed)
                losses.append(full_loss(w, b, data))
                start = time.perf_counter()
    return times, losses
