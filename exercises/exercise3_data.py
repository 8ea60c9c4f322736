"""Exercise 3 — Data iterators and minibatch SGD.

Training by minibatch stochastic gradient descent touches the data in three places: it
standardizes it, it cuts it into minibatches (a fresh random order every epoch), and it
averages gradients over each minibatch. This exercise follows "Dive into Deep Learning"
§12.5 (*Minibatch Stochastic Gradient Descent*), with the airfoil self-noise data, and
Terence Parr's notebook *Training in mini-batches*.

What you will see once it works (``grade exercise3`` prints it, d2l's figures show it):

* gradient descent (one batch of 1500, lr 1) and minibatch SGD (batch 100, lr 0.4 or batch
  10, lr 0.05) all reach a loss near 0.245 on airfoil, SGD with batch 1 too (lr 0.005),
  but per example processed the vectorized minibatch is far cheaper than batch 1;
* the variance of a minibatch gradient falls as 1/B (a slope of -1 on a log-log plot);
* accumulating gradients over micro-batches gives exactly the big batch's gradient, so a
  batch that does not fit in memory can still be used.

All functions take torch tensors and accept numpy arrays.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from grader.data import load_airfoil


def _as_tensor(data) -> torch.Tensor:
    """A torch view of ``data`` (numpy arrays are shared, not copied)."""
    return data if isinstance(data, torch.Tensor) else torch.as_tensor(np.asarray(data))


def standardize(data) -> torch.Tensor:
    """Shift and scale every column to zero mean and unit variance.

    Uses the population standard deviation (``ddof=0``, as d2l's ``data.std(axis=0)``):
    ``(data - data.mean(0)) / data.std(0, correction=0)``.

    Args:
        data: array of shape ``(n, d)``.

    Returns:
        A new float tensor of shape ``(n, d)``.
    """
    data = _as_tensor(data)
    # TODO: Exercise 3.1
    raise NotImplementedError("Exercise 3.1")


def _check_batch_size(batch_size) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def data_iter(features, labels, batch_size, shuffle=True, drop_last=False, generator=None):
    """Yield minibatches ``(X_batch, y_batch)`` covering the data once (one epoch).

    Every example appears exactly once per epoch, in a fresh random order when ``shuffle``
    (draw one permutation with ``torch.randperm(n, generator=generator)`` and index with it).
    The last batch is shorter when ``batch_size`` does not divide ``n``, unless
    ``drop_last``, which drops it. Vectorized: no Python loop over examples, and no copy of
    the whole data set per batch.

    Args:
        features: shape ``(n, d)``.
        labels: shape ``(n,)`` or ``(n, 1)``; the same first dimension as ``features``.
        batch_size: a positive integer (it may exceed ``n``).
        shuffle: draw a new random order for this epoch.
        drop_last: skip a final, incomplete batch.
        generator: a ``torch.Generator`` making the order reproducible.

    Raises:
        ValueError: for a batch size that is not a positive integer, or mismatched lengths.
    """
    features, labels = _as_tensor(features), _as_tensor(labels)
    # TODO: Exercise 3.2
    raise NotImplementedError("Exercise 3.2")


def data_iter_with_replacement(features, labels, batch_size, num_batches, generator=None):
    """Yield ``num_batches`` minibatches whose examples are drawn uniformly *with* replacement.

    d2l exercise 12.5.3: each index is an independent draw from ``0 .. n-1``
    (``torch.randint``), so an example may appear twice in a batch, or not at all in an epoch.
    """
    features, labels = _as_tensor(features), _as_tensor(labels)
    # TODO: Exercise 3.3
    raise NotImplementedError("Exercise 3.3")


class ArrayLoader:
    """A re-iterable minibatch loader over tensors that share their first dimension."""

    def __init__(self, tensors, batch_size, shuffle, drop_last, seed):
        self.tensors = tuple(_as_tensor(t) for t in tensors)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        # One generator for the loader's life: each epoch draws a new order.
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None

    def __len__(self) -> int:
        # TODO: Exercise 3.4
        raise NotImplementedError("Exercise 3.4")

    def __iter__(self):
        # TODO: Exercise 3.5
        raise NotImplementedError("Exercise 3.5")


def load_array(data_arrays, batch_size, is_train=True, drop_last=False, seed=None) -> ArrayLoader:
    """d2l's ``load_array``: a re-iterable loader yielding tuples of minibatches.

    ``len(loader)`` is the number of batches per epoch; every ``iter(loader)`` is a new
    epoch, shuffled when ``is_train`` (reproducibly when ``seed`` is given).
    """
    # TODO: Exercise 3.6
    raise NotImplementedError("Exercise 3.6")


def get_data_ch11(batch_size=10, n=1500):
    """d2l's airfoil data: standardize all 1503 rows, keep the first ``n``.

    Returns:
        ``(loader, feature_dim)``: a shuffling :func:`load_array` loader over
        ``(features[:n], labels[:n])`` (the last column is the label) and ``5``.
    """
    data = torch.from_numpy(load_airfoil())
    # TODO: Exercise 3.7
    raise NotImplementedError("Exercise 3.7")


def linreg(X, w, b):
    """The linear regression model ``X @ w + b``."""
    return X @ w + b


def squared_loss(y_hat, y):
    """Half the squared error, per example: ``(y_hat - y)**2 / 2``."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def evaluate_loss(net, data_iter, loss) -> float:
    """The mean loss over every example the loader yields (one epoch)."""
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            losses = loss(net(X), y)
            total += float(losses.sum())
            count += losses.numel()
    return total / count


def train_ch11(trainer_fn, states, hyperparams, data_iter, feature_dim, num_epochs=2):
    """d2l's ``train_ch11``: linear regression trained by ``trainer_fn``.

    ``w ~ N(0, 0.01²)`` of shape ``(feature_dim, 1)``, ``b = 0`` of shape ``(1,)``; for each
    minibatch the loss is :func:`squared_loss` averaged over the batch, then ``backward()``,
    then ``trainer_fn([w, b], states, hyperparams)``. Each time the number of examples seen
    reaches a multiple of 200, record the loss on the whole data (:func:`evaluate_loss`)
    and the training time so far (time spent evaluating excluded).

    Returns:
        ``(cumulative_times, losses)``: two lists of equal length.
    """
    # TODO: Exercise 3.8
    raise NotImplementedError("Exercise 3.8")


def sgd(params, states, hyperparams):
    """d2l's minibatch SGD step: ``p -= lr * p.grad`` in place, then zero ``p.grad``.

    ``states`` is unused (SGD keeps no state); ``hyperparams['lr']`` is the learning rate.
    """
    # TODO: Exercise 3.9
    raise NotImplementedError("Exercise 3.9")


def accumulate_gradients(params, loss_fn, micro_batches):
    """Gradient accumulation: the big batch's gradient from micro-batches that fit in memory.

    ``loss_fn(X, y)`` returns the *mean* loss over one micro-batch (a scalar tensor computed
    from ``params``). After this returns, ``p.grad`` for every ``p`` in ``params`` equals the
    gradient of the mean loss over the union of all micro-batches, whatever ``p.grad`` held
    before and however unequal the micro-batch sizes are.
    """
    # TODO: Exercise 3.10
    raise NotImplementedError("Exercise 3.10")


def gradient_variance(features, labels, params, loss_fn, batch_sizes, num_trials, generator=None) -> dict:
    """How far a minibatch gradient strays from the full gradient, per batch size.

    For each ``B`` in ``batch_sizes``: draw ``num_trials`` minibatches of ``B`` indices
    uniformly *with* replacement (``torch.randint(0, n, (B,), generator=generator)``),
    compute the minibatch gradient ``g_B`` of ``loss_fn(X_B, y_B)`` (the mean loss) with
    respect to ``params`` (all parameters flattened into one vector), and average
    ``||g_B - g||²`` over the trials, ``g`` being the gradient on all the data. The
    parameters' ``.grad`` fields are left untouched (use ``torch.autograd.grad``).

    Returns:
        ``{B: mean squared distance}`` -- it falls as ``1/B``.
    """
    features, labels = _as_tensor(features), _as_tensor(labels)
    # TODO: Exercise 3.11
    raise NotImplementedError("Exercise 3.11")
