"""A correct exercise-3 submission in another style: iterator classes where the reference yields.

``data_iter``, ``data_iter_with_replacement`` and ``ArrayLoader.__iter__`` return an object
with ``__next__`` that indexes the tensors with the next block of rows; ``standardize`` works
in numpy; ``train_ch11`` takes the evaluation time off a running clock; gradient
accumulation adds up ``torch.autograd.grad`` results weighted by share. Written from the
stub's docstrings alone: it must get full marks.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch.nn.utils import parameters_to_vector

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
    if not torch.is_floating_point(data):
        data = data.type(torch.get_default_dtype())
    values = data.numpy(force=True)
    centred = values - values.mean(axis=0)
    return torch.from_numpy(centred / np.sqrt((centred * centred).mean(axis=0)))  # population std


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
    _check_batch_size(batch_size)
    if features.shape[0] != labels.shape[0]:
        raise ValueError(f"features have {features.shape[0]} rows but labels {labels.shape[0]}")
    blocks = _blocks(_order(features.shape[0], shuffle, generator), batch_size, drop_last)
    return _Minibatches((features, labels), blocks)


def data_iter_with_replacement(features, labels, batch_size, num_batches, generator=None):
    """Yield ``num_batches`` minibatches whose examples are drawn uniformly *with* replacement.

    d2l exercise 12.5.3: each index is an independent draw from ``0 .. n-1``
    (``torch.randint``), so an example may appear twice in a batch, or not at all in an epoch.
    """
    features, labels = _as_tensor(features), _as_tensor(labels)
    _check_batch_size(batch_size)
    count = features.shape[0]
    draws = map(lambda _: torch.randint(0, count, (batch_size,), generator=generator), range(num_batches))
    return _Minibatches((features, labels), draws)


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
        full, rest = divmod(self.tensors[0].shape[0], self.batch_size)
        return full + int(bool(rest) and not self.drop_last)

    def __iter__(self):
        order = _order(self.tensors[0].shape[0], self.shuffle, self.generator)
        return _Minibatches(self.tensors, _blocks(order, self.batch_size, self.drop_last))


def load_array(data_arrays, batch_size, is_train=True, drop_last=False, seed=None) -> ArrayLoader:
    """d2l's ``load_array``: a re-iterable loader yielding tuples of minibatches.

    ``len(loader)`` is the number of batches per epoch; every ``iter(loader)`` is a new
    epoch, shuffled when ``is_train`` (reproducibly when ``seed`` is given).
    """
    _check_batch_size(batch_size)
    arrays = [_as_tensor(a) for a in data_arrays]
    if any(a.shape[0] != arrays[0].shape[0] for a in arrays):
        raise ValueError(f"the arrays differ in length: {[a.shape[0] for a in arrays]}")
    return ArrayLoader(arrays, batch_size, shuffle=is_train, drop_last=drop_last, seed=seed)


def get_data_ch11(batch_size=10, n=1500):
    """d2l's airfoil data: standardize all 1503 rows, keep the first ``n``.

    Returns:
        ``(loader, feature_dim)``: a shuffling :func:`load_array` loader over
        ``(features[:n], labels[:n])`` (the last column is the label) and ``5``.
    """
    data = torch.from_numpy(load_airfoil())
    table = standardize(data)
    feature_dim = table.shape[1] - 1
    loader = load_array((table[:n, :feature_dim], table[:n, feature_dim]), batch_size, is_train=True)
    return loader, feature_dim


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
    w = (torch.randn(feature_dim, 1) * 0.01).requires_grad_()
    b = torch.zeros(1).requires_grad_()
    seen, times, losses = 0, [], []
    began, evaluating = time.perf_counter(), 0.0  # the clock runs on; evaluations are taken off it
    for _epoch in range(num_epochs):
        for X, y in data_iter:
            squared_loss(linreg(X, w, b), y).mean().backward()
            trainer_fn([w, b], states, hyperparams)
            seen += len(X)
            if seen % 200 == 0:
                paused = time.perf_counter()
                times.append(paused - began - evaluating)
                losses.append(evaluate_loss(lambda inputs: linreg(inputs, w, b), data_iter, squared_loss))
                evaluating += time.perf_counter() - paused
    return times, losses


def sgd(params, states, hyperparams):
    """d2l's minibatch SGD step: ``p -= lr * p.grad`` in place, then zero ``p.grad``.

    ``states`` is unused (SGD keeps no state); ``hyperparams['lr']`` is the learning rate.
    """
    rate = hyperparams["lr"]
    for param in params:
        param.data.sub_(rate * param.grad)  # .data: the step is no part of the graph
        param.grad.fill_(0.0)


def accumulate_gradients(params, loss_fn, micro_batches):
    """Gradient accumulation: the big batch's gradient from micro-batches that fit in memory.

    ``loss_fn(X, y)`` returns the *mean* loss over one micro-batch (a scalar tensor computed
    from ``params``). After this returns, ``p.grad`` for every ``p`` in ``params`` equals the
    gradient of the mean loss over the union of all micro-batches, whatever ``p.grad`` held
    before and however unequal the micro-batch sizes are.
    """
    batches = list(micro_batches)
    sizes = [len(X) for X, _ in batches]
    total = sum(sizes)
    summed = [torch.zeros_like(p) for p in params]
    for (X, y), size in zip(batches, sizes):
        grads = torch.autograd.grad(loss_fn(X, y), params, allow_unused=True)
        for into, grad in zip(summed, grads):
            if grad is not None:
                into.add_(grad * (size / total))  # each mean weighted by its share of the examples
    for param, grad in zip(params, summed):
        param.grad = grad


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
    def gradient_on(X, y):
        return parameters_to_vector(torch.autograd.grad(loss_fn(X, y), params))

    full = gradient_on(features, labels)
    count = features.shape[0]
    spread = {}
    for size in batch_sizes:
        distances = []
        for _trial in range(num_trials):
            rows = torch.randint(0, count, (size,), generator=generator)
            distances.append(float(torch.sum((gradient_on(features[rows], labels[rows]) - full) ** 2)))
        spread[size] = float(np.mean(distances))
    return spread


# -- helpers of this solution ------------------------------------------------------------------
class _Minibatches:
    """One pass over minibatches: each ``next()`` indexes every tensor with the next block of rows."""

    def __init__(self, tensors, blocks):
        self._tensors, self._blocks = tuple(tensors), iter(blocks)

    def __iter__(self):
        return self

    def __next__(self):
        rows = next(self._blocks)  # its StopIteration ends the epoch
        return tuple(t[rows] for t in self._tensors)


def _order(count: int, shuffle: bool, generator):
    """The epoch's order of the examples: one permutation, or 0 .. count-1."""
    if shuffle:
        return torch.randperm(count, generator=generator)
    return torch.arange(count)


def _blocks(order, batch_size: int, drop_last: bool):
    """Consecutive blocks of ``batch_size`` indices of ``order``, the last shorter unless dropped."""
    usable = len(order) - len(order) % batch_size if drop_last else len(order)
    return order[:usable].split(batch_size) if usable else ()
