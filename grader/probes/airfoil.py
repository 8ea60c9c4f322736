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
        # One fresh permutation per epoch, cut into consecutive chunks (the last one shorter).
        shuffled = torch.randperm(len(self.features), generator=self.generator)
        for rows in torch.split(shuffled, self.batch_size):
            yield self.features[rows], self.labels[rows]


def airfoil_tensors(n=1500):
    """Standardized airfoil (all 1503 rows), first ``n``: features (n, 5) and labels (n,)."""
    from grader.data import load_airfoil
    data = torch.from_numpy(load_airfoil())
    data = (data - data.mean(dim=0)) / data.std(dim=0, correction=0)
    return data[:n, :-1], data[:n, -1]


def kit_sgd(params, states, hyperparams):
    """d2l's minibatch SGD step: every parameter moves against its gradient, which is then cleared."""
    rate = hyperparams["lr"]
    with torch.no_grad():
        for param in params:
            param.sub_(param.grad * rate)
            param.grad.zero_()


def _halved_squares(w, b, X, y):
    """Each example's squared residual of the linear model, halved: shape (batch, 1)."""
    return (X @ w + b - y.reshape(-1, 1)) ** 2 / 2


def full_loss(w, b, data):
    """Mean squared loss / 2 over every batch of ``data``."""
    summed, examples = 0.0, 0
    with torch.no_grad():
        for X, y in data:
            halves = _halved_squares(w, b, X, y)
            summed += float(halves.sum())
            examples += halves.numel()
    return summed / examples


def kit_train_ch11(trainer_fn, states, hyperparams, data, feature_dim, num_epochs=2):
    """d2l's train_ch11: linear regression, the loss on all data every 200 examples.

    The clock runs while training and stops while the loss on all data is computed.
    """
    w = torch.empty(feature_dim, 1).normal_(std=0.01).requires_grad_()  # N(0, 0.01²)
    b = torch.zeros(1).requires_grad_()
    clock, examples, curve = 0.0, 0, ([], [])
    resumed = time.perf_counter()
    for _epoch in range(num_epochs):
        for X, y in data:
            _halved_squares(w, b, X, y).mean().backward()
            trainer_fn([w, b], states, hyperparams)
            examples += len(X)
            if examples % 200:
                continue
            clock += time.perf_counter() - resumed
            curve[0].append(clock)
            curve[1].append(full_loss(w, b, data))
            resumed = time.perf_counter()
    return curve
